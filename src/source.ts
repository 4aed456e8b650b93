// The contract between the core and an upstream API. A source knows its API
// (auth, request shapes, limits, units); the core knows its identity, common
// settings, accounts, scheduling, caching, rendering and serving. Adding an API
// is one folder under src/sources/ whose index.ts calls defineSource(), and one
// line in src/sources/index.ts.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from './clock.js';
import { sourceCommon, type SourceCommon } from './schema.js';
import type { SecretSink } from './secrets.js';
import type { RenderedSeries } from './series-writer.js';
import type { Shard } from './shard.js';
import type { Account, AccountLimits } from './upstream/account.js';
import type { Priority } from './upstream/budget.js';

export interface FamilySpec {
  /** Full metric name, base units in the name, `_total` only on counters. */
  readonly name: string;
  /** Names the upstream field and the conversion applied. */
  readonly help: string;
  readonly type: 'gauge' | 'counter';
}

/** What one key refresh returns. */
export interface KeyData {
  /** The key's series, written with a SeriesWriter (src/series-writer.ts). */
  readonly series: RenderedSeries;
  /**
   * When the newest data served ends, if the API lags (Wangsu's slices end
   * minutes ago): the source's data age counts from here. Default: the refresh.
   */
  readonly dataTimeMs?: number;
  /**
   * When this key is due again, where its kind has its own pace (an app-wide
   * summary every few minutes, an event feed every 30 s): a time on the source's
   * own grid, not a delay, so that how often it is read does not depend on when
   * scrapes come. The first scrape at or after it starts the next refresh.
   * Default: the next point of the key's grid, refresh_interval apart (see nextGridPoint).
   */
  readonly refreshAtMs?: number;
}

export interface RefreshContext {
  /** Aborts when the exporter shuts down. */
  readonly signal: AbortSignal;
  /**
   * Budget queue priority: lower is served first. The core passes the key's last
   * success time; a source may pass a function down instead, read again at each
   * grant, to move a waiting call up the queue.
   */
  readonly priority: Priority;
}

/** What only a source can know: its keys, how to refresh one, how to describe itself. */
export interface Source {
  /** How often the key list is re-read (discovery). */
  readonly keyListIntervalMs: number;
  /** The units of refresh: one room, one batch of domains. A key that disappears loses its series. */
  listKeys(ctx: RefreshContext): Promise<string[]>;
  /** The current series of one key; throw (ideally an UpstreamError) to keep the last good data. */
  refresh(key: string, ctx: RefreshContext): Promise<KeyData>;
  /** One line about the source for the landing page (no secrets). */
  describe(): string;
}

export interface SourceDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Which rooms / domains this replica owns. */
  readonly shard: Shard;
  /** A vendor account: its APIs share these limits (this shard's share of them). */
  account(limits: AccountLimits): Account;
  /** Asks for the key list to be read again at the next scrape, not after keyListIntervalMs. */
  relistKeys(): void;
  /**
   * Where a source reports every credential it obtains or computes (tokens,
   * signatures, passwords it derives), before sending it: logs and error
   * messages then mask it.
   */
  readonly secrets: SecretSink;
  /** Counts data points of an API's answer dropped as unusable, by reason; they are never exported. */
  dropPoints(api: string, reason: string, count: number): void;
  /** Counts per-series state forgotten to stay within max_series (least recently reported first). */
  stateEvicted(count: number): void;
}

/** A running simulator of a source's API and the source config that points at it. */
export interface DemoUpstream {
  /** Raw config for this source (as if read from YAML). */
  readonly config: unknown;
  close(): Promise<void>;
}

/** The settings every source has; the core reads them, the source never needs to. */
export type SourceConfig<Own> = Own & SourceCommon;

export interface SourceDefinition<Own = unknown> {
  /** The config key and the `source` label of self-metrics, e.g. "huawei_rtc". */
  readonly name: string;
  /** What it exports, for --help and the landing page, e.g. "Huawei Cloud SparkRTC call quality". */
  readonly title: string;
  /** Every family the source exports starts with this. */
  readonly metricPrefix: string;
  /** Request headers that carry credentials: redacted wherever a log line would show them. */
  readonly secretHeaders: readonly string[];
  /** The source's config block, common keys included. */
  readonly schema: z.ZodType<SourceConfig<Own>>;
  create(config: SourceConfig<Own>, deps: SourceDeps): Source;
  /**
   * Starts the source's simulator on loopback for --demo and tests. It must
   * reach the simulator through a dynamic import(), so that a production start
   * never loads one.
   */
  startDemo(clock?: Clock): Promise<DemoUpstream>;
}

export interface SourceSpec<Shape extends z.core.$ZodLooseShape, Own> {
  name: string;
  title: string;
  metricPrefix: string;
  secretHeaders: readonly string[];
  /** The source's own config keys; `enabled`, `max_series`, `refresh_interval` and `proxy_url` are added. */
  config: Shape;
  /** Rules across keys, reported like schema errors. */
  check?: (config: z.output<z.ZodObject<Shape>>, ctx: z.core.$RefinementCtx) => void;
  /** The parsed config as the source wants it (defaults that depend on other keys). */
  normalize?: (config: z.output<z.ZodObject<Shape>>) => Own;
  create(config: SourceConfig<Own>, deps: SourceDeps): Source;
  startDemo(clock?: Clock): Promise<DemoUpstream>;
}

/** Defines a source: the core wraps its config with the common keys and owns its identity. */
export function defineSource<Shape extends z.core.$ZodLooseShape, Own = z.output<z.ZodObject<Shape>>>(spec: SourceSpec<Shape, Own>): SourceDefinition<Own> {
  type Parsed = z.output<z.ZodObject<Shape>>;
  const schema = z
    .strictObject({ ...spec.config, ...sourceCommon })
    .superRefine((c, ctx) => spec.check?.(c as Parsed, ctx))
    .transform((c): SourceConfig<Own> => {
      const { enabled, max_series, refresh_interval, proxy_url } = c as SourceCommon;
      const own = spec.normalize ? spec.normalize(c as Parsed) : (c as unknown as Own);
      return { ...own, enabled, max_series, refresh_interval, proxy_url };
    });
  const { config: _shape, check: _check, normalize: _normalize, ...identity } = spec;
  return { ...identity, schema };
}
