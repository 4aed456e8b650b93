// Wiring for the Wangsu tests: the simulator on loopback, a source built as
// the exporter builds it, and a driver that moves a ManualClock while real
// loopback I/O settles (no real-time sleeps: it waits for event-loop turns).
import { Agent } from 'undici';
import { UpstreamApi } from '../../src/http.js';
import { Scheduler, SourceRunner } from '../../src/scheduler.js';
import { SelfMetrics } from '../../src/self-metrics.js';
import { SINGLE_SHARD } from '../../src/shard.js';
import type { ManualClock } from '../../src/sim/manual-clock.js';
import type { SourceDeps } from '../../src/source.js';
import { wangsuConfigSchema } from '../../src/sources/wangsu-cdn/config.js';
import { WangsuSource, type WangsuSourceOptions } from '../../src/sources/wangsu-cdn/index.js';
import { WangsuSimulator, type SimulatorOptions } from '../../src/sources/wangsu-cdn/sim/simulator.js';
import { memoryLogger } from './fakes.js';

export const API_USER = 'user-example';
export const API_KEY = 'apikey-example-secret';
export const ACCESS_KEY = 'ak-example';
export const SECRET_KEY = 'sk-example-secret';
export const CREDENTIALS = { apiKeys: { [API_USER]: API_KEY }, akSk: { [ACCESS_KEY]: SECRET_KEY } };

export const apiKeyAuth = { mode: 'api_key', username: API_USER, api_key: API_KEY };
export const akskAuth = { mode: 'aksk', access_key: ACCESS_KEY, secret_key: SECRET_KEY };

export async function startSim(opts: Omit<SimulatorOptions, 'credentials'> & { credentials?: SimulatorOptions['credentials'] }) {
  const sim = new WangsuSimulator({ credentials: CREDENTIALS, ...opts });
  const server = await sim.listen();
  return { sim, url: server.url, close: server.close };
}

/** Source deps as the exporter builds them, with a fresh agent and metrics. */
export function sourceDeps(clock: ManualClock, defaultRefreshIntervalMs = 60_000) {
  const metrics = new SelfMetrics('test');
  const log = memoryLogger([API_KEY, SECRET_KEY]);
  const dispatcher = new Agent({ keepAliveTimeout: 1_000 });
  const deps: SourceDeps = {
    clock,
    logger: log.logger,
    defaultRefreshIntervalMs,
    shard: SINGLE_SHARD,
    upstream: (apiOpts) => new UpstreamApi({ ...apiOpts, source: 'wangsu_cdn' }, { dispatcher, clock, metrics, logger: log.logger }),
  };
  return { deps, metrics, log, close: () => dispatcher.close() };
}

export function buildSource(raw: Record<string, unknown>, clock: ManualClock, opts: WangsuSourceOptions & { defaultRefreshIntervalMs?: number } = {}) {
  const config = wangsuConfigSchema.parse(raw);
  const wiring = sourceDeps(clock, opts.defaultRefreshIntervalMs);
  const source = new WangsuSource(config, wiring.deps, { random: opts.random ?? (() => 0) });
  return { source, config, ...wiring };
}

/** A runner and scheduler around a source, jitter pinned. */
export function runnerFor(source: WangsuSource, deps: ReturnType<typeof sourceDeps>) {
  const runner = new SourceRunner(source, {
    clock: deps.deps.clock,
    logger: deps.log.logger,
    metrics: deps.metrics,
    backoff: { initialMs: 10_000, maxMs: 300_000 },
    signal: new AbortController().signal,
    random: () => 0.5,
  });
  return { runner, scheduler: new Scheduler([runner], deps.deps.clock) };
}

/** Lets loopback I/O progress: a number of event-loop turns, no timers. */
export async function ioTurns(turns = 40): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Waits for `p`, giving I/O event-loop turns and, when nothing moves, advancing
 * the fake clock by `stepMs` (budget waits and back-offs run on it).
 */
export async function settle<T>(clock: ManualClock, p: Promise<T>, stepMs = 1_000, maxSteps = 100_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; !done && i < maxSteps; i++) {
    for (let j = 0; j < 25 && !done; j++) await ioTurns(4);
    if (!done) await clock.advance(stepMs);
  }
  return p;
}

/** Scrapes every `scrapeMs` for `durationMs` of fake time, waiting for each scrape's refreshes. */
export async function runScrapes(clock: ManualClock, scheduler: Scheduler, durationMs: number, scrapeMs = 15_000, onScrape?: (text: string) => void): Promise<void> {
  const end = clock.now() + durationMs;
  while (clock.now() < end) {
    const started = clock.now();
    await settle(clock, Promise.all(scheduler.runners.map((r) => r.kick())));
    onScrape?.(scheduler.exposition().text);
    const next = started + scrapeMs;
    if (clock.now() < next) await clock.advance(next - clock.now());
  }
}

/** Values of one family from exposition text, by `domain/stream`. */
export function familyValues(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}\\{domain="([^"]*)",stream="([^"]*)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) out.set(`${m[1]}/${m[2]}`, Number(m[3]));
  return out;
}

/**
 * What Prometheus's increase() adds up over scrapes of a counter family, per
 * series (identified by its labels, across gaps): rises, plus the whole value
 * after a reset. A series never seen before counts from 0 (as with created
 * timestamps); without them Prometheus would miss a new series' first value.
 */
export class IncreaseTracker {
  readonly total = new Map<string, number>();
  private readonly last = new Map<string, number>();

  constructor(private readonly family: string) {}

  observe(text: string): void {
    const now = familyValues(text, this.family);
    for (const [id, v] of now) {
      const prev = this.last.get(id);
      const inc = prev === undefined || v < prev ? v : v - prev;
      this.total.set(id, (this.total.get(id) ?? 0) + inc);
    }
    for (const [id, v] of now) this.last.set(id, v);
  }
}
