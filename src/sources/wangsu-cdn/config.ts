// The `wangsu_cdn:` config block: strict, every default documented here and in
// config.example.yaml. Limits that Wangsu support can raise are configurable.
import { z } from 'zod';
import { budgetSchema, duration, durationDefault, httpUrlDefault, secret } from '../../schema.js';
import { parseZoneHeader } from './time.js';

const apiKeyAuth = z.strictObject({
  /** The seed's scheme: Date header, HMAC-SHA1 password, HTTP Basic. */
  mode: z.literal('api_key'),
  username: z.string().min(1),
  api_key: secret,
});

const akskAuth = z.strictObject({
  /** The SDKs' CNC-HMAC-SHA256 scheme. */
  mode: z.literal('aksk'),
  access_key: z.string().min(1),
  secret_key: secret,
});

const domainEntry = z.strictObject({
  domain: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9.*-]+$/, 'expected a domain name such as live.example.com'),
  /** Streams ("publish point/stream name") to query; omitted: every stream of the domain. */
  streams: z.array(z.string()).min(1).optional(),
  /** Wangsu's `keyword`: a regular expression on stream names, applied by Wangsu. */
  keyword: z.string().min(1).optional(),
});

export const wangsuConfig = z.strictObject({
  /** API host; CDNetworks accounts use https://api.cdnetworks.com. */
  endpoint: httpUrlDefault('https://open.chinanetcenter.com'),
  auth: z.discriminatedUnion('mode', [apiKeyAuth, akskAuth]),
  domains: z.array(domainEntry).min(1),
  /** Sent as X-Time-Zone; dates we send and slice times we read are in this zone. */
  time_zone: z
    .string()
    .default('GMT+08:00')
    .refine((z) => parseZoneHeader(z) !== undefined, { message: 'expected a zone like "GMT+08:00" or "GMT-05:30"' }),
  /** Slice length: 1m or 5m. Online users need 1m. */
  data_interval: z.enum(['1m', '5m']).default('1m'),
  /** Which measures to query: each costs one request per batch per refresh. */
  data_types: z
    .array(z.enum(['flow', 'bandwidth']))
    .min(1)
    .default(['flow', 'bandwidth']),
  /** Ask for onlineUser (isReturnOnline) on the bandwidth request; 1m slices only. Default: true with 1m and bandwidth read. */
  online_users: z.boolean().optional(),
  /** Wangsu's filterEmptyStream: drop data whose stream name is empty. */
  filter_empty_stream: z.boolean().default(false),
  /**
   * The query window ends at now − delay. Wangsu revises report slices for
   * 5–15 minutes; at 15m every slice we read is final, so the counter is exact.
   */
  delay: durationDefault('15m'),
  /**
   * Bandwidth and online users read the freshest slices instead: a window
   * ending at now − fresh_delay. Slices show up 1–5 minutes after they end,
   * partial at first, so these gauges may be revised upwards; the traffic
   * counter keeps reading settled slices only (delay). Default: 5m, or delay if shorter.
   */
  fresh_delay: duration.optional(),
  /** Length of each query window (Wangsu allows at most 10 minutes). */
  window: durationDefault('10m'),
  /** After failures, how far back a batch catches up on slices it has not counted yet. */
  max_catch_up: durationDefault('1h'),
  /** A stream with no non-zero slice for this long leaves /metrics. */
  stream_ttl: durationDefault('15m'),
  /** How often the batches are rebuilt (and big domains listed with streamList). */
  key_list_interval: durationDefault('5m'),
  /** How far back streamList looks for the streams of a big domain (at most 3 days). */
  stream_list_lookback: durationDefault('1h'),
  /** Bytes in one of Wangsu's MB: undocumented; 1000000 (SI) or 1048576 (binary). */
  mb_bytes: z.union([z.literal(1_000_000), z.literal(1_048_576)]).default(1_000_000),
  /** Domain groups per request (Wangsu default 20; support can raise it). */
  max_groups_per_request: z.number().int().positive().default(20),
  /** Streams per domain per request (Wangsu default 2000; support can raise it). */
  max_streams_per_domain: z.number().int().positive().default(2000),
  request_timeout: durationDefault('30s'),
  /**
   * Wangsu allows 300 requests / 5 min per account and suggests 30 / 5 min per
   * interface; above about 10 in flight it throttles, then every request of the
   * account waits a random 30–60 s.
   */
  budget: budgetSchema({
    requests: 300,
    window: '5m',
    api_requests: 30,
    api_window: '5m',
    concurrency: 10,
    throttle_pause_min: '30s',
    throttle_pause_max: '60s',
  }),
});

const DEFAULT_FRESH_DELAY_MS = 300_000;

type ParsedWangsuConfig = z.output<typeof wangsuConfig>;

/** Rules across keys. */
export function checkWangsuConfig(c: ParsedWangsuConfig, ctx: z.core.$RefinementCtx): void {
  const intervalMs = c.data_interval === '1m' ? 60_000 : 300_000;
  if (c.window > 600_000) ctx.addIssue({ code: 'custom', path: ['window'], message: 'Wangsu allows at most 10m between dateFrom and dateTo' });
  if (c.window < intervalMs || c.window % intervalMs !== 0)
    ctx.addIssue({ code: 'custom', path: ['window'], message: `must be a multiple of data_interval (${c.data_interval})` });
  if (c.delay < 60_000) ctx.addIssue({ code: 'custom', path: ['delay'], message: 'must be at least 1m (dateTo must lie in the past)' });
  if (c.fresh_delay !== undefined && c.fresh_delay < 60_000)
    ctx.addIssue({ code: 'custom', path: ['fresh_delay'], message: 'must be at least 1m (dateTo must lie in the past)' });
  if (c.fresh_delay !== undefined && c.fresh_delay > c.delay)
    ctx.addIssue({ code: 'custom', path: ['fresh_delay'], message: `must not be longer than delay (${c.delay / 60_000}m): fresh slices are the newer ones` });
  if (c.max_catch_up > 86_400_000) ctx.addIssue({ code: 'custom', path: ['max_catch_up'], message: 'at most 1d' });
  if (c.stream_list_lookback > 3 * 86_400_000) ctx.addIssue({ code: 'custom', path: ['stream_list_lookback'], message: 'Wangsu lists at most 3 days' });
  // A domain in two entries (two keywords) would be in two batches, both exporting its common streams.
  const seen = new Set<string>();
  c.domains.forEach((d, i) => {
    if (seen.has(d.domain)) ctx.addIssue({ code: 'custom', path: ['domains', i, 'domain'], message: `${d.domain} is listed twice; list each domain once` });
    seen.add(d.domain);
  });
  if (c.online_users === true && c.data_interval !== '1m')
    ctx.addIssue({ code: 'custom', path: ['online_users'], message: 'online users come with 1m slices only; set data_interval: 1m or online_users: false' });
  if (c.online_users === true && !c.data_types.includes('bandwidth'))
    ctx.addIssue({
      code: 'custom',
      path: ['online_users'],
      message: 'online users ride on the bandwidth request; add bandwidth to data_types or set online_users: false',
    });
}

/** Defaults that depend on other keys. */
export const normalizeWangsuConfig = (c: ParsedWangsuConfig) => ({
  ...c,
  online_users: c.online_users ?? (c.data_interval === '1m' && c.data_types.includes('bandwidth')),
  fresh_delay: c.fresh_delay ?? Math.min(DEFAULT_FRESH_DELAY_MS, c.delay),
});

export type WangsuConfig = ReturnType<typeof normalizeWangsuConfig>;
export type WangsuAuthConfig = WangsuConfig['auth'];

/** Slice length in ms. */
export function intervalMs(c: Pick<WangsuConfig, 'data_interval'>): number {
  return c.data_interval === '1m' ? 60_000 : 300_000;
}
