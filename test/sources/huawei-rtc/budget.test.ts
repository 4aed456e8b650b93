import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { huaweiSetup } from '../../../src/sources/huawei-rtc/sim/drive.js';

/** Most requests in any 60-second window. */
function peakPerMinute(times: number[]): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 60_000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('huawei_rtc budget', () => {
  it('never exceeds 30 requests/minute with 100 rooms and 3 concurrent scrapers over 10 minutes, stalest rooms first', async () => {
    const h = await huaweiSetup({
      sim: { world: { seed: 2, apps: 1, roomsPerApp: 100, maxUsers: 2, cycleMs: 86_400_000, openMs: 86_000_000 }, rateLimitPerMinute: 30 },
      config: { discovery_interval: '5m' },
    });
    try {
      const refreshedAt = new Map<string, number[]>();
      // 3 scrapers, each every 15 s, out of phase (one scrape every 5 s), plus bursts where all 3 coincide.
      let tick = 0;
      await h.run(10 * 60_000, 5_000, () => {
        const burst = tick++ % 6 === 0 ? 3 : 1;
        for (let i = 0; i < burst; i++) void h.exporter.scheduler.collect(10_000);
      });
      for (const r of h.sim.requests) {
        if (!r.path.endsWith('/qos/details')) continue;
        const room = String(r.query.room_id);
        refreshedAt.set(room, [...(refreshedAt.get(room) ?? []), r.at]);
      }
      const times = h.sim.requests.map((r) => r.at);
      assert.ok(peakPerMinute(times) <= 30, `peak ${peakPerMinute(times)} requests in a minute`);
      assert.equal(h.sim.requests.filter((r) => r.status === 429).length, 0, 'the gateway had to throttle');
      assert.ok(h.sim.requests.length >= 280, `budget unused: ${h.sim.requests.length} requests in 10 minutes`);
      // Stalest first: every room was refreshed, and no room twice before all had their turn.
      assert.equal(refreshedAt.size, 100);
      const firstRound = Math.max(...[...refreshedAt.values()].map((t) => t[0]!));
      const seconds = [...refreshedAt.values()].map((t) => t[1]).filter((t): t is number => t !== undefined);
      assert.ok(
        seconds.every((t) => t >= firstRound),
        'a room was refreshed twice before another once',
      );
    } finally {
      await h.close();
    }
  });
});
