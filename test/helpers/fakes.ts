// Test doubles for the core: a scriptable source, its runner and an exporter around it.
import type { Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { Exporter } from '../../src/exporter.js';
import { SecretRegistry } from '../../src/secrets.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';
import { Scheduler, SourceRunner } from '../../src/scheduler.js';
import { SelfMetrics } from '../../src/self-metrics.js';
import { renderSamples, type Sample } from '../../src/series-writer.js';
import { defineSource, type FamilySpec, type KeyData, type RefreshContext, type Source, type SourceDefinition } from '../../src/source.js';

export const GAUGE: FamilySpec = { name: 'test_value', help: 'A test gauge.', type: 'gauge' };

type Refresher = (key: string, ctx: RefreshContext) => Promise<Sample[]>;

/** A source whose keys and refresh behaviour a test sets and changes at will. */
export class FakeSource implements Source {
  readonly name: string;
  refreshIntervalMs = 60_000;
  keyListIntervalMs = 300_000;
  maxSeries = 1_000_000;
  keys: string[];
  about = 'a fake source';
  refreshes = 0;
  listings = 0;
  refresher: Refresher;
  /** KeyData.refreshAtMs per key, for keys with their own pace: called as the refresh begins. */
  refreshAtMs: Record<string, () => number> = {};

  constructor(opts: { name?: string; keys?: string[]; refresher?: Refresher } = {}) {
    this.name = opts.name ?? 'fake';
    this.keys = opts.keys ?? ['k1'];
    this.refresher = opts.refresher ?? (async (key) => [sample({ key }, 1)]);
  }

  async listKeys(): Promise<string[]> {
    this.listings++;
    return [...this.keys];
  }

  async refresh(key: string, ctx: RefreshContext): Promise<KeyData> {
    this.refreshes++;
    const refreshAtMs = this.refreshAtMs[key]?.();
    return { series: renderSamples(await this.refresher(key, ctx)), ...(refreshAtMs === undefined ? {} : { refreshAtMs }) };
  }

  describe(): string {
    return this.about;
  }
}

/** A runner and scheduler around a fake source, as the exporter builds them (jitter factor exactly 1). */
export function fakeRunner(
  source: FakeSource,
  clock: Clock,
  opts: { metrics?: SelfMetrics; logger?: ReturnType<typeof memoryLogger>['logger']; secrets?: SecretRegistry } = {},
) {
  const metrics = opts.metrics ?? new SelfMetrics('test');
  const log = memoryLogger();
  const runner = new SourceRunner(
    { name: source.name, title: 'Fake data', refreshIntervalMs: source.refreshIntervalMs, maxSeries: source.maxSeries },
    {
      clock,
      logger: (opts.logger ?? log.logger).child({ source: source.name }),
      metrics,
      backoff: { initialMs: 10_000, maxMs: 300_000 },
      signal: new AbortController().signal,
      mask: (text) => opts.secrets?.mask(text) ?? text,
      random: () => 0.5,
    },
    () => source,
  );
  return { runner, metrics, log, scheduler: new Scheduler([runner], clock) };
}

export function sample(labels: Record<string, string>, value: number, family: FamilySpec = GAUGE): Sample {
  return { family, labels, value };
}

/** A promise with its resolve/reject exposed, for upstream calls a test finishes by hand. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A source definition that hands the exporter an existing FakeSource. */
export function fakeDefinition(source: FakeSource): SourceDefinition {
  return defineSource({
    name: source.name,
    title: 'Fake data',
    metricPrefix: 'test_',
    secretHeaders: [],
    config: {},
    create: () => source,
    startDemo: () => Promise.reject(new Error('the fake source has no demo')),
  });
}

/** An in-process exporter around fake sources, as main.ts would build it. */
export function fakeExporter(
  sources: FakeSource[],
  opts: {
    clock?: Clock;
    configYaml?: string;
    secrets?: string[];
    maxConnections?: number;
    telemetryPath?: string;
    webConfigFile?: string;
    build?: { revision: string; branch: string };
  } = {},
) {
  const definitions = sources.map(fakeDefinition);
  const yaml = opts.configYaml ?? sources.map((s) => `${s.name}: {}`).join('\n');
  const { config, secrets: configSecrets } = parseConfig(yaml, { sources: definitions, env: {} });
  // One registry for the logger and the exporter, as main.ts has it.
  const secrets = new SecretRegistry([...configSecrets, ...(opts.secrets ?? [])]);
  const log = memoryLogger(secrets);
  const exporter = new Exporter({
    config,
    sources: definitions,
    logger: log.logger,
    secrets,
    version: '0.0.0-test',
    scrapeTimeoutOffsetMs: 500,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.maxConnections ? { maxConnections: opts.maxConnections } : {}),
    ...(opts.webConfigFile ? { webConfigFile: opts.webConfigFile } : {}),
    ...(opts.telemetryPath ? { telemetryPath: opts.telemetryPath } : {}),
    ...(opts.build ? { build: opts.build } : {}),
  });
  return { exporter, log };
}
