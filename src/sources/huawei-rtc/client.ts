// The SparkRTC data APIs this exporter uses: room listing, qos/details, the
// three realtime app-level APIs and abnormal events; each page one budgeted request.
import { z } from 'zod';
import { accountLimits } from '../../schema.js';
import type { RefreshContext, SourceDeps } from '../../source.js';
import type { UpstreamApi, UpstreamRequest, UpstreamResponse } from '../../upstream/api.js';
import type { AbnormalEvent } from './abnormal-events.js';
import type { RealtimeApi, RealtimePoint } from './app-metrics.js';
import type { HuaweiRtcConfig } from './config.js';
import { Credentials } from './credentials.js';
import { HUAWEI_ERRORS } from './errors.js';
import type { MidFamily } from './families.js';
import { readQosPage, type QosLatest } from './qos-page.js';

const id = z.union([z.string(), z.number()]).transform(String);

const roomsPage = z.looseObject({
  total: z.number().optional(),
  room_info_list: z.array(z.looseObject({ room_id: id, state: z.string().optional() })).nullish(),
});

const point = z.looseObject({
  time: z.string(),
  value: z
    .number()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});
const realtimeAnswers = {
  quality: z.looseObject({ quality: z.array(point).nullish() }),
  network: z.looseObject({ network: z.array(point).nullish() }),
  scale: z.looseObject({ scale: z.array(point).nullish() }),
};

const eventsPage = z.looseObject({
  total: z.number().optional(),
  events: z
    .array(
      z.looseObject({
        time: z.string(),
        uid: id,
        room_id: id,
        stage: z.string().optional(),
        location: z.string().optional(),
        peer_uid: id.nullish().transform((v) => v ?? ''),
        abnormal_type: z.number().int(),
        abnormal_factor: z.number().int(),
      }),
    )
    .nullish(),
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

/** Where queryWindow(nowMs, lookbackMs) starts, in ms. */
export function windowStartMs(nowMs: number, lookbackMs: number): number {
  return Date.parse(queryWindow(nowMs, lookbackMs).start);
}

function json<T>(schema: z.ZodType<T>) {
  return (res: UpstreamResponse): T => schema.parse(JSON.parse(res.body));
}

export class HuaweiRtcClient {
  private readonly qos: UpstreamApi;
  private readonly rooms: UpstreamApi;
  private readonly realtime: Record<RealtimeApi, UpstreamApi>;
  private readonly events: UpstreamApi;
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
    // Whether the app-level APIs share the 30/min is undocumented: by default they do (realtime_budget unset).
    const own = cfg.realtime_budget ? deps.account(accountLimits(cfg.realtime_budget)) : account;
    const appApi = (name: string) => own.api({ name, vendor: HUAWEI_ERRORS, timeoutMs: cfg.request_timeout });
    this.realtime = { quality: appApi('realtime_quality'), network: appApi('realtime_network'), scale: appApi('realtime_scale') };
    this.events = appApi('abnormal_events');
    this.credentials = new Credentials(cfg, deps);
  }

  /** Ids of the app's running rooms, every page. */
  async listRunningRooms(appId: string, ctx: RefreshContext): Promise<string[]> {
    const ids: string[] = [];
    const limit = 100;
    for (let offset = 0; ; offset += limit) {
      const page = await this.get(
        this.rooms,
        this.projectPath('rooms'),
        () => ({ app: appId, state: 'RUNNING', limit: String(limit), offset: String(offset) }),
        json(roomsPage),
        ctx,
      );
      const list = page.room_info_list ?? [];
      for (const r of list) if (!r.state || r.state === 'RUNNING') ids.push(r.room_id);
      if (list.length < limit || (page.total !== undefined && offset + list.length >= page.total)) return ids;
    }
  }

  /**
   * Every qos/details entry of one room in the window, page by page until a
   * short page. `askedAt`: the end of the window, fixed when the first page is
   * sent (not when the refresh began: with many rooms, a request waits minutes for the budget).
   */
  async qosDetails(
    app: HuaweiRtcConfig['apps'][number],
    roomId: string,
    families: ReadonlyMap<string, MidFamily>,
    ctx: RefreshContext,
    sinceMs?: number,
  ): Promise<{ entries: QosLatest[]; dropped: Map<string, number>; usable: number; truncated: boolean; askedAt: number }> {
    const { cfg } = this;
    const window = new SentWindow(this.deps.clock, cfg.lookback, sinceMs);
    const base: Record<string, string> = {
      app_id: app.app_id,
      room_id: roomId,
      mid: cfg.mids.join(','),
      time_type: cfg.time_type,
      limit: String(cfg.page_size),
    };
    for (const key of ['user_id', 'peer_id', 'stream_id', 'domain'] as const) if (app[key]) base[key] = app[key];
    if (cfg.direction) base.direction = cfg.direction;
    const entries: QosLatest[] = [];
    const dropped = new Map<string, number>();
    let usable = 0;
    for (let pageNo = 0; pageNo < cfg.max_pages; pageNo++) {
      const query = () => ({ ...base, ...window.fix(), offset: String(pageNo * cfg.page_size) });
      const page = await this.get(this.qos, this.projectPath('client/qos/details'), query, (res) => readQosPage(res.bytes, families), ctx);
      for (const e of page.entries) entries.push(e);
      for (const [reason, n] of page.dropped) dropped.set(reason, (dropped.get(reason) ?? 0) + n);
      usable += page.usable;
      if (page.entries.length < cfg.page_size) return { entries, dropped, usable, truncated: false, askedAt: window.endMs };
    }
    return { entries, dropped, usable, truncated: true, askedAt: window.endMs };
  }

  /** The per-minute points of one app-level metric over [now − window, now], now being when the request is sent. */
  async realtimePoints(
    api: RealtimeApi,
    query: { app: string; metric: string; sdk_type?: string | undefined },
    windowMs: number,
    ctx: RefreshContext,
  ): Promise<RealtimePoint[]> {
    const window = new SentWindow(this.deps.clock, windowMs);
    const q: Record<string, string> = { app: query.app, metric: query.metric };
    if (query.sdk_type) q.sdk_type = query.sdk_type;
    const answer = await this.get(this.realtime[api], this.projectPath(`realtime/${api}`), () => ({ ...q, ...window.fix() }), json(realtimeAnswers[api]), ctx);
    return (answer as Record<RealtimeApi, RealtimePoint[] | null | undefined>)[api] ?? [];
  }

  /**
   * Abnormal events of [now − window, now], every page of the one window fixed
   * when the first page is sent. `onPage` sees each page as it arrives, so a
   * troubled room can move up the queue before the last page is read.
   */
  async abnormalEvents(
    appId: string,
    o: { windowMs: number; pageSize: number; maxPages: number },
    ctx: RefreshContext,
    onPage: (events: readonly AbnormalEvent[]) => void,
  ): Promise<{ total: number; read: number; truncated: boolean }> {
    const window = new SentWindow(this.deps.clock, o.windowMs);
    const base = { app: appId, limit: String(o.pageSize) };
    let read = 0;
    let total = 0;
    for (let pageNo = 0; pageNo < o.maxPages; pageNo++) {
      const offset = pageNo * o.pageSize;
      const page = await this.get(
        this.events,
        '/v1/rtc/data/abnormal-events',
        () => ({ ...base, ...window.fix(), offset: String(offset) }),
        json(eventsPage),
        ctx,
      );
      const list = page.events ?? [];
      onPage(list);
      read += list.length;
      total = Math.max(total, page.total ?? 0, offset + list.length);
      if (list.length < o.pageSize || (page.total !== undefined && offset + list.length >= page.total)) return { total, read, truncated: false };
    }
    return { total, read, truncated: true };
  }

  private projectPath(path: string): string {
    return `/v1/${this.cfg.project_id}/rtc/${path}`;
  }

  /** `query` is built when the budget sends the request (and again for a retry). */
  private async get<T>(
    api: UpstreamApi,
    path: string,
    query: () => Record<string, string>,
    parse: (res: UpstreamResponse) => T,
    ctx: RefreshContext,
  ): Promise<T> {
    const base = `${this.cfg.endpoint.replace(/\/$/, '')}${path}`;
    const authorize = await this.credentials.authorizer(ctx);
    const build = (): UpstreamRequest => {
      const url = new URL(base);
      for (const [k, v] of Object.entries(query())) url.searchParams.set(k, v);
      return { method: 'GET', url, headers: authorize({ method: 'GET', url, headers: {} }) };
    };
    try {
      return await api.call(build, parse, { signal: ctx.signal, priority: ctx.priority });
    } catch (err) {
      this.credentials.onFailure(err);
      throw err;
    }
  }
}

/**
 * A query window [now − lookback, now] whose `now` is the moment the first
 * request using it is sent, then kept for the following pages. With
 * `sinceMs`, it starts there instead when that is later (and before its end).
 */
class SentWindow {
  private window: { start: string; end: string } | undefined;
  endMs = Number.NaN;
  constructor(
    private readonly clock: { now(): number },
    private readonly lookbackMs: number,
    private readonly sinceMs?: number,
  ) {}

  fix(): { start_time: string; end_time: string } {
    if (!this.window) {
      this.endMs = this.clock.now();
      this.window = queryWindow(this.endMs, this.lookbackMs);
      const since = this.sinceMs === undefined ? Number.NaN : Math.floor(this.sinceMs / 1000) * 1000;
      if (since > Date.parse(this.window.start) && since < this.endMs - 1000) this.window = { start: apiTime(since), end: this.window.end };
    }
    return { start_time: this.window.start, end_time: this.window.end };
  }
}
