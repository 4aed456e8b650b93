// The contract between the core and an upstream API. A source knows its API
// (auth, request shapes, limits, units); the core knows scheduling, caching,
// rendering and serving. Adding an API means one folder under src/sources/
// and one line in src/sources/index.ts.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from './clock.js';
import type { UpstreamApiFactory } from './http.js';
import type { Shard } from './shard.js';

export type Labels = Readonly<Record<string, string>>;

export interface FamilySpec {
  /** Full metric name, base units in the name, `_total` only on counters. */
  readonly name: string;
  /** Names the upstream field and the conversion applied. */
  readonly help: string;
  readonly type: 'gauge' | 'counter';
}

export interface Sample {
  readonly family: FamilySpec;
  readonly labels: Labels;
  readonly value: number;
}

export interface RefreshContext {
  /** Aborts when the exporter shuts down. */
  readonly signal: AbortSignal;
  /** Budget queue priority: lower is served first (the key's last success time). */
  readonly priority: number;
}

export interface Source {
  /** The config key and the `source` label of self-metrics, e.g. "huawei_rtc". */
  readonly name: string;
  /** How long a key's data stays fresh. */
  readonly refreshIntervalMs: number;
  /** How often the key list is re-read (discovery). */
  readonly keyListIntervalMs: number;
  readonly maxSeries: number;
  /** The units of refresh: one room, one batch of domains. A key that disappears loses its series. */
  listKeys(ctx: RefreshContext): Promise<string[]>;
  /** The current samples of one key; throw (ideally an UpstreamError) to keep the last good data. */
  refresh(key: string, ctx: RefreshContext): Promise<Sample[]>;
  /** Extra text about the source for the landing page (no secrets). */
  describe?(): string;
}

export interface SourceDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly upstream: UpstreamApiFactory;
  /** refresh.interval from the core config, for sources that set none of their own. */
  readonly defaultRefreshIntervalMs: number;
  /** Which rooms / domains this replica owns, and its share of account-wide budgets. */
  readonly shard: Shard;
}

/** A running simulator of a source's API and the source config that points at it. */
export interface DemoUpstream {
  /** Raw config for this source (as if read from YAML). */
  readonly config: unknown;
  close(): Promise<void>;
}

export interface SourceModule<Schema extends z.ZodType = z.ZodType> {
  /** The config key; also the source's name. */
  readonly name: string;
  readonly configSchema: Schema;
  create(config: z.output<Schema>, deps: SourceDeps): Source;
  /** Starts the source's simulator on loopback for --demo. */
  startDemo?(clock?: Clock): Promise<DemoUpstream>;
}
