// npm run bench: a simulated day of SparkRTC rooms opening and closing (new
// room ids every cycle), scraped every 30 s, to show that memory stays flat
// while keys churn. Fake time; real loopback HTTP to the simulator.
import { huaweiSetup } from '../src/sources/huawei-rtc/sim/drive.js';

async function main() {
  const h = await huaweiSetup({
    sim: { world: { seed: 4, apps: 2, roomsPerApp: 25, maxUsers: 3, cycleMs: 40 * 60_000, openMs: 30 * 60_000 }, rateLimitPerMinute: 600 },
    config: { discovery_interval: '1m', budget: { requests: 600 } },
  });
  const heap = () => {
    global.gc?.();
    return process.memoryUsage().heapUsed / 1e6;
  };
  try {
    const samples: string[] = [];
    let requests = 0;
    for (let hour = 0; hour <= 24; hour++) {
      if (hour > 0) await h.run(3_600_000, 30_000, () => void h.exporter.scheduler.collect(10_000));
      requests += h.sim.requests.length;
      // The simulator's request log and the test logger's lines live in this process too: drop them, measure the exporter.
      h.sim.requests.length = 0;
      h.log.lines.length = 0;
      if (hour % 4 === 0) samples.push(`${hour}h: ${heap().toFixed(1)} MB heap, ${h.runner.status().keys} rooms, ${requests} requests so far`);
    }
    console.log('soak, 50 rooms churning (new room ids every 40 min), 24 simulated hours:');
    for (const s of samples) console.log(`  ${s}`);
  } finally {
    await h.close();
  }
}

void main();
