// --demo: the simulator on loopback with two apps whose rooms open and close,
// a recurring quality spike, and a source config pointing at it.
import { systemClock, type Clock } from '../../../clock.js';
import type { DemoUpstream } from '../../../source.js';
import { HuaweiRtcSimulator } from './simulator.js';

export async function startDemo(clock: Clock = systemClock): Promise<DemoUpstream> {
  // The first user of each app's first room (open since 2 minutes before start) turns bad
  // 20 s after start, for 6 of every 15 minutes, so the jitter alerts can be seen firing
  // against a baseline. Data lags 30 s (the real API: up to 5 minutes).
  const now = clock.now();
  const spikes = { fromMs: now + 20_000, everyMs: 15 * 60_000, forMs: 6 * 60_000 };
  const sim = new HuaweiRtcSimulator({
    clock,
    world: { apps: 2, roomsPerApp: 4, maxUsers: 4, spikes, cycleMs: 20 * 60_000, openMs: 15 * 60_000, firstRoomOpensAt: now - 120_000 },
    dataLagMs: 30_000,
  });
  const { url, close } = await sim.listen();
  return {
    config: {
      endpoint: url,
      project_id: sim.projectId,
      auth: { aksk: { access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey } },
      apps: sim.world.appIds().map((app_id) => ({ app_id })),
      lookback: '5m',
      // One page per room: the demo's rooms stay well inside the 30 requests a minute.
      page_size: 500,
      discovery_interval: '1m',
      refresh_interval: '15s',
    },
    close,
  };
}
