// --demo: the simulator on loopback with a few domains, live streams and a
// recurring bandwidth spike, and a source config pointing at it.
import { systemClock, type Clock } from '../../../clock.js';
import type { DemoUpstream } from '../../../source.js';
import { WangsuSimulator } from './simulator.js';
import type { SimDomain } from './traffic.js';

const DEMO_USER = 'demo-user';
const DEMO_API_KEY = 'demo-api-key-not-secret';
/** The source's default fresh_delay: the bandwidth gauges read slices this old. */
const DEMO_FRESH_DELAY_MS = 5 * 60_000;

function demoDomains(): SimDomain[] {
  const live = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `live/${prefix}-${String(i + 1).padStart(2, '0')}`);
  return [
    { domain: 'live.demo.example', streams: live('channel', 12) },
    { domain: 'pull.demo.example', streams: live('match', 6) },
  ];
}

export async function startDemo(clock: Clock = systemClock): Promise<DemoUpstream> {
  const sim = new WangsuSimulator({ clock, model: { seed: 42, domains: demoDomains() }, credentials: { apiKeys: { [DEMO_USER]: DEMO_API_KEY } } });
  // One stream's bandwidth jumps 50-fold (above the alert's floor at any hour) for 8 of every
  // 30 minutes, first in the fresh slices the exporter reads about a minute after start (it
  // reads bandwidth DEMO_FRESH_DELAY old), so the bandwidth-spike alert fires against a baseline.
  const first = clock.now() - DEMO_FRESH_DELAY_MS + 60_000;
  for (let t = first; t < first + 48 * 3_600_000; t += 30 * 60_000) {
    sim.model.addSpike({ domain: 'live.demo.example', stream: 'live/channel-01', factor: 50, fromMs: t, toMs: t + 8 * 60_000 });
  }
  const server = await sim.listen();
  return {
    config: {
      endpoint: server.url,
      auth: { mode: 'api_key', username: DEMO_USER, api_key: DEMO_API_KEY },
      domains: demoDomains().map((d) => ({ domain: d.domain })),
      refresh_interval: '15s',
    },
    close: () => server.close(),
  };
}
