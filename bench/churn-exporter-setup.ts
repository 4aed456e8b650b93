// What bench/churn-exporter.ts and its simulator child agree on: the churning
// domain, when churn starts, and the simulator's limits.
import type { Clock } from '../src/clock.js';
import { API_KEY, API_USER } from '../src/sources/wangsu-cdn/sim/drive.js';
import { WangsuSimulator } from '../src/sources/wangsu-cdn/sim/simulator.js';

export const MIN = 60_000;
/** The parent's fake time, sent with every request: the child's simulator clock follows it. */
export const SIM_NOW_HEADER = 'x-bench-fake-now';

export type ParentMessage = { type: 'memory' };
export type ChildMessage = { type: 'ready'; url: string } | { type: 'memory'; rssMb: number; heapMb: number };
export const DOMAIN = 'churn.example';
export const NEW_PER_MINUTE = 10_000;
export const LIFETIME_MINUTES = 5;
/** Streams of the domain before churn starts (and throughout): the warm-up's handful. */
export const STEADY_STREAMS = ['live/a', 'live/b', 'live/c', 'live/d', 'live/e'];
export const WARM_UP_MINUTES = 30;

/**
 * Wangsu's request limits (300 / 5 min an account, 30 an interface) would make
 * the budget the thing measured: raised here and in the exporter's `budget:`.
 * The in-flight limit (10) and every data limit (2000 streams per domain per
 * request, 10-minute windows) are Wangsu's.
 */
export const RAISED_REQUESTS = 1_000_000;

export function startSimWith(clock: Clock, t0: number): WangsuSimulator {
  return new WangsuSimulator({
    clock,
    credentials: { apiKeys: { [API_USER]: API_KEY } },
    model: {
      seed: 7,
      liveRatio: 1,
      domains: [
        {
          domain: DOMAIN,
          streams: STEADY_STREAMS,
          churn: { perMinute: NEW_PER_MINUTE, lifetimeMinutes: LIFETIME_MINUTES, startMs: t0 + WARM_UP_MINUTES * MIN },
        },
      ],
    },
    rate: { accountRequests: RAISED_REQUESTS, interfaceRequests: RAISED_REQUESTS },
  });
}
