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
    /**
     * Moves the fake clock in steps, letting loopback I/O finish between steps:
     * by quiet()'s 2 ms sleeps, or (`turns`, for the benches) by event-loop turns.
     */
    async run(ms: number, step = 1_000, onStep?: () => void, settle: 'quiet' | 'turns' = 'quiet') {
      for (let t = 0; t < ms; t += step) {
        await clock.advance(step);
        onStep?.();
        await (settle === 'turns' ? quietTurns(sim.requests) : quiet(sim.requests));
      }
    },
    async close() {
      await exporter.shutdown();
      await upstream.close();
    },
  };
}

/**
 * quiet() by event-loop turns: waits until the simulator has no request open
 * and has seen no new one for `calmTurns` turns. Each turn polls for I/O, and
 * loopback data is readable as soon as it is written, so a turn is as good a
 * check as quiet()'s 2 ms sleeps (3 at least per step): the benches step
 * thousands of times, and those sleeps were most of their real time.
 */
export async function quietTurns(requests: readonly { status: number }[], calmTurns = 20, maxTurns = 1_000_000): Promise<void> {
  let calm = 0;
  let seen = requests.length;
  // Requests before this one are answered (the log only grows, or is trimmed from its start).
  let answered = 0;
  for (let i = 0; i < maxTurns && calm < calmTurns; i++) {
    await new Promise<void>((r) => setImmediate(r));
    if (requests.length < seen) answered = 0;
    while (answered < requests.length && requests[answered]!.status !== 0) answered++;
    const open = requests.slice(answered).some((r) => r.status === 0);
    calm = !open && requests.length === seen ? calm + 1 : 0;
    seen = requests.length;
  }
}

/** A signed GET straight to the simulator, for tests of the simulator itself. */
export function signedGet(sim: HuaweiRtcSimulator, base: string, path: string, query: string, nowMs: number, secretKey = sim.credentials.secretKey) {
  const url = new URL(`${base}/v1/${sim.projectId}/rtc/${path}?${query}`);
  const headers = signRequest({ method: 'GET', url, headers: { Host: url.host, 'X-Project-Id': sim.projectId } }, sim.credentials.accessKey, secretKey, nowMs);
  return { url, headers };
}
