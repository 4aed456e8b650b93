// npm run bench: memory of the Wangsu traffic ledger when 10,000 new streams
// appear every minute for an hour, capped at the default max_series (500,000
// series, 6 per stream: 83,333 streams) and uncapped, side by side.
import { TrafficLedger } from '../src/sources/wangsu-cdn/ledger.js';

const MIN = 60_000;
const NEW_PER_MINUTE = 10_000;
const MINUTES = 60;
const T0 = Date.UTC(2026, 10, 22, 12, 0);

function run(maxStreams: number): { streams: number; evicted: number; heapMb: number; rssMb: number; ms: number } {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  let evicted = 0;
  const ledger = new TrafficLedger(T0, { maxStreams, onEvict: (n) => (evicted += n) });
  const started = performance.now();
  for (let m = 1; m <= MINUTES; m++) {
    const endMs = T0 + m * MIN;
    const flow = Array.from({ length: NEW_PER_MINUTE }, (_, i) => ({
      domain: 'churn.example',
      stream: `live/m${m}-s${i}`,
      points: [{ endMs, hundredths: 100 + i, online: undefined }],
    }));
    ledger.applySettled({ key: 'k', toMs: endMs, watermarkMs: endMs - MIN, flow });
    ledger.applyFresh({ key: 'k', toMs: endMs, bandwidth: flow });
    // What the source does at each key listing: forget streams idle for longer than retention (25 min).
    ledger.prune(endMs, 25 * MIN);
  }
  const ms = performance.now() - started;
  global.gc?.();
  const mem = process.memoryUsage();
  // Read after measuring, so the ledger is still alive when the heap is measured.
  const streams = ledger.visible('k', T0 + MINUTES * MIN, Infinity).length;
  return { streams, evicted, heapMb: (mem.heapUsed - before) / 1e6, rssMb: mem.rss / 1e6, ms };
}

function show(label: string, r: ReturnType<typeof run>): void {
  console.log(
    `  ${label}: ${r.streams} streams kept, ${r.evicted} evicted, +${r.heapMb.toFixed(1)} MB heap, rss ${r.rssMb.toFixed(0)} MB, ${r.ms.toFixed(0)} ms`,
  );
}

console.log(`wangsu ledger under churn: ${NEW_PER_MINUTE} new streams a minute for ${MINUTES} minutes`);
show('capped at 83,333 streams (default max_series)', run(Math.floor(500_000 / 6)));
show('uncapped (before)', run(Infinity));
