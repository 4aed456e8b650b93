// One harness for every source: the real exporter around one source
// definition, on a fake clock, talking over loopback to the source's simulator.
// Real I/O settles between fake-clock steps; nothing sleeps on the wall clock.
import type { Dispatcher } from 'undici';
import { flushMicrotasks, type ManualClock } from './manual-clock.js';
import { parseConfig } from '../config.js';
import { Exporter } from '../exporter.js';
import type { Scheduler } from '../scheduler.js';
import type { RefreshContext, Source, SourceDefinition } from '../source.js';
import { SecretRegistry } from '../secrets.js';
import type { Shard } from '../shard.js';
import { memoryLogger } from './memory-logger.js';

export interface HarnessOptions {
  definition: SourceDefinition;
  clock: ManualClock;
  /** The source's config block, as read from YAML. */
  config: Record<string, unknown>;
  /** Overrides of the core `refresh:` block. */
  core?: Record<string, unknown>;
  /** Jitter of back-offs and throttle pauses (default 0.5: back-off factor exactly 1). */
  random?: () => number;
  dispatcher?: Dispatcher;
  /** This replica's shard (default: the only one). */
  shard?: Shard;
}

export type SourceHarness<S extends Source = Source> = ReturnType<typeof sourceHarness<S>>;

/** Builds the exporter as main.ts does (throws the ConfigError of a bad block). */
export function sourceHarness<S extends Source = Source>(opts: HarnessOptions) {
  const { definition, clock } = opts;
  let source: S | undefined;
  // The definition, unchanged but for handing the test the source it creates.
  const observed: SourceDefinition = { ...definition, create: (cfg, deps) => (source = definition.create(cfg, deps) as S) };
  const raw = {
    refresh: { interval: '60s', max_scrape_wait: '10s', backoff_initial: '10s', backoff_max: '5m', ...opts.core },
    [definition.name]: opts.config,
  };
  const { config, secrets } = parseConfig(JSON.stringify(raw), { sources: [observed] });
  // One registry for the logger and the exporter, as main.ts builds them.
  const registry = new SecretRegistry(secrets);
  const log = memoryLogger(registry);
  const exporter = new Exporter({
    config,
    sources: [observed],
    logger: log.logger,
    version: 'test',
    scrapeTimeoutOffsetMs: 500,
    clock,
    random: opts.random ?? (() => 0.5),
    secrets: registry,
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    ...(opts.shard ? { shard: opts.shard } : {}),
  });
  const runner = exporter.scheduler.runners[0]!;
  const ctx: RefreshContext = { signal: new AbortController().signal, priority: 0 };
  return {
    clock,
    exporter,
    scheduler: exporter.scheduler,
    runner,
    source: source!,
    metrics: exporter.metrics,
    log,
    secrets,
    registry,
    ctx,
    /** Waits for `p`, letting loopback I/O run and moving the fake clock when nothing else moves. */
    settle: <T>(p: Promise<T>, stepMs = 1_000) => settle(clock, p, stepMs),
    /** Scrapes every `scrapeMs` for `durationMs`, waiting for each scrape's refreshes. */
    runScrapes: (durationMs: number, scrapeMs = 15_000, onScrape?: (text: string) => void) =>
      runScrapes(clock, exporter.scheduler, durationMs, scrapeMs, onScrape),
    close: () => exporter.shutdown(),
  };
}

/** Lets loopback I/O progress: a number of event-loop turns, no timers. */
async function ioTurns(turns = 40): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Waits for `p`, giving I/O event-loop turns and, when nothing moves, advancing
 * the fake clock by at most `stepMs` towards its next timer (budget waits,
 * back-off sleeps and scrape deadlines run on it). With no timer pending it
 * waits in real time instead: a refresh busy with real work (a slow loopback
 * answer, a page built in time slices) must not see fake minutes pass meanwhile,
 * or back-offs end and keys fall due that the test never meant to.
 */
export async function settle<T>(clock: ManualClock, p: Promise<T>, stepMs = 1_000, maxSteps = 100_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; !done && i < maxSteps; i++) {
    for (let j = 0; j < 25 && !done; j++) await ioTurns(4);
    if (done) break;
    const next = clock.nextTimerAt();
    if (next === undefined) await new Promise((r) => setTimeout(r, 1));
    else await clock.advance(Math.min(stepMs, Math.max(0, next - clock.now())));
  }
  return p;
}

/**
 * Scrapes every `scrapeMs` for `durationMs` of fake time, waiting for each
 * scrape's refreshes. While they run, fake time moves by `stepMs` whenever I/O
 * seems idle: refreshes that take long in real time (large answers) need a
 * small step, or fake time races ahead of them.
 */
export async function runScrapes(
  clock: ManualClock,
  scheduler: Scheduler,
  durationMs: number,
  scrapeMs = 15_000,
  onScrape?: (text: string) => unknown,
  stepMs = 1_000,
): Promise<void> {
  const end = clock.now() + durationMs;
  while (clock.now() < end) {
    const started = clock.now();
    await settle(clock, Promise.all(scheduler.runners.map((r) => r.kick())), stepMs);
    await onScrape?.(scheduler.exposition().text);
    const next = started + scrapeMs;
    if (clock.now() < next) await clock.advance(next - clock.now());
  }
}

/**
 * Waits (real time, briefly) until `requests` has seen no new request and
 * none is open, while fake time stands still.
 */
export async function quiet(requests: readonly { status: number }[]): Promise<void> {
  let calm = 0;
  let seen = -1;
  for (let i = 0; i < 2_000 && calm < 3; i++) {
    await new Promise((r) => setTimeout(r, 2));
    await flushMicrotasks(5);
    const open = requests.filter((r) => r.status === 0).length;
    calm = open === 0 && requests.length === seen ? calm + 1 : 0;
    seen = requests.length;
  }
}
