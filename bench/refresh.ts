// npm run bench: what a full refresh costs at scale (issue 13), this exporter
// beside a plain prom-client reference exporter (refresh-reference.ts) on the
// same upstream data, at 10k, 100k and 300k series, and this exporter alone at
// 1M; plus the physical floor (JSON.parse alone on the same bodies) and a
// 100k-stream Wangsu answer under scrapes with Prometheus's deadline. Numbers
// only; nothing is asserted (the goals are printed beside them).
//
// Every process is a child of this one, and only one measured child runs at a
// time (the machine has 2 CPUs): a fake upstream (refresh-huawei-upstream.ts,
// refresh-wangsu-upstream.ts), then the exporter under test. CPU, event-loop
// stalls and memory are measured inside the measured child
// (refresh-protocol.ts's Meter); latencies are the client's, here. This
// exporter is driven only through its public surfaces (config, Exporter,
// GET /metrics; refresh-ours.ts), so the bench outlives rewrites of its insides.
//
// Environment: BENCH_REFRESH_SIZES=10k,100k,300k,1M (which sizes),
// BENCH_REFRESH_WANGSU=0 (skip Wangsu), BENCH_REFRESH_BUDGET_S=180 (run time
// aimed at: slow refreshes are repeated less and 1M is capped to fit),
// BENCH_REFRESH_CPU_PROF=dir (our exporter's children run with --cpu-prof).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import type { FloorResult } from './refresh-floor.js';
import { AUDIO_JITTER_PER_ROOM, SERIES_PER_ROOM } from './refresh-huawei-data.js';
import { ask, ready, type Measure, type Memory } from './refresh-protocol.js';
import { WANGSU_STREAMS } from './refresh-wangsu-data.js';

const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
const BUDGET_S = Number(process.env.BENCH_REFRESH_BUDGET_S ?? 180);
const CPU_PROF_DIR = process.env.BENCH_REFRESH_CPU_PROF;
/** The ManualClock's start in our exporter; the fake's data follows the query's end_time. */
const START_MS = Date.UTC(2026, 10, 22, 12, 5, 0);
/** Past refresh_interval and discovery_interval (both 1m): every room and the room list are due. */
const ADVANCE_MS = 61_000;
const WARM_SCRAPES = 20;
/** Warm scrapes stop early past this much time (after at least 3): the reference renders at every scrape. */
const WARM_SCRAPES_MAX_MS = 4_000;
/** Time kept for the Wangsu part when capping 1M. */
const WANGSU_RESERVE_S = 75;

interface Size {
  label: string;
  rooms: number;
  oursOnly: boolean;
}
const SIZES: Size[] = [
  { label: '10k', rooms: 100, oursOnly: false },
  { label: '100k', rooms: 1_000, oursOnly: false },
  { label: '300k', rooms: 3_000, oursOnly: false },
  { label: '1M', rooms: 10_000, oursOnly: true },
];

function child(module: string, args: string[], opts: { profile?: boolean } = {}): ChildProcess {
  const execArgv = ['--expose-gc'];
  if (opts.profile && CPU_PROF_DIR) execArgv.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`);
  return fork(new URL(module, import.meta.url), args, { execArgv });
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  if (c.connected) c.disconnect();
  else c.kill();
  await exited;
}

interface Scrape {
  ms: number;
  body: Buffer;
  gzip: boolean;
}

/** A scrape as Prometheus sends it: gzip asked for, its timeout in the header. */
async function scrape(url: string, timeoutS: number): Promise<Scrape> {
  const t = performance.now();
  const res = await request(url, { headers: { 'accept-encoding': 'gzip', 'x-prometheus-scrape-timeout-seconds': String(timeoutS) } });
  const body = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode}`);
  return { ms: performance.now() - t, body, gzip: res.headers['content-encoding'] === 'gzip' };
}

const pageText = (s: Scrape) => (s.gzip ? gunzipSync(s.body) : s.body).toString('utf8');

function countLines(text: string, re: RegExp): number {
  let n = 0;
  for (const _ of text.matchAll(re)) n++;
  return n;
}

/** What a Huawei page holds: upstream series, and rooms whose last-refresh gauge shows `refreshedAtMs`. */
function checkHuaweiPage(text: string, rooms: number, refreshedAtMs: number | undefined): string | undefined {
  const series = countLines(text, /^huaweicloud_rtc_/gm);
  const jitter = countLines(text, /^huaweicloud_rtc_audio_jitter_seconds\{/gm);
  const problems = [];
  if (series !== rooms * SERIES_PER_ROOM) problems.push(`${series} series, expected ${rooms * SERIES_PER_ROOM}`);
  if (jitter !== rooms * AUDIO_JITTER_PER_ROOM) problems.push(`${jitter} audio jitter series, expected ${rooms * AUDIO_JITTER_PER_ROOM}`);
  if (refreshedAtMs !== undefined) {
    let fresh = 0;
    for (const m of text.matchAll(/^huaweicloud_rtc_room_last_refresh_timestamp_seconds\{[^}]*\} (\S+)$/gm)) if (Number(m[1]) === refreshedAtMs / 1000) fresh++;
    if (fresh !== rooms) problems.push(`${fresh} rooms refreshed at ${new Date(refreshedAtMs).toISOString()}, expected ${rooms}`);
  }
  return problems.length ? problems.join('; ') : undefined;
}

interface Side {
  first?: Measure;
  refreshes: Measure[];
  /** Peak RSS over the measured refreshes. */
  peakRssMb?: number | undefined;
  after?: Memory;
  warm?: { n: number; cpuMs: number; latencies: number[]; bytes: number; gzip: boolean };
  /** A refresh that did not show every room refreshed, or a page without every series. */
  problems: string[];
  capped?: string;
  /** When capped: the first refresh's CPU scaled from the rooms it fetched to all of them. */
  projectedCpuMs?: number;
  /** qos/details bytes the fake upstream served per measured refresh. */
  readBytes: number[];
}

/** qos/details bytes the fake upstream has served so far. */
async function qosBytes(upstreamChild: ChildProcess): Promise<number> {
  return ((await ask(upstreamChild, { type: 'stats' }, 'result')).result as { qosBytes: number }).qosBytes;
}

/** How many refreshes to measure after the first, from how long the first took: the run must fit its budget. */
function repetitions(firstWallMs: number): number {
  if (firstWallMs < 5_000) return 3;
  return firstWallMs < 12_000 ? 2 : 1;
}

async function warmScrapes(c: ChildProcess, url: string, side: Side): Promise<void> {
  await ask(c, { type: 'begin' }, 'begun');
  const latencies: number[] = [];
  let last: Scrape | undefined;
  const t = performance.now();
  while (latencies.length < WARM_SCRAPES && (latencies.length < 3 || performance.now() - t < WARM_SCRAPES_MAX_MS)) {
    last = await scrape(url, 600);
    latencies.push(last.ms);
  }
  const { measure } = await ask(c, { type: 'end' }, 'ended');
  side.warm = { n: latencies.length, cpuMs: measure.cpuMs / latencies.length, latencies, bytes: last!.body.length, gzip: last!.gzip };
}

async function runOurs(size: Size, upstream: string, upstreamChild: ChildProcess, capS: number | undefined): Promise<Side> {
  const side: Side = { refreshes: [], problems: [], readBytes: [] };
  const c = child('./refresh-ours.js', ['huawei', upstream, String(START_MS)], { profile: true });
  try {
    const url = await ready(c);
    // The first refresh: discovery and every room new; the child measures from before listen().
    const first = scrape(url, 600);
    const outcome = await Promise.race([first, capS === undefined ? new Promise<never>(() => {}) : sleep(capS * 1000).then(() => 'capped' as const)]);
    if (outcome === 'capped') {
      const { measure } = await ask(c, { type: 'end' }, 'ended');
      const served = (await ask(upstreamChild, { type: 'stats' }, 'result')).result as { qos: number };
      side.first = measure;
      side.projectedCpuMs = (measure.cpuMs * size.rooms) / Math.max(1, served.qos);
      side.capped =
        `first refresh capped at ${capS} s (the run's budget): ${served.qos.toLocaleString('en')} of ${size.rooms.toLocaleString('en')} rooms fetched ` +
        `in ${fmtS(measure.wallMs)} wall, ${fmtS(measure.cpuMs)} CPU, longest event-loop stall ${fmtMs(measure.eldMaxMs)}, peak RSS ${fmtMb(measure.peakRssMb)}; ` +
        `all rooms would take about ${fmtS(side.projectedCpuMs)} CPU (page rebuild not included)`;
      first.catch(() => undefined);
      return side;
    }
    side.first = (await ask(c, { type: 'end' }, 'ended')).measure;
    const problem = checkHuaweiPage(pageText(outcome), size.rooms, START_MS);
    if (problem) side.problems.push(`first refresh: ${problem}`);
    const n = repetitions(side.first.wallMs);
    for (let i = 0; i < n; i++) {
      const bytesBefore = await qosBytes(upstreamChild);
      const { nowMs } = await ask(c, { type: 'begin', advanceMs: ADVANCE_MS }, 'begun');
      const page = await scrape(url, 600);
      const { measure } = await ask(c, { type: 'end' }, 'ended');
      side.refreshes.push(measure);
      side.readBytes.push((await qosBytes(upstreamChild)) - bytesBefore);
      const p = checkHuaweiPage(pageText(page), size.rooms, nowMs);
      if (p) side.problems.push(`refresh ${i + 1}: ${p}`);
    }
    side.peakRssMb = maxOf(side.refreshes.map((r) => r.peakRssMb));
    side.after = (await ask(c, { type: 'memory' }, 'memory')).memory;
    await warmScrapes(c, url, side);
    return side;
  } finally {
    await stop(c);
  }
}

async function runReference(size: Size, upstream: string, upstreamChild: ChildProcess): Promise<Side> {
  const side: Side = { refreshes: [], problems: [], readBytes: [] };
  const c = child('./refresh-reference.js', [upstream]);
  try {
    const url = await ready(c);
    const first = await ask(c, { type: 'refresh' }, 'refreshed');
    side.first = first.measure;
    const n = repetitions(first.measure.wallMs);
    for (let i = 0; i < n; i++) {
      const bytesBefore = await qosBytes(upstreamChild);
      const r = await ask(c, { type: 'refresh' }, 'refreshed');
      side.refreshes.push(r.measure);
      side.readBytes.push((await qosBytes(upstreamChild)) - bytesBefore);
      if (r.series !== size.rooms * SERIES_PER_ROOM) side.problems.push(`refresh ${i + 1}: ${r.series} series set, expected ${size.rooms * SERIES_PER_ROOM}`);
    }
    side.peakRssMb = maxOf(side.refreshes.map((r) => r.peakRssMb));
    side.after = (await ask(c, { type: 'memory' }, 'memory')).memory;
    await warmScrapes(c, url, side);
    const problem = checkHuaweiPage(pageText(await scrape(url, 600)), size.rooms, undefined);
    if (problem) side.problems.push(`page: ${problem}`);
    return side;
  } finally {
    await stop(c);
  }
}

async function runFloor(size: Size): Promise<FloorResult> {
  const c = child('./refresh-floor.js', [String(size.rooms)]);
  try {
    await ready(c);
    return (await ask(c, { type: 'run' }, 'result')).result as FloorResult;
  } finally {
    await stop(c);
  }
}

// ---- formatting ----

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
function maxOf(xs: Array<number | undefined>): number | undefined {
  const known = xs.filter((x): x is number => x !== undefined);
  return known.length ? Math.max(...known) : undefined;
}
const fmtS = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMs = (ms: number) => (ms >= 1000 ? fmtS(ms) : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const fmtMb = (mb: number | undefined) => (mb === undefined ? 'n/a' : `${mb.toFixed(0)} MB`);
const heapLine = (m: Memory | undefined) => (m ? `${fmtMb(m.heapMb)} / ${fmtMb(m.heapTotalMb)}, ${fmtMb(m.externalMb)}` : '');
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '' : (a / b).toFixed(2));

/** "median (min–max), n=k" of a measure's field over the measured refreshes. */
function spread(side: Side | undefined, pick: (m: Measure) => number, fmt: (x: number) => string): string {
  if (!side?.refreshes.length) return side?.capped ? 'capped' : '';
  const xs = side.refreshes.map(pick);
  if (xs.length === 1) return `${fmt(xs[0]!)} (n=1)`;
  return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
}
const med = (side: Side | undefined, pick: (m: Measure) => number) => (side?.refreshes.length ? median(side.refreshes.map(pick)) : undefined);

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(`  ${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd());
}

function report(size: Size, ours: Side, ref: Side | undefined, floor: FloorResult | undefined): void {
  const series = size.rooms * SERIES_PER_ROOM;
  const upstreamMb = floor ? ` (upstream answers for the whole 10-minute lookback: ${(floor.bytes / 1e6).toFixed(0)} MB)` : '';
  console.log(`\n== ${size.label}: ${series.toLocaleString('en')} series, ${size.rooms.toLocaleString('en')} rooms × ${SERIES_PER_ROOM}${upstreamMb} ==`);
  const cpu = (m: Measure) => m.cpuMs;
  const warm = (s: Side | undefined, f: (w: NonNullable<Side['warm']>) => string) => (s?.warm ? f(s.warm) : '');
  const goal300 = size.label === '300k';
  const rows: string[][] = [
    ['', 'ours', ref ? 'reference' : '', ref ? 'ours / ref' : '', 'goal'],
    [
      'full refresh CPU, median (min–max)',
      spread(ours, cpu, fmtS),
      spread(ref, cpu, fmtS),
      ratio(med(ours, cpu), med(ref, cpu)),
      size.label === '100k' || goal300 ? '≤ 0.5 × ref' : '',
    ],
    [
      'full refresh wall',
      spread(ours, (m) => m.wallMs, fmtS),
      spread(ref, (m) => m.wallMs, fmtS),
      ratio(
        med(ours, (m) => m.wallMs),
        med(ref, (m) => m.wallMs),
      ),
      '',
    ],
    [
      'first refresh CPU (discovery, new rooms)',
      ours.first ? fmtS(ours.first.cpuMs) : '',
      ref?.first ? fmtS(ref.first.cpuMs) : '',
      ratio(ours.first?.cpuMs, ref?.first?.cpuMs),
      '',
    ],
    [
      'upstream bytes read per refresh (median)',
      ours.readBytes.length ? fmtMb(median(ours.readBytes) / 1e6) : '',
      ref?.readBytes.length ? fmtMb(median(ref.readBytes) / 1e6) : '',
      ratio(ours.readBytes.length ? median(ours.readBytes) : undefined, ref?.readBytes.length ? median(ref.readBytes) : undefined),
      '',
    ],
    ['longest event-loop stall', spread(ours, (m) => m.eldMaxMs, fmtMs), spread(ref, (m) => m.eldMaxMs, fmtMs), '', goal300 ? '≤ 50 ms' : ''],
    ['peak RSS during refreshes', fmtMb(ours.peakRssMb), ref ? fmtMb(ref.peakRssMb) : '', '', ''],
    ["RSS after refreshes (gc'd)", fmtMb(ours.after?.rssMb), ref ? fmtMb(ref.after?.rssMb) : '', '', goal300 ? '≤ 400 MB' : ''],
    ['  of it: JS heap used / held, external', heapLine(ours.after), ref ? heapLine(ref.after) : '', '', ''],
    ['warm scrape CPU', warm(ours, (w) => fmtMs(w.cpuMs)), warm(ref, (w) => fmtMs(w.cpuMs)), ratio(ours.warm?.cpuMs, ref?.warm?.cpuMs), ''],
    [
      'warm scrape latency, median / max',
      warm(ours, (w) => `${fmtMs(median(w.latencies))} / ${fmtMs(Math.max(...w.latencies))}`),
      warm(ref, (w) => `${fmtMs(median(w.latencies))} / ${fmtMs(Math.max(...w.latencies))}`),
      ratio(ours.warm && median(ours.warm.latencies), ref?.warm && median(ref.warm.latencies)),
      '',
    ],
    [
      'page served (scrapes)',
      warm(ours, (w) => `${(w.bytes / 1e6).toFixed(1)} MB ${w.gzip ? 'gzip' : 'plain'} (${w.n})`),
      warm(ref, (w) => `${(w.bytes / 1e6).toFixed(1)} MB ${w.gzip ? 'gzip' : 'plain'} (${w.n})`),
      '',
      '',
    ],
  ];
  if (ref?.warm && med(ref, cpu) !== undefined) {
    const refWithScrape = med(ref, cpu)! + ref.warm.cpuMs;
    rows.push(['ref refresh + one scrape (it renders then)', '', fmtS(refWithScrape), ratio(med(ours, cpu), refWithScrape), '']);
  }
  // A capped run has only its partial first refresh: the line below says what it got.
  if (!ours.capped) table(rows);
  if (floor) {
    const oursCpu = med(ours, cpu) ?? ours.projectedCpuMs;
    const refCpu = med(ref, cpu);
    console.log(
      `  floor: JSON.parse of the same ${(floor.bytes / 1e6).toFixed(0)} MB takes ${fmtS(floor.parseCpuMs)} CPU ` +
        `(decoding the Buffers to strings another ${fmtS(floor.decodeCpuMs)}); ` +
        `ours = ${ratio(oursCpu, floor.parseCpuMs)} × floor${ours.projectedCpuMs !== undefined ? ' (projected)' : ''}` +
        (refCpu !== undefined ? `, reference = ${ratio(refCpu, floor.parseCpuMs)} × floor` : ''),
    );
  }
  if (ours.capped) console.log(`  ours: ${ours.capped}`);
  for (const [who, side] of [
    ['ours', ours],
    ['reference', ref],
  ] as const) {
    for (const p of side?.problems ?? []) console.log(`  CHECK FAILED (${who}): ${p}`);
  }
}

// ---- Wangsu ----

interface WangsuObservation {
  refreshCount: number;
  refreshSumS: number;
  lastSuccessS: number;
  requests: number;
}

/** The exporter's own metrics about wangsu_cdn, from a page. */
function wangsuObservation(text: string): WangsuObservation {
  const value = (line: string) => {
    const i = text.indexOf(`\n${line} `);
    return i < 0 ? 0 : Number(text.slice(i + line.length + 2, text.indexOf('\n', i + 1)));
  };
  return {
    refreshCount: value('rtc_cdn_exporter_refresh_duration_seconds_count{source="wangsu_cdn"}'),
    refreshSumS: value('rtc_cdn_exporter_refresh_duration_seconds_sum{source="wangsu_cdn"}'),
    lastSuccessS: value('rtc_cdn_exporter_last_refresh_success_timestamp_seconds{source="wangsu_cdn"}'),
    requests: value('rtc_cdn_exporter_api_requests_total{source="wangsu_cdn",api="stream_detail",outcome="success"}'),
  };
}

const WANGSU_TIMEOUT_S = 10;
const WANGSU_MAX_S = 200;

async function runWangsu(): Promise<void> {
  const up = child('./refresh-wangsu-upstream.js', []);
  const upstream = await ready(up);
  const c = child('./refresh-ours.js', ['wangsu', upstream], { profile: true });
  const latencies: number[] = [];
  const fullRefreshS: number[] = [];
  let seen: WangsuObservation = { refreshCount: 0, refreshSumS: 0, lastSuccessS: 0, requests: 0 };
  let requestsAtLastRefresh = 0;
  let lastText = '';
  const failures: string[] = [];
  let firstDataS: number | undefined;
  try {
    const url = await ready(c);
    const t0 = performance.now();
    const inFlight = new Set<Promise<void>>();
    const one = async () => {
      try {
        const s = await scrape(url, WANGSU_TIMEOUT_S);
        latencies.push(s.ms);
        const text = pageText(s);
        const o = wangsuObservation(text);
        if (firstDataS === undefined && o.refreshCount > 0) firstDataS = (performance.now() - t0) / 1000;
        // Scrapes overlap and may finish out of order: counters only go up.
        if (o.refreshCount > seen.refreshCount) {
          // A refresh that succeeded after both requests did read the 100k-stream answers; the others only re-rendered (or failed).
          if (o.lastSuccessS > seen.lastSuccessS && o.requests >= requestsAtLastRefresh + 2)
            fullRefreshS.push((o.refreshSumS - seen.refreshSumS) / (o.refreshCount - seen.refreshCount));
          requestsAtLastRefresh = o.requests;
          seen = o;
          lastText = text;
        } else if (o.requests > seen.requests) seen = { ...seen, requests: o.requests };
      } catch (err) {
        failures.push((err as Error).message);
      }
    };
    while (fullRefreshS.length < 2 && (performance.now() - t0) / 1000 < WANGSU_MAX_S) {
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
      await sleep(1000);
    }
    await Promise.all(inFlight);
    const { measure } = await ask(c, { type: 'end' }, 'ended');
    const streams = countLines(lastText, /^wangsu_live_stream_fresh_slice_timestamp_seconds\{/gm);
    const late = latencies.filter((ms) => ms > WANGSU_TIMEOUT_S * 1000).length;
    console.log(
      `\n== Wangsu: one domain, ${WANGSU_STREAMS.toLocaleString('en')} streams in one answer (flow and bandwidth, 1-minute slices), real clock; a scrape every 1 s (they overlap), X-Prometheus-Scrape-Timeout-Seconds: ${WANGSU_TIMEOUT_S} ==`,
    );
    table([
      [
        'scrapes',
        `${latencies.length} answered, ${failures.length} failed${failures.length ? ` (${[...new Set(failures)].join('; ')})` : ''}; ${late} answered after ${WANGSU_TIMEOUT_S} s (past the deadline; goal: none)`,
      ],
      ['scrape latency, median / max', `${fmtMs(median(latencies))} / ${fmtMs(Math.max(...latencies))}`],
      ['full refreshes (both answers read)', fullRefreshS.length ? fullRefreshS.map((s) => fmtS(s * 1000)).join(', ') : 'none completed'],
      ['first data on the page after', firstDataS === undefined ? 'never' : `${firstDataS.toFixed(1)} s`],
      ['longest event-loop stall (whole run)', fmtMs(measure.eldMaxMs)],
      ['exporter CPU (whole run)', `${fmtS(measure.cpuMs)} in ${fmtS(measure.wallMs)}; peak RSS ${fmtMb(measure.peakRssMb)}`],
      ['streams on the last page', `${streams.toLocaleString('en')} (expected ${WANGSU_STREAMS.toLocaleString('en')})`],
    ]);
    if (streams !== WANGSU_STREAMS) console.log(`  CHECK FAILED (ours): ${streams} streams on the page, expected ${WANGSU_STREAMS}`);
    if (fullRefreshS.length < 2) console.log(`  CHECK FAILED (ours): ${fullRefreshS.length} full refreshes within ${WANGSU_MAX_S} s`);
  } finally {
    await stop(c);
    await stop(up);
  }
}

async function main(): Promise<void> {
  if (!global.gc) throw new Error('run with node --expose-gc (the children get it anyway; this checks how the bench was started)');
  const wanted = new Set((process.env.BENCH_REFRESH_SIZES ?? SIZES.map((s) => s.label).join(',')).split(','));
  console.log(
    `refresh cost at scale: this exporter (huawei_rtc on a fake clock, budget raised, one request per room) beside a prom-client reference (refresh-reference.ts), ` +
      `each in its own process, measured one at a time; CPU = user + system of the exporter process (its threadpool included); our refresh = refresh + page rebuild + the first gzip scrape. ` +
      `Reference serves /metrics uncompressed (no compression middleware). Repetitions shrink when refreshes are slow (budget ${BUDGET_S} s).`,
  );
  for (const size of SIZES.filter((s) => wanted.has(s.label))) {
    const up = child('./refresh-huawei-upstream.js', [String(size.rooms)]);
    let ours: Side;
    let ref: Side | undefined;
    try {
      const upstream = await ready(up);
      let capS: number | undefined;
      if (size.oursOnly) capS = Math.max(30, Math.floor(BUDGET_S - elapsedS() - (process.env.BENCH_REFRESH_WANGSU === '0' ? 0 : WANGSU_RESERVE_S)));
      ours = await runOurs(size, upstream, up, capS);
      if (!size.oursOnly) ref = await runReference(size, upstream, up);
    } finally {
      await stop(up);
    }
    const floor = await runFloor(size);
    report(size, ours, ref, floor);
  }
  if (process.env.BENCH_REFRESH_WANGSU !== '0') await runWangsu();
  console.log(`\nbench/refresh: total ${elapsedS().toFixed(0)} s real time`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
