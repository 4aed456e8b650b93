// The SparkRTC data APIs this exporter uses: room listing and qos/details,
// each page one budgeted request.
import { z } from 'zod';
import { accountLimits } from '../../schema.js';
import type { RefreshContext, SourceDeps } from '../../source.js';
import type { UpstreamApi, UpstreamRequest, UpstreamResponse } from '../../upstream/api.js';
import type { HuaweiRtcConfig } from './config.js';
import { Credentials } from './credentials.js';
import { HUAWEI_ERRORS } from './errors.js';

const id = z.union([z.string(), z.number()]).transform(String);

const qosPage = z.looseObject({
  room_id: id.optional(),
  data: z
    .array(
      z.looseObject({
        uid: id,
        peerid: id,
        mid: z.string(),
        data: z.array(z.looseObject({ time: z.string(), value: z.number().nullable() })).nullish(),
      }),
    )
    // `null` is not an empty room (that is []): an answer without its data is unusable.
    .optional(),
});
export type QosEntry = NonNullable<z.output<typeof qosPage>['data']>[number];

const roomsPage = z.looseObject({
  total: z.number().optional(),
  room_info_list: z.array(z.looseObject({ room_id: id, state: z.string().optional() })).nullish(),
});

/** `2020-04-23T06:00:00Z`: the API's time format (UTC, no fraction). */
function apiTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DAY = 86_400_000;

/** The query window: [now − lookback, now], kept inside the API's 5-day history and 24 h span. */
export function queryWindow(nowMs: number, lookbackMs: number): { start: string; end: string } {
  const earliest = nowMs - 5 * DAY + 60_000;
  const start = Math.max(nowMs - Math.min(lookbackMs, DAY), earliest);
  return { start: apiTime(start), end: apiTime(nowMs) };
}

function json<T>(schema: z.ZodType<T>) {
  return (res: UpstreamResponse): T => schema.parse(JSON.parse(res.body));
}

export class HuaweiRtcClient {
  private readonly qos: UpstreamApi;
  private readonly rooms: UpstreamApi;
  private readonly credentials: Credentials;

  constructor(
    private readonly cfg: HuaweiRtcConfig,
    private readonly deps: SourceDeps,
  ) {
    // One account: every statistical API counts against the same 30/min.
    const account = deps.account(accountLimits(cfg.budget));
    const api = (name: string) => account.api({ name, vendor: HUAWEI_ERRORS, timeoutMs: cfg.request_timeout });
    this.qos = api('qos_details');
    this.rooms = api('rooms');
    this.credentials = new Credentials(cfg, deps);
  }

  /** Ids of the app's running rooms, every page. */
  async listRunningRooms(appId: string, ctx: RefreshContext): Promise<string[]> {
    const ids: string[] = [];
    const limit = 100;
    for (let offset = 0; ; offset += limit) {
      const page = await this.get(this.rooms, 'rooms', { app: appId, state: 'RUNNING', limit: String(limit), offset: String(offset) }, roomsPage, ctx);
      const list = page.room_info_list ?? [];
      for (const r of list) if (!r.state || r.state === 'RUNNING') ids.push(r.room_id);
      if (list.length < limit || (page.total !== undefined && offset + list.length >= page.total)) return ids;
    }
  }

  /** Every qos/details entry of one room in the window, page by page until a short page. */
  async qosDetails(app: HuaweiRtcConfig['apps'][number], roomId: string, ctx: RefreshContext): Promise<{ entries: QosEntry[]; truncated: boolean }> {
    const { cfg } = this;
    const window = queryWindow(this.deps.clock.now(), cfg.lookback);
    const base: Record<string, string> = {
      app_id: app.app_id,
      room_id: roomId,
      mid: cfg.mids.join(','),
      start_time: window.start,
      end_time: window.end,
      time_type: cfg.time_type,
      limit: String(cfg.page_size),
    };
    for (const key of ['user_id', 'peer_id', 'stream_id', 'domain'] as const) if (app[key]) base[key] = app[key];
    if (cfg.direction) base.direction = cfg.direction;
    const entries: QosEntry[] = [];
    for (let pageNo = 0; pageNo < cfg.max_pages; pageNo++) {
      const page = await this.get(this.qos, 'client/qos/details', { ...base, offset: String(pageNo * cfg.page_size) }, qosPage, ctx);
      const data = page.data ?? [];
      entries.push(...data);
      if (data.length < cfg.page_size) return { entries, truncated: false };
    }
    return { entries, truncated: true };
  }

  private async get<T>(api: UpstreamApi, path: string, query: Record<string, string>, schema: z.ZodType<T>, ctx: RefreshContext): Promise<T> {
    const url = new URL(`${this.cfg.endpoint.replace(/\/$/, '')}/v1/${this.cfg.project_id}/rtc/${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const authorize = await this.credentials.authorizer(ctx);
    const build = (): UpstreamRequest => ({ method: 'GET', url, headers: authorize({ method: 'GET', url, headers: {} }) });
    try {
      return await api.call(build, json(schema), { signal: ctx.signal, priority: ctx.priority });
    } catch (err) {
      this.credentials.onFailure(err);
      throw err;
    }
  }
}
