// npm run bench: RSS of the whole exporter (wangsu_cdn source, scheduler,
// exposition, HTTP client) while 10,000 new Wangsu streams start every minute,
// at the default max_series. The exporter runs in this process on a fake clock,
// as in the tests (sourceHarness, runScrapes), over loopback HTTP.
//
// The simulator runs in a child process (churn-exporter-sim.ts), so this
// process's RSS is the exporter's (plus the harness: a fake clock and a logger
// whose lines are dropped after every scrape); the child's RSS is printed
// beside it. The child's clock is this process's fake clock: a dispatcher
// interceptor stamps every request with the fake time, which the child's clock
// moves to before the simulator reads it.
//
// The domain is configured without streams, as a user with a churning domain
// would: the whole-domain query is refused (more than 2000 streams), the source
// lists the streams (streamList, 1 h lookback) and splits them into batches of
// 2000. Everything is default but the request budget, raised here and in the
// simulator so that the measure is memory, not Wangsu's 300 requests / 5 min.
// The reference is the same process after a warm-up with the handful of steady
// streams of the domain, before churn starts.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, type Dispatcher } from 'undici';
import { runScrapes, sourceHarness } from '../src/sim/drive.js';
import { ManualClock } from '../src/sim/manual-clock.js';
import { wangsuCdn } from '../src/sources/wangsu-cdn/index.js';
import { apiKeyAuth } from '../src/sources/wangsu-cdn/sim/drive.js';
import type { WangsuSource } from '../src/sources/wangsu-cdn/source.js';
import {
  DOMAIN,
  LIFETIME_MINUTES,
  MIN,
  NEW_PER_MINUTE,
  RAISED_REQUESTS,
  SIM_NOW_HEADER,
  STEADY_STREAMS,
  WARM_UP_MINUTES,
  type ChildMessage,
} from './churn-exporter-setup.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0);
const SCRAPE_MS = 30_000;
const REPORT_EVERY_MINUTES = 5;
/**
 * `churn-exporter.js 60` (the long form, ~20 min of real time): at least 60
 * churn minutes, then on, 15 minutes at a time up to twice that, while gc'd
 * RSS still grows; the batches only stop growing after the streamList
 * lookback (1 h), and the peak RSS came at 55–60 minutes. Without an
 * argument, the first SHORT_MINUTES only (npm run bench): eviction under the
 * max_series cap has begun by then, but not every batch exists yet.
 */
const LONG_FORM = process.argv[2] !== undefined;
const SHORT_MINUTES = 20;
const CHURN_MINUTES = LONG_FORM ? Number(process.argv[2]) : SHORT_MINUTES;
/** Run on, 15 minutes at a time up to this, while gc'd RSS still grows. */
const MAX_CHURN_MINUTES = 2 * CHURN_MINUTES;
const LIMIT_MB = 400;
/**
 * Fake time moves by this when loopback I/O seems idle during a scrape's
 * refreshes (nothing here waits on the fake clock: budgets are raised, no
 * faults); at the harness's default 1 s, fake time raced ahead of the
 * refreshes of 300 batches and the bench measured hours, not minutes.
 */
const STEP_MS = 1;

function startChild(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(new URL('./churn-exporter-sim.js', import.meta.url), [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, CHURN_T0: String(T0) },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator child exited with ${code}`)));
    child.once('message', (m: ChildMessage) => m.type === 'ready' && resolve({ child, url: m.url }));
  });
}

function childMemory(child: ChildProcess): Promise<{ rssMb: number; heapMb: number }> {
  return new Promise((resolve) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== 'memory') return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send({ type: 'memory' });
  });
}

/** Every request carries the fake time, for the child's simulator clock. */
function stampingDispatcher(clock: ManualClock): { dispatcher: Dispatcher; close: () => Promise<void> } {
  const agent = new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 30_000 });
  const dispatcher = agent.compose(
    (dispatch) => (opts, handler) =>
      dispatch({ ...opts, headers: { ...(opts.headers as Record<string, string>), [SIM_NOW_HEADER]: String(clock.now()) } }, handler),
  );
  return { dispatcher, close: () => agent.close() };
}

interface Memory {
  rssMb: number;
  heapTotalMb: number;
  heapMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

function memory(gc: boolean): Memory {
  if (gc) global.gc?.();
  const m = process.memoryUsage();
  return { rssMb: m.rss / 1e6, heapTotalMb: m.heapTotal / 1e6, heapMb: m.heapUsed / 1e6, externalMb: m.external / 1e6, arrayBuffersMb: m.arrayBuffers / 1e6 };
}

const mb = (n: number) => `${n.toFixed(0)} MB`;
/** rss, and where it is: the JS heap (used of total), external memory (of it array buffers). */
const breakdown = (m: Memory) =>
  `rss ${mb(m.rssMb).padStart(6)} = heap ${mb(m.heapMb)} of ${mb(m.heapTotalMb)}, external ${mb(m.externalMb)} (buffers ${mb(m.arrayBuffersMb)}), other ${mb(m.rssMb - m.heapTotalMb - m.externalMb)}`;

async function main(): Promise<void> {
  if (!global.gc) throw new Error('run with node --expose-gc');
  const started = performance.now();
  const { child, url } = await startChild();
  const clock = new ManualClock(T0);
  const stamping = stampingDispatcher(clock);
  const h = sourceHarness<WangsuSource>({
    definition: wangsuCdn,
    clock,
    config: { endpoint: url, auth: apiKeyAuth, domains: [{ domain: DOMAIN }], budget: { requests: RAISED_REQUESTS, api_requests: RAISED_REQUESTS } },
    dispatcher: stamping.dispatcher,
  });
  const scrapes = (durationMs: number) => runScrapes(clock, h.scheduler, durationMs, SCRAPE_MS, onScrape, STEP_MS);
  let peak: Memory | undefined;
  const sample = () => {
    const m = memory(false);
    if (!peak || m.rssMb > peak.rssMb) peak = m;
  };
  // RSS between scrapes too (the refreshes' answers are parsed then), every 50 ms of real time.
  const sampler = setInterval(sample, 50);
  const onScrape = async () => {
    // The harness keeps log lines (debug level) for tests to read; production writes them out.
    h.log.lines.length = 0;
    // What GET /metrics does for a Prometheus (which asks for gzip): the page's deflate, once per page.
    h.scheduler.exposition().gzipWith('');
    sample();
  };
  const maxSeries = 500_000;
  const report = async (label: string) => {
    const text = h.scheduler.exposition().text;
    const streams = count(text, /^wangsu_live_stream_fresh_slice_timestamp_seconds\{/gm);
    const series = count(text, /^wangsu_live_\w+\{/gm);
    const evicted = (await h.metrics.stateEvicted.get()).values.find((v) => v.labels.source === 'wangsu_cdn')?.value ?? 0;
    const mem = memory(true);
    const sim = await childMemory(child);
    const row = { label, streams, series, evicted, batches: h.runner.status().keys, ...mem, simRssMb: sim.rssMb };
    console.log(
      `  ${label.padEnd(22)} ${String(streams).padStart(7)} streams ${String(series).padStart(7)} series ${String(evicted).padStart(8)} evicted ` +
        `${String(row.batches).padStart(4)} batches  after gc: ${breakdown(mem)}  ` +
        `peak so far ${mb(peak?.rssMb ?? 0)}  (simulator child: rss ${sim.rssMb.toFixed(0)} MB)  ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    return row;
  };
  try {
    console.log(
      `wangsu_cdn exporter under churn: ${NEW_PER_MINUTE} new streams a minute (each live ${LIFETIME_MINUTES} min), ` +
        `domain without a stream list, default max_series (${maxSeries}), scrapes every ${SCRAPE_MS / 1000} s of fake time`,
    );
    console.log(
      `  (request budget raised to ${RAISED_REQUESTS} per 5 min in the exporter and the simulator, so that Wangsu's 300 / 5 min is not what is measured; simulator in a child process)`,
    );
    await scrapes(WARM_UP_MINUTES * MIN);
    const baseline = await report(`warm-up ${WARM_UP_MINUTES}m (${STEADY_STREAMS.length} streams)`);
    peak = undefined;
    const rows = [];
    let minutes = 0;
    for (;;) {
      await scrapes(REPORT_EVERY_MINUTES * MIN);
      minutes += REPORT_EVERY_MINUTES;
      // The fake clock, not the loop count: it shows that fake time kept pace.
      rows.push(await report(`churn +${((clock.now() - T0) / MIN - WARM_UP_MINUTES).toFixed(1)}m`));
      if (!LONG_FORM && minutes >= SHORT_MINUTES) break;
      if (minutes < CHURN_MINUTES || minutes % 15 !== 0) continue;
      // Plateau: the last 15 minutes' gc'd RSS no higher (within 2%) than the 15 before.
      const last = Math.max(...rows.slice(-3).map((r) => r.rssMb));
      const before = Math.max(...rows.slice(-6, -3).map((r) => r.rssMb));
      if (last <= before * 1.02 || minutes >= MAX_CHURN_MINUTES) break;
    }
    const maxSeen = Math.max(...rows.map((r) => r.series));
    console.log(
      `  peak ${breakdown(peak!)} (sampled after every scrape and every 50 ms, no forced gc; limit ${LIMIT_MB} MB: ${peak!.rssMb < LIMIT_MB ? 'below' : 'NOT below'}), ` +
        `baseline ${baseline.rssMb.toFixed(0)} MB: +${(peak!.rssMb - baseline.rssMb).toFixed(0)} MB; ` +
        `gc'd rss at the end ${rows.at(-1)!.rssMb.toFixed(0)} MB; most series on the page ${maxSeen}; ` +
        `${minutes} churn minutes (${(minutes * NEW_PER_MINUTE).toLocaleString('en')} streams) in ${((performance.now() - started) / 1000).toFixed(0)} s real time` +
        (LONG_FORM ? '' : ` (the first ${SHORT_MINUTES} only: \`churn-exporter.js 60\` runs on until every batch exists and gc'd RSS levels)`),
    );
  } finally {
    clearInterval(sampler);
    await h.close();
    await stamping.close();
    child.disconnect();
  }
}

function count(text: string, re: RegExp): number {
  let n = 0;
  for (const _ of text.matchAll(re)) n++;
  return n;
}

void main();
