// Exporter + SparkRTC simulator on loopback, both on one fake clock.
import { parseConfig } from '../../src/config.js';
import { Exporter } from '../../src/exporter.js';
import { ManualClock, flushMicrotasks } from '../../src/sim/manual-clock.js';
import { signRequest } from '../../src/sources/huawei-rtc/auth.js';
import { huaweiRtc } from '../../src/sources/huawei-rtc/index.js';
import { HuaweiRtcSimulator, type SimulatorOptions } from '../../src/sources/huawei-rtc/sim/simulator.js';
import type { SourceModule } from '../../src/source.js';
import { memoryLogger } from './fakes.js';

export const START = Date.UTC(2026, 10, 22, 12, 0, 0);

export async function huaweiSetup(
  opts: {
    sim?: SimulatorOptions;
    /** Overrides of the huawei_rtc block; a function gets the simulator's URL. */
    config?: Record<string, unknown> | ((url: string) => Record<string, unknown>);
    core?: Record<string, unknown>;
    simClockSkewMs?: number;
  } = {},
) {
  const clock = new ManualClock(START);
  const skew = opts.simClockSkewMs ?? 0;
  const simClock = skew === 0 ? clock : { now: () => clock.now() + skew, setTimeout: clock.setTimeout.bind(clock) };
  const sim = new HuaweiRtcSimulator({ clock: simClock, ...opts.sim });
  const upstream = await sim.listen();
  const raw = {
    refresh: { interval: '60s', max_scrape_wait: '10s', backoff_initial: '10s', backoff_max: '5m', ...opts.core },
    huawei_rtc: {
      endpoint: upstream.url,
      project_id: sim.projectId,
      auth: { aksk: { access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey } },
      apps: sim.world.appIds().map((app_id) => ({ app_id })),
      ...(typeof opts.config === 'function' ? opts.config(upstream.url) : opts.config),
    },
  };
  const modules = [huaweiRtc as SourceModule];
  let parsed;
  try {
    parsed = parseConfig(JSON.stringify(raw), { modules });
  } catch (err) {
    await upstream.close();
    throw err;
  }
  const { config, secrets } = parsed;
  const log = memoryLogger(secrets);
  const exporter = new Exporter({ config, modules, logger: log.logger, version: 'test', scrapeTimeoutOffsetMs: 500, clock, random: () => 0.5 });
  const runner = exporter.scheduler.runners[0]!;
  return {
    clock,
    sim,
    exporter,
    runner,
    log,
    url: upstream.url,
    /** A scrape: starts what is stale, lets real loopback I/O settle (fake time stands still), returns the page. */
    async scrape(): Promise<string> {
      void exporter.scheduler.collect(0);
      await settle(sim);
      return exporter.scheduler.exposition().text;
    },
    /** Moves the fake clock in steps, letting loopback I/O finish between steps. */
    async run(ms: number, step = 1_000, onStep?: () => void) {
      for (let t = 0; t < ms; t += step) {
        await clock.advance(step);
        onStep?.();
        await settle(sim);
      }
    },
    async close() {
      await exporter.shutdown();
      await upstream.close();
    },
  };
}

/** Waits (real time, briefly) until the simulator has seen no new request and none is open. */
export async function settle(sim: HuaweiRtcSimulator): Promise<void> {
  let quiet = 0;
  let seen = -1;
  for (let i = 0; i < 2_000 && quiet < 3; i++) {
    await new Promise((r) => setTimeout(r, 2));
    await flushMicrotasks(5);
    const open = sim.requests.filter((r) => r.status === 0).length;
    quiet = open === 0 && sim.requests.length === seen ? quiet + 1 : 0;
    seen = sim.requests.length;
  }
}

/** A signed GET straight to the simulator, for tests of the simulator itself. */
export function signedGet(sim: HuaweiRtcSimulator, base: string, path: string, query: string, nowMs: number, secretKey = sim.credentials.secretKey) {
  const url = new URL(`${base}/v1/${sim.projectId}/rtc/${path}?${query}`);
  const headers = signRequest({ method: 'GET', url, headers: { Host: url.host, 'X-Project-Id': sim.projectId } }, sim.credentials.accessKey, secretKey, nowMs);
  return { url, headers };
}
