// npm run bench: upstream requests per minute and the worst room data age for
// 10, 100 and 1000 SparkRTC rooms under the default 30 requests/minute budget,
// scraped every 15 s, in simulated time against the simulator on loopback.
import { huaweiSetup } from '../src/sources/huawei-rtc/sim/drive.js';

async function measure(rooms: number, minutes: number): Promise<void> {
  const h = await huaweiSetup({
    sim: { world: { seed: 1, apps: 1, roomsPerApp: rooms, maxUsers: 2, cycleMs: 7 * 86_400_000, openMs: 7 * 86_400_000 - 1 }, rateLimitPerMinute: 30 },
    config: { discovery_interval: '2m' },
  });
  try {
    let warmAt: number | undefined;
    let worstAge = 0;
    const start = h.clock.now();
    await h.run(minutes * 60_000, 5_000, () => {
      const now = h.clock.now();
      if ((now - start) % 15_000 === 0) void h.exporter.scheduler.collect(10_000);
      const st = h.runner.status();
      if (warmAt === undefined && st.keys === rooms && st.withData === rooms) warmAt = now;
      if (warmAt !== undefined) worstAge = Math.max(worstAge, st.dataAgeSeconds ?? 0);
    });
    const span = (h.clock.now() - start) / 60_000;
    const qos = h.sim.requests.filter((r) => r.path.endsWith('/qos/details')).length;
    const listing = h.sim.requests.filter((r) => r.path.endsWith('/rooms')).length;
    const throttled = h.sim.requests.filter((r) => r.status === 429).length;
    console.log(
      `${String(rooms).padStart(5)} rooms: ${((qos + listing) / span).toFixed(1)} req/min (qos ${qos}, rooms ${listing}, 429s ${throttled}) over ${span} min; ` +
        `all rooms first seen after ${warmAt === undefined ? 'never' : `${((warmAt - start) / 60_000).toFixed(1)} min`}; ` +
        `worst room data age after that ${(worstAge / 60).toFixed(1)} min`,
    );
  } finally {
    await h.close();
  }
}

async function main() {
  console.log('huawei_rtc rooms vs budget (30 req/min, refresh_interval 60s, scrape every 15s, discovery every 2m):');
  await measure(10, 20);
  await measure(100, 30);
  await measure(1000, 120);
}

void main();
