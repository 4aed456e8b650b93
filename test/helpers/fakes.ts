// Test doubles for the core: a scriptable source and a logger that keeps its lines.
import { Writable } from 'node:stream';
import { z } from 'zod';
import type { Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { Exporter } from '../../src/exporter.js';
import { createLogger } from '../../src/logger.js';
import { sourceCommon } from '../../src/schema.js';
import type { FamilySpec, RefreshContext, Sample, Source, SourceModule } from '../../src/source.js';

export const GAUGE: FamilySpec = { name: 'test_value', help: 'A test gauge.', type: 'gauge' };

export function memoryLogger(secrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', secrets, destination });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

type Refresher = (key: string, ctx: RefreshContext) => Promise<Sample[]>;

/** A source whose keys and refresh behaviour a test sets and changes at will. */
export class FakeSource implements Source {
  readonly name: string;
  refreshIntervalMs = 60_000;
  keyListIntervalMs = 300_000;
  maxSeries = 1_000_000;
  keys: string[];
  refreshes = 0;
  listings = 0;
  refresher: Refresher;

  constructor(opts: { name?: string; keys?: string[]; refresher?: Refresher } = {}) {
    this.name = opts.name ?? 'fake';
    this.keys = opts.keys ?? ['k1'];
    this.refresher = opts.refresher ?? (async (key) => [sample({ key }, 1)]);
  }

  async listKeys(): Promise<string[]> {
    this.listings++;
    return [...this.keys];
  }

  refresh(key: string, ctx: RefreshContext): Promise<Sample[]> {
    this.refreshes++;
    return this.refresher(key, ctx);
  }
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

/** A source module that hands the exporter an existing FakeSource. */
export function fakeModule(source: FakeSource): SourceModule {
  return {
    name: source.name,
    configSchema: z.strictObject({ ...sourceCommon }),
    create: () => source,
  };
}

/** An in-process exporter around fake sources, as main.ts would build it. */
export function fakeExporter(sources: FakeSource[], opts: { clock?: Clock; configYaml?: string; secrets?: string[] } = {}) {
  const modules = sources.map(fakeModule);
  const yaml = opts.configYaml ?? sources.map((s) => `${s.name}: {}`).join('\n');
  const { config } = parseConfig(yaml, { modules, env: {} });
  const log = memoryLogger(opts.secrets);
  const exporter = new Exporter({
    config,
    modules,
    logger: log.logger,
    version: '0.0.0-test',
    scrapeTimeoutOffsetMs: 500,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return { exporter, log };
}
