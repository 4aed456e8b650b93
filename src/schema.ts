// Zod building blocks shared by the core config and every source's config.
import { inspect } from 'node:util';
import { z } from 'zod';
import { parseDuration, readDuration } from './duration.js';
import { parseProxyUrl, ProxyUrl } from './proxy-url.js';
import type { AccountLimits } from './upstream/account.js';

/** The longest delay Node's timers hold: a longer one fires after 1 ms instead. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * A duration in config, given as "30s", "5m", "1h30m"; typed as milliseconds.
 * At most MAX_DURATION_MS (about 24.8 days), so every value fits a timer;
 * zero only where `allowZero` says it means something.
 */
function durationSchema(allowZero: boolean) {
  const schema = z.string({ error: 'expected a duration such as "30s" or "5m"' }).transform((text, ctx) => {
    const { ms, problem } = readDuration(text);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    // Valid Prometheus durations that this exporter still cannot use: say so, not "not a duration".
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is a valid duration, but longer than the 24d20h31m23s647ms a timer can hold; write at most "24d"` });
      return z.NEVER;
    }
    if (ms === 0 && !allowZero) {
      ctx.addIssue({ code: 'custom', message: `must be longer than 0; write a duration such as "30s"` });
      return z.NEVER;
    }
    return ms;
  });
  DURATIONS.add(schema);
  return schema;
}

/** The duration schemas: a value they parsed is milliseconds that /config writes back as a duration. */
const DURATIONS = new WeakSet<z.core.$ZodType>();

/** A positive duration. */
export const duration = durationSchema(false);
/** A duration where 0 means "always", e.g. a freshness interval: every scrape refreshes. */
export const durationOrZero = durationSchema(true);

/** A positive duration with its default written the same way, e.g. durationDefault('60s'). */
export const durationDefault = (text: string) => duration.default(parseDuration(text)!);

/** An API endpoint: the clients speak HTTP only, so file:, ftp: or a bare host are refused here. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL such as https://api.example.com' });

/** An endpoint with its default, e.g. httpUrlDefault('https://api.example.com'). */
export const httpUrlDefault = (url: string) => httpUrl.default(url);

/**
 * A credential from the config. It prints as [REDACTED] however it is logged
 * or serialised; code that needs the value calls reveal(). The config loader
 * collects every Secret it parsed, so logs mask the value wherever it appears.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[REDACTED]';
  }
  toJSON(): string {
    return '[REDACTED]';
  }
  [inspect.custom](): string {
    return '[REDACTED]';
  }
}

/** A secret string: never logged; may also be given as `<key>_file`. */
export const secret = z
  .string({ error: 'expected a string (or the same key with _file and a path)' })
  .min(1, 'must not be empty')
  .transform((v) => new Secret(v));

/**
 * A forward proxy for a source's upstream calls: http(s)://[user:password@]host:port.
 * Its password is a credential: the config loader collects it, and the value prints without it.
 */
export const proxyUrl = z.string({ error: 'expected a URL such as http://proxy.example.com:3128' }).transform((text, ctx) => {
  const parsed = parseProxyUrl(text);
  if (parsed instanceof ProxyUrl) return parsed;
  ctx.addIssue({ code: 'custom', message: parsed });
  return z.NEVER;
});

/** Keys every source accepts, whatever API it talks to. */
export const sourceCommon = {
  enabled: z.boolean().default(true),
  /** Upper bound on the series this source exposes; the excess is dropped and counted. */
  max_series: z.number().int().positive().default(500_000),
  /** How often a scrape refreshes a key: the step of its refresh grid (default: refresh.interval). */
  refresh_interval: durationOrZero.optional(),
  /** Where this source's upstream calls go instead of HTTP_PROXY / HTTPS_PROXY (default: those). */
  proxy_url: proxyUrl.optional(),
};

export interface SourceCommon {
  enabled: boolean;
  max_series: number;
  refresh_interval: number | undefined;
  proxy_url: ProxyUrl | undefined;
}

export interface BudgetDefaults {
  requests: number;
  window: string;
  api_requests?: number;
  api_window?: string;
  concurrency: number;
  throttle_pause_min: string;
  throttle_pause_max: string;
}

/**
 * The `budget:` block, the same keys for every vendor account: `requests` per
 * `window` for the account, optionally `api_requests` per `api_window` for each
 * API, `concurrency`, and the random pause after a throttle answer.
 */
export function budgetSchema(d: BudgetDefaults) {
  return budgetBlock(d).prefault({}).refine(pausesInOrder, PAUSES_IN_ORDER);
}

/** A second `budget:` block that is absent unless set (zod 4 applies a prefault even under optional()). */
export function optionalBudgetSchema(d: BudgetDefaults) {
  return budgetBlock(d).refine(pausesInOrder, PAUSES_IN_ORDER).optional();
}

const pausesInOrder = (b: { throttle_pause_min: number; throttle_pause_max: number }) => b.throttle_pause_min <= b.throttle_pause_max;
const PAUSES_IN_ORDER = { message: 'throttle_pause_min must not exceed throttle_pause_max', path: ['throttle_pause_min'] };

function budgetBlock(d: BudgetDefaults) {
  const count = z.number().int().positive();
  return z.strictObject({
    requests: count.default(d.requests),
    window: durationDefault(d.window),
    api_requests: d.api_requests === undefined ? count.optional() : count.default(d.api_requests),
    api_window: d.api_window === undefined ? duration.optional() : durationDefault(d.api_window),
    concurrency: count.default(d.concurrency),
    throttle_pause_min: durationDefault(d.throttle_pause_min),
    throttle_pause_max: durationDefault(d.throttle_pause_max),
  });
}

export type BudgetConfig = z.output<ReturnType<typeof budgetSchema>>;

/** A parsed `budget:` block as the limits of a vendor account. */
export function accountLimits(b: BudgetConfig): AccountLimits {
  return {
    requests: b.requests,
    windowMs: b.window,
    apiRequests: b.api_requests,
    apiWindowMs: b.api_window,
    concurrency: b.concurrency,
    throttlePauseMinMs: b.throttle_pause_min,
    throttlePauseMaxMs: b.throttle_pause_max,
  };
}

/**
 * Whether `path` in data checked by `schema` lands on a secret() value. Lets
 * messages written before the schema runs (an unset ${VAR}) avoid suggesting a
 * default for a credential.
 */
export function isSecretPath(schema: z.core.$ZodType, path: readonly string[]): boolean {
  return landsOn(schema, path, (s) => s === secret);
}

/** Whether `path` in data checked by `schema` lands on a duration (`duration`, `durationOrZero`, wrapped or not). */
export function isDurationPath(schema: z.core.$ZodType, path: readonly string[]): boolean {
  return landsOn(schema, path, (s) => DURATIONS.has(s));
}

/** Whether `path` leads through `schema` (its wrappers, objects, unions, lists and records) to a schema `is` picks. */
function landsOn(schema: z.core.$ZodType, path: readonly string[], is: (s: z.core.$ZodType) => boolean): boolean {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (is(schema)) return path.length === 0;
  const on = (inner: unknown, rest: readonly string[]) => landsOn(inner as z.core.$ZodType, rest, is);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return on(def.innerType, path);
    case 'pipe':
      return on(def.in, path);
    case 'union':
      return (def.options as unknown[]).some((o) => on(o, path));
    case 'object': {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      const [head, ...rest] = path;
      return head !== undefined && Object.hasOwn(shape, head) && on(shape[head], rest);
    }
    case 'array':
      return path.length > 0 && on(def.element, path.slice(1));
    case 'record':
      return path.length > 0 && on(def.valueType, path.slice(1));
    default:
      return false;
  }
}
