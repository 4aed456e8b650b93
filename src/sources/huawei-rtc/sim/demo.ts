// --demo: the simulator on loopback with two apps whose rooms open and close,
// a recurring quality spike, and a source config pointing at it.
import { systemClock, type Clock } from '../../../clock.js';
import type { DemoUpstream } from '../../../source.js';
import { HuaweiRtcSimulator } from './simulator.js';

const DEMO_REQUESTS_PER_MINUTE = 120;

export async function startDemo(clock: Clock = systemClock): Promise<DemoUpstream> {
  // The first user of each app's first room (open since 2 minutes before start) turns bad
  // 20 s after start, for 6 of every 15 minutes, so the jitter alerts can be seen firing
  // against a baseline. Data lags 30 s (the real API: up to 5 minutes).
  const now = clock.now();
  const spikes = { fromMs: now + 20_000, everyMs: 15 * 60_000, forMs: 6 * 60_000 };
  // Joins fail for a third of attempts 5 of every 30 minutes, so the app-level join alert has something to show.
  const joinFailures = { fromMs: now + 10 * 60_000, everyMs: 30 * 60_000, forMs: 5 * 60_000, ratio: 0.35 };
  const sim = new HuaweiRtcSimulator({
    clock,
    world: { apps: 2, roomsPerApp: 4, maxUsers: 4, spikes, joinFailures, cycleMs: 20 * 60_000, openMs: 15 * 60_000, firstRoomOpensAt: now - 120_000 },
    dataLagMs: 30_000,
    // The demo account allows 120 requests a minute (Huawei's: 30), so that every family, the
    // 36 app-level figures of its two apps included, shows at the first scrape.
    rateLimitPerMinute: DEMO_REQUESTS_PER_MINUTE,
  });
  const { url, close } = await sim.listen();
  return {
    config: {
      endpoint: url,
      project_id: sim.projectId,
      auth: { aksk: { access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey } },
      apps: sim.world.appIds().map((app_id) => ({ app_id })),
      lookback: '5m',
      // One page per room.
      page_size: 500,
      budget: { requests: DEMO_REQUESTS_PER_MINUTE, window: '1m' },
      discovery_interval: '1m',
      refresh_interval: '15s',
    },
    close,
  };
}
