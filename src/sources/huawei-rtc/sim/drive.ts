// The huawei_rtc source against its simulator, both on one fake clock.
import type { Shard } from '../../../shard.js';
import { ManualClock } from '../../../sim/manual-clock.js';
import { signRequest } from '../auth.js';
import { huaweiRtc } from '../index.js';
import { HuaweiRtcSimulator, type SimulatorOptions } from './simulator.js';
import { quiet, sourceHarness } from '../../../sim/drive.js';

export const START = Date.UTC(2026, 10, 22, 12, 0, 0);

/** Config for tests about rooms alone: no app-level figures or event polls taking requests (and injected faults). */
export const ROOMS_ONLY = { app_quality: { enabled: false }, abnormal_events: { enabled: false } } as const;

export async function huaweiSetup(
  opts: {
    sim?: SimulatorOptions;
    /** Overrides of the huawei_rtc block; a function gets the simulator's URL. */
    config?: Record<string, unknown> | ((url: string) => Record<string, unknown>);
    core?: Record<string, unknown>;
    simClockSkewMs?: number;
    shard?: Shard;
    /** Fake time at the start (default START). */
    start?: number;
  } = {},
) {
  const clock = new ManualClock(opts.start ?? START);
  const skew = opts.simClockSkewMs ?? 0;
  const simClock = skew === 0 ? clock : { now: () => clock.now() + skew, setTimeout: clock.setTimeout.bind(clock) };
  const sim = new HuaweiRtcSimulator({ clock: simClock, ...opts.sim });
  const upstream = await sim.listen();
  let h;
  try {
    h = sourceHarness({
      definition: huaweiRtc,
      clock,
      core: opts.core ?? {},
      ...(opts.shard ? { shard: opts.shard } : {}),
      config: {
        endpoint: upstream.url,
        project_id: sim.projectId,
        auth: { aksk: { access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey } },
        apps: sim.world.appIds().map((app_id) => ({ app_id })),
        ...(typeof opts.config === 'function' ? opts.config(upstream.url) : opts.config),
      },
    });
  } catch (err) {
    await upstream.close();
    throw err;
  }
  const { exporter } = h;
  return {
    ...h,
    sim,
    url: upstream.url,
    /** A scrape: starts what is stale, lets real loopback I/O settle (fake time stands still), returns the page. */
    async scrape(): Promise<string> {
      void exporter.scheduler.collect(0);
      await quiet(sim.requests);
      return exporter.scheduler.exposition().text;
    },
    /** Moves the fake clock in steps, letting loopback I/O finish between steps. */
    async run(ms: number, step = 1_000, onStep?: () => void) {
      for (let t = 0; t < ms; t += step) {
        await clock.advance(step);
        onStep?.();
        await quiet(sim.requests);
      }
    },
    async close() {
      await exporter.shutdown();
      await upstream.close();
    },
  };
}

/** A signed GET straight to the simulator, for tests of the simulator itself. */
export function signedGet(sim: HuaweiRtcSimulator, base: string, path: string, query: string, nowMs: number, secretKey = sim.credentials.secretKey) {
  const url = new URL(`${base}/v1/${sim.projectId}/rtc/${path}?${query}`);
  const headers = signRequest({ method: 'GET', url, headers: { Host: url.host, 'X-Project-Id': sim.projectId } }, sim.credentials.accessKey, secretKey, nowMs);
  return { url, headers };
}
