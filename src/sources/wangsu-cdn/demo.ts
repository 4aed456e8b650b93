// --demo: the simulator on loopback with a few domains, live streams and a
// recurring bandwidth spike, and a source config pointing at it.
import { systemClock } from '../../clock.js';
import type { DemoUpstream } from '../../source.js';
import { WangsuSimulator } from './simulator.js';
import type { SimDomain } from './simulator-data.js';

const DEMO_USER = 'demo-user';
const DEMO_API_KEY = 'demo-api-key-not-secret';

export function demoDomains(): SimDomain[] {
  const live = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `live/${prefix}-${String(i + 1).padStart(2, '0')}`);
  return [
    { domain: 'live.demo.example', streams: live('channel', 12) },
    { domain: 'pull.demo.example', streams: live('match', 6) },
  ];
}

export async function startWangsuDemo(): Promise<DemoUpstream> {
  const clock = systemClock;
  const sim = new WangsuSimulator({ clock, model: { seed: 42, domains: demoDomains() }, credentials: { apiKeys: { [DEMO_USER]: DEMO_API_KEY } } });
  // A 10-minute spike every hour on one stream, so bandwidth alerts can be seen firing.
  const hour = 3_600_000;
  const start = Math.floor(clock.now() / hour) * hour - 2 * hour;
  for (let t = start; t < start + 48 * hour; t += hour) {
    sim.model.addSpike({ domain: 'live.demo.example', stream: 'live/channel-01', factor: 6, fromMs: t + 20 * 60_000, toMs: t + 30 * 60_000 });
  }
  const server = await sim.listen();
  return {
    config: {
      endpoint: server.url,
      auth: { mode: 'api_key', username: DEMO_USER, api_key: DEMO_API_KEY },
      domains: demoDomains().map((d) => ({ domain: d.domain })),
    },
    close: server.close,
  };
}
