// huawei_rtc: config schema. Defaults follow the vendor's documented limits.
import { z } from 'zod';
import { budgetSchema, duration, optionalBudgetSchema, durationDefault, httpUrlDefault, secret } from '../../schema.js';
import { APP_METRIC_TABLE, APP_RATE_METRICS } from './app-metrics.js';
import { MID_TABLE, UPSTREAM_UNITS } from './families.js';

const aksk = z.strictObject({ access_key: z.string().min(1), secret_key: secret });
const iam = z.strictObject({
  endpoint: httpUrlDefault('https://iam.myhuaweicloud.com'),
  /** The account (domain) name. */
  domain: z.string().min(1),
  user: z.string().min(1),
  password: secret,
  /** Tokens live 24 h; get a new one this long before expiry. */
  renew_before: durationDefault('1h'),
});

const auth = z
  .strictObject({ aksk: aksk.optional(), token: secret.optional(), iam: iam.optional() })
  .refine((a) => [a.aksk, a.token, a.iam].filter((x) => x !== undefined).length === 1, {
    message: 'set exactly one of aksk, token, iam',
  });

const app = z.strictObject({
  app_id: z.string().min(1),
  /** Rooms to query; when absent, running rooms are discovered from the API. */
  rooms: z.array(z.string().min(1)).min(1).optional(),
  /** Optional filters, passed to qos/details as is. */
  user_id: z.string().optional(),
  peer_id: z.string().optional(),
  stream_id: z.string().optional(),
  domain: z.string().optional(),
});

const DAY_MS = 86_400_000;

/** The documented limit of the statistical-analysis APIs, 30 per minute; pause a minute after APIGW.0308. */
const STATISTICS_LIMITS = { requests: 30, window: '1m', concurrency: 4, throttle_pause_min: '60s', throttle_pause_max: '60s' };

/** The app-wide real-time figures (realtime/quality, /network, /scale): one request per metric and SDK type. */
const appQuality = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** How often each figure is read again. */
    interval: durationDefault('3m'),
    /** Each request asks for [now − window, now] and exports the newest minute: must cover the data lag (up to 5 min). */
    window: durationDefault('10m').refine((ms) => ms >= 120_000 && ms <= DAY_MS, 'must be between 2m and 24h'),
    /** quality and network are per SDK type: each type listed costs 8 requests per interval. */
    sdk_types: z
      .array(z.enum(['native', 'webrtc']))
      .min(1)
      .default(['native', 'webrtc'])
      .refine((t) => new Set(t).size === t.length, 'list each SDK type once'),
  })
  .prefault({});

/** Abnormal events: an exact-once counter per (type, root cause), and which rooms to refresh first. */
const abnormalEvents = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Each poll reads the newest 5 minutes (at most the window); every window / 3 the whole window. */
    interval: durationDefault('30s'),
    /** Reads cover [now − window, now]: an event that shows up later than this after it happened is never counted. */
    window: durationDefault('15m').refine((ms) => ms >= 120_000 && ms <= DAY_MS, 'must be between 2m and 24h'),
    /** Events per page (the API allows 1–100). */
    page_size: z.number().int().min(1).max(100).default(100),
    /** A poll reads at most this many pages; events past them are dropped and counted (protects the budget). */
    max_pages: z.number().int().min(1).default(10),
  })
  .prefault({});

export const huaweiRtcConfig = z.strictObject({
  endpoint: httpUrlDefault('https://rtc-api.myhuaweicloud.com'),
  project_id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a project id has letters, digits, _ and - only'),
  auth,
  apps: z.array(app).min(1),
  /** Metric ids to query; "all" returns every metric. */
  mids: z
    .array(z.string().regex(/^[a-z0-9_]+$/))
    .min(1)
    .default(['all']),
  /** Query window [now - lookback, now]; must cover the ~5 min data lag. At most 24h. */
  lookback: durationDefault('10m').refine((ms) => ms >= 60_000 && ms <= DAY_MS, 'must be between 1m and 24h'),
  /**
   * A series whose newest point is older than the room's newest point by more than this has
   * left the call and is not exported. Shorter than lookback; default 2m (see DEPARTED_AFTER).
   */
  departed_after: duration.optional(),
  time_type: z.enum(['ctime', 'stime']).default('ctime'),
  direction: z.enum(['uplink', 'downlink']).optional(),
  /** Entries per page of qos/details. */
  page_size: z.number().int().min(1).max(1000).default(100),
  /** A room with more pages than this is cut short and the refresh fails (protects the budget). */
  max_pages: z.number().int().min(1).default(20),
  /** How often running rooms are re-listed. */
  discovery_interval: durationDefault('2m'),
  /** Statistical-analysis APIs: 30 requests per minute per account (vendor limit); pause after APIGW.0308. */
  budget: budgetSchema(STATISTICS_LIMITS),
  app_quality: appQuality,
  abnormal_events: abnormalEvents,
  /**
   * A room with at least troubled_room_min_events abnormal events in the last 5 minutes, one of
   * them newer than its data, is refreshed as if its data were troubled_room_lead older:
   * troubled rooms go first, and a quiet room waits at most about this long for them.
   */
  troubled_room_lead: durationDefault('2h'),
  troubled_room_min_events: z.number().int().min(1).default(2),
  /**
   * Huawei does not say whether the realtime and abnormal-events APIs count against the same
   * 30/min as qos/details. Unset: they share `budget` (the safe guess). Set: their own limits.
   */
  realtime_budget: optionalBudgetSchema(STATISTICS_LIMITS),
  request_timeout: durationDefault('30s'),
  /** Upstream unit per mid or app-level rate metric, where the vendor's differs from the table (see README). */
  units: z
    .record(z.string(), z.enum(Object.keys(UPSTREAM_UNITS) as [keyof typeof UPSTREAM_UNITS]))
    .default({})
    .superRefine((units, ctx) => {
      for (const mid of Object.keys(units)) {
        const def = MID_TABLE[mid] ?? (APP_RATE_METRICS.includes(mid) ? { unit: 'percent' as const } : undefined);
        if (!def) {
          const known = [...Object.keys(MID_TABLE), ...APP_RATE_METRICS].join(', ');
          ctx.addIssue({
            code: 'custom',
            path: [mid],
            message: `unknown mid or app metric${APP_METRIC_TABLE[mid] ? ' (a count: it has no unit to set)' : ''}; known: ${known}`,
          });
        } else if (UPSTREAM_UNITS[units[mid]!].base !== UPSTREAM_UNITS[def.unit].base) {
          const same = Object.entries(UPSTREAM_UNITS)
            .filter(([, u]) => u.base === UPSTREAM_UNITS[def.unit].base)
            .map(([k]) => k);
          ctx.addIssue({ code: 'custom', path: [mid], message: `${mid} is exported in ${UPSTREAM_UNITS[def.unit].base}; use one of ${same.join(', ')}` });
        }
      }
    }),
});

type ParsedHuaweiRtcConfig = z.output<typeof huaweiRtcConfig>;

/** departed_after when unset; half the lookback where that is shorter, so a short lookback stays valid. */
export const DEPARTED_AFTER = 120_000;

/** Rules across keys. */
export function checkHuaweiRtcConfig(c: ParsedHuaweiRtcConfig, ctx: z.core.$RefinementCtx): void {
  // A margin as long as the window never fires: nothing in the answer is older than the window.
  if (c.departed_after !== undefined && c.departed_after >= c.lookback)
    ctx.addIssue({ code: 'custom', path: ['departed_after'], message: `must be shorter than lookback (${asDuration(c.lookback)})` });
}

/** Milliseconds written as config would write them: 600000 → "10m". */
function asDuration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Defaults that depend on other keys. */
export const normalizeHuaweiRtcConfig = (c: ParsedHuaweiRtcConfig) => ({
  ...c,
  departed_after: c.departed_after ?? Math.min(DEPARTED_AFTER, c.lookback / 2),
});

export type HuaweiRtcConfig = ReturnType<typeof normalizeHuaweiRtcConfig>;
