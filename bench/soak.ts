// npm run bench: simulated hours of SparkRTC rooms opening and closing (new
// room ids every cycle), scraped every 30 s, to show that memory stays flat
// while keys churn. Fake time; real loopback HTTP to the simulator.
// `node --expose-gc dist/bench/soak.js [hours]`: 2 by default (three room
// cycles, ~1 min); 24 for the day of the README (~10 min).
import { huaweiSetup } from '../src/sources/huawei-rtc/sim/drive.js';

const HOURS = Number(process.argv[2] ?? 2);
/** The heap is shown this many times after the start (every 4 hours of a day). */
const SAMPLES = 6;

async function main() {
  const h = await huaweiSetup({
    sim: { world: { seed: 4, apps: 2, roomsPerApp: 25, maxUsers: 3, cycleMs: 40 * 60_000, openMs: 30 * 60_000 }, rateLimitPerMinute: 600 },
    config: { discovery_interval: '1m', budget: { requests: 600 } },
  });
  const heap = () => {
    global.gc?.();
    return process.memoryUsage().heapUsed / 1e6;
  };
  const everyMin = (HOURS * 60) / SAMPLES;
  // The simulator's request log, its memos and the test logger's lines live in this process too:
  // dropped at least every hour, and before each measure, so that what is measured is the exporter.
  const chunks = Math.ceil(everyMin / 60);
  try {
    const samples: string[] = [];
    let requests = 0;
    for (let i = 0; i <= SAMPLES; i++) {
      for (let c = 0; i > 0 && c < chunks; c++) {
        await h.run((everyMin / chunks) * 60_000, 30_000, () => void h.exporter.scheduler.collect(10_000), 'turns');
        requests += h.sim.requests.length;
        h.sim.requests.length = 0;
        h.sim.forgetMemos();
        h.log.lines.length = 0;
      }
      samples.push(`${at(i * everyMin)}: ${heap().toFixed(1)} MB heap, ${h.runner.status().keys} rooms, ${requests} requests so far`);
    }
    console.log(`soak, 50 rooms churning (new room ids every 40 min), ${HOURS} simulated hours:`);
    for (const s of samples) console.log(`  ${s}`);
  } finally {
    await h.close();
  }
}

/** 240 → "4h", 20 → "0h20m". */
function at(minutes: number): string {
  const m = Math.round(minutes % 60);
  return `${Math.floor(minutes / 60)}h${m ? `${String(m).padStart(2, '0')}m` : ''}`;
}

void main();
