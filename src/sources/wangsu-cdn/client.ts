// The two Wangsu calls this source makes: stream detail (traffic, bandwidth,
// online users) and stream listing. Requests are signed when the budget grants
// them; every answer goes through classification and a zod schema.
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { wellFormed } from '../../labels.js';
import { TimeSlices } from '../../slices.js';
import { END, JsonFields, JsonReader } from '../../upstream/json-reader.js';
import type { UpstreamApi, UpstreamRequest } from '../../upstream/api.js';
import type { RefreshContext } from '../../source.js';
import type { SecretSink } from '../../secrets.js';
import { apiKeyPassword, httpDate, signAkSk, signApiKey, type UniqueSecondGate } from './auth.js';
import type { WangsuAuthConfig } from './config.js';
import { formatRequestDate, formatZoneHeader, parseSliceTime } from './time.js';

export const DETAIL_PATH = '/api/report/flow-bandwidth/stream/detail';
export const STREAM_LIST_PATH = '/api/report/streamList';
export const REQUEST_ID_HEADER = 'x-cnc-request-id';

export type DataType = 'flow' | 'bandwidth';

/** One `domainStream` group: a domain and its streams (undefined: all of them). */
export interface DomainGroup {
  readonly domain: string;
  readonly streams?: readonly string[] | undefined;
}

export interface DetailQuery {
  fromMs: number;
  toMs: number;
  groups: readonly DomainGroup[];
  keyword?: string | undefined;
  dataType: DataType;
  dataInterval: '1m' | '5m';
  filterEmptyStream: boolean;
  online: boolean;
}

/** A slice value in hundredths of the unit (MB or Mbps): Wangsu sends exactly two decimals. */
export interface SlicePoint {
  endMs: number;
  hundredths: number;
  online: number | undefined;
}

export interface StreamSeries {
  domain: string;
  stream: string;
  points: SlicePoint[];
}

/** Wangsu prints every value with at most two decimals, never negative. */
const TWO_DECIMALS = /^\d{1,15}(\.\d{1,2})?$/;

const streamListSchema = z.object({
  result: z.array(z.object({ domain: z.string(), streamList: z.array(z.string()).nullish() })),
});

/** Adds the authentication headers to a request. */
export type Signer = (req: { method: string; url: URL; body: string; headers: Record<string, string> }) => Record<string, string>;

/**
 * Signs a request just before it is sent; AK/SK mode takes a fresh unique
 * second. Every password and signature it computes goes to `secrets` first.
 */
export function createSigner(auth: WangsuAuthConfig, clock: Clock, secondGate: UniqueSecondGate | undefined, secrets: SecretSink): Signer {
  if (auth.mode === 'api_key')
    return () => {
      const date = httpDate(clock.now());
      const headers = signApiKey({ username: auth.username, apiKey: auth.api_key.reveal() }, date);
      // The password, and the Basic credential that carries it, each as they could be echoed.
      secrets.addEphemeral(apiKeyPassword(auth.api_key.reveal(), date));
      secrets.addEphemeral(headers.authorization!.replace(/^Basic /, ''));
      return headers;
    };
  return (req) => {
    const timestamp = secondGate?.nextTimestamp(clock.now()) ?? String(Math.floor(clock.now() / 1000));
    const headers = { ...req.headers, host: req.url.host };
    const signed = signAkSk(
      { accessKey: auth.access_key, secretKey: auth.secret_key.reveal() },
      { method: req.method, uri: req.url.pathname + req.url.search, headers, body: req.body },
      timestamp,
    );
    // The signature only: the header's start (algorithm, access key) is no secret.
    const signature = /Signature=([0-9a-f]+)$/.exec(signed.authorization ?? '')?.[1];
    if (signature) secrets.addEphemeral(signature);
    return signed;
  };
}

export interface ClientOptions {
  endpoint: string;
  zoneOffsetMin: number;
  sign: Signer;
  detailApi: UpstreamApi;
  streamListApi: UpstreamApi;
  /** Told of the slices an answer had that could not be right (by reason), which were dropped. */
  onDropped(reasons: ReadonlyMap<string, number>): void;
}

export class WangsuClient {
  constructor(private readonly opts: ClientOptions) {}

  /** Every non-zero slice of the query, per stream (Wangsu omits zeros). */
  async detail(q: DetailQuery, call: RefreshContext): Promise<StreamSeries[]> {
    const body = JSON.stringify({
      dateFrom: formatRequestDate(q.fromMs, this.opts.zoneOffsetMin),
      dateTo: formatRequestDate(q.toMs, this.opts.zoneOffsetMin),
      domainStream: q.groups.map((g) => (g.streams ? { domain: g.domain, stream: g.streams } : { domain: g.domain })),
      dataType: q.dataType,
      dataInterval: q.dataInterval,
      filterEmptyStream: q.filterEmptyStream ? 1 : 0,
      ...(q.keyword !== undefined ? { keyword: q.keyword } : {}),
      ...(q.online ? { isReturnOnline: 'true' } : {}),
    });
    return this.opts.detailApi.call(
      () => this.build(DETAIL_PATH, body),
      (res) => this.parseDetail(res.bytes),
      call,
    );
  }

  /** The streams Wangsu saw on `domain` between the two times (at most 3 days apart). */
  async streamList(domain: string, fromMs: number, toMs: number, call: RefreshContext): Promise<string[]> {
    const body = JSON.stringify({
      dateFrom: formatRequestDate(fromMs, this.opts.zoneOffsetMin),
      dateTo: formatRequestDate(toMs, this.opts.zoneOffsetMin),
      domain,
    });
    return this.opts.streamListApi.call(
      () => this.build(STREAM_LIST_PATH, body),
      (res) => {
        const parsed = streamListSchema.parse(JSON.parse(res.body));
        const streams = new Set<string>();
        for (const entry of parsed.result) if (entry.domain === domain) for (const s of entry.streamList ?? []) streams.add(wellFormed(s));
        return [...streams].sort();
      },
      call,
    );
  }

  private build(path: string, body: string): UpstreamRequest {
    const url = new URL(path, this.opts.endpoint);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-time-zone': formatZoneHeader(this.opts.zoneOffsetMin),
    };
    return { method: 'POST', url, headers: { ...headers, ...this.opts.sign({ method: 'POST', url, body, headers }) }, body };
  }

  /**
   * Reads a detail answer from its bytes, a slice of streams at a time (an
   * answer can hold 100,000 streams): the event loop runs between slices. A
   * slice that cannot be right is dropped and counted, not the whole answer;
   * an answer without its data (null, missing) is unusable.
   */
  private async parseDetail(bytes: Buffer): Promise<StreamSeries[]> {
    const r: JsonReader = new JsonReader(bytes);
    const slices = new TimeSlices();
    const out: StreamSeries[] = [];
    const dropped = new Map<string, number>();
    const drop = (reason: string) => dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
    let usable = 0;
    let code = false;
    let data = false;
    r.openObject();
    for (let f; (f = r.nextField(DETAIL)) !== END;) {
      if (f === 0) {
        if (r.kind() !== 'string' && r.kind() !== 'number') r.fail('code is neither a string nor a number');
        r.skip();
        code = true;
      } else if (f !== 1) r.skip();
      else {
        data = true;
        r.openArray();
        while (r.nextItem()) {
          let domain: string | undefined;
          const streams: { stream: string; points: SlicePoint[] }[] = [];
          r.openObject();
          for (let g; (g = r.nextField(DOMAIN)) !== END;) {
            if (g === 0) domain = r.string();
            else if (g !== 1 || r.isNull()) r.skip();
            else {
              r.openArray();
              while (r.nextItem()) {
                if (slices.due()) await slices.yieldNow();
                const s = this.readStream(r, drop);
                usable += s.points.length;
                streams.push(s);
              }
            }
          }
          if (domain === undefined) r.fail('a data entry without domain');
          // Well-formed here, so the ledger keys a stream by the name its labels will show.
          const name = wellFormed(domain);
          for (const s of streams) out.push({ domain: name, stream: s.stream, points: s.points });
        }
      }
    }
    r.end();
    if (!code || !data) r.fail('an answer without code or data');
    if (dropped.size > 0) {
      this.opts.onDropped(dropped);
      if (usable === 0) throw new Error(`no usable slice in the answer (dropped: ${[...dropped].map(([r, n]) => `${n} ${r}`).join(', ')})`);
    }
    return out;
  }

  /** One stream of a domain and its usable slices. */
  private readStream(r: JsonReader, drop: (reason: string) => void): { stream: string; points: SlicePoint[] } {
    let stream: string | undefined;
    const points: SlicePoint[] = [];
    r.openObject();
    for (let f; (f = r.nextField(STREAM)) !== END;) {
      if (f === 0) stream = wellFormed(r.string());
      else if (f !== 1 || r.isNull()) r.skip();
      else {
        r.openArray();
        while (r.nextItem()) {
          let timestamp: string | undefined;
          let value: string | undefined;
          let online: number | undefined;
          r.openObject();
          for (let g; (g = r.nextField(SLICE)) !== END;) {
            if (g === 0 && r.kind() === 'string') timestamp = r.string();
            else if (g === 1 && r.kind() === 'string') value = r.string();
            else if (g === 2 && !r.isNull()) online = readCount(r);
            else r.skip();
          }
          const endMs = timestamp === undefined ? undefined : parseSliceTime(timestamp, this.opts.zoneOffsetMin);
          if (endMs === undefined) drop('bad_time');
          else if (value === undefined || !TWO_DECIMALS.test(value)) drop('bad_value');
          else points.push({ endMs, hundredths: toHundredths(value), online });
        }
      }
    }
    if (stream === undefined) r.fail('a stream without its name');
    return { stream, points };
  }
}

const DETAIL = new JsonFields(['code', 'data']);
const DOMAIN = new JsonFields(['domain', 'domainOfStreamList']);
const STREAM = new JsonFields(['stream', 'detailList']);
const SLICE = new JsonFields(['timestamp', 'value', 'onlineUser']);

/** onlineUser: a non-negative integer, or one written as a string of digits. */
function readCount(r: JsonReader): number {
  if (r.kind() === 'string') {
    const text = r.string();
    if (!/^\d+$/.test(text)) r.fail('onlineUser is not a count');
    return Number(text);
  }
  const n = r.number();
  if (!Number.isInteger(n) || n < 0) r.fail('onlineUser is not a count');
  return n;
}

/** "12.3" → 1230: integers keep sums of many slices exact. */
function toHundredths(value: string): number {
  const [whole, frac = ''] = value.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}
