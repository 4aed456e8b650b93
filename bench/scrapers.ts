// npm run bench: upstream requests per hour against the number of Prometheus
// servers scraping. Each real source against its simulator on a fake clock, one
// simulated hour per case: 1 scraper every 15 s, 1 every 30 s, 2 and 10 every
// 15 s, each scraper at a random (seeded) phase. Every refresh and key listing
// takes 1 s of fake time, as real requests take time: the source's requests are
// answered at once (fake time stands still while loopback I/O settles), then its
// answer waits 1 s before the scheduler sees it. Requests are counted per API
// from the simulator's log over the hour; the goal is the same number whatever
// the scrapers (ratio to 1 scraper every 15 s: 1.00 ± 0.01).
import { sleep } from '../src/clock.js';
import { sourceHarness } from '../src/sim/drive.js';
import { flushMicrotasks, ManualClock } from '../src/sim/manual-clock.js';
import { prng } from '../src/sim/noise.js';
import type { SimRequest } from '../src/sim/request-log.js';
import type { Source, SourceDefinition } from '../src/source.js';
import { huaweiRtc } from '../src/sources/huawei-rtc/index.js';
import { START } from '../src/sources/huawei-rtc/sim/drive.js';
import { HuaweiRtcSimulator } from '../src/sources/huawei-rtc/sim/simulator.js';
import { wangsuCdn } from '../src/sources/wangsu-cdn/index.js';
import { apiKeyAuth, startSim } from '../src/sources/wangsu-cdn/sim/drive.js';

const HOUR = 3_600_000;
const REFRESH_LATENCY_MS = 1_000;

interface Case {
  label: string;
  scrapers: number;
  everyMs: number;
}

const CASES: Case[] = [
  { label: '1 every 15s', scrapers: 1, everyMs: 15_000 },
  { label: '1 every 30s', scrapers: 1, everyMs: 30_000 },
  { label: '2 every 15s', scrapers: 2, everyMs: 15_000 },
  { label: '10 every 15s', scrapers: 10, everyMs: 15_000 },
];

/** Real source calls still running (their I/O not settled), as opposed to answers waiting out their latency. */
class Busy {
  calls = 0;

  /** Calls `fn`, then holds its outcome for the refresh latency on the fake clock. */
  async slow<T>(clock: ManualClock, fn: () => Promise<T>): Promise<T> {
    this.calls++;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn() };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      this.calls--;
    }
    await sleep(clock, REFRESH_LATENCY_MS);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Lets loopback I/O run until no real call is pending (or one waits for fake time: a budget). */
  async settle(): Promise<void> {
    for (let calm = 0, turns = 0; calm < 2 && turns < 400; turns++) {
      await flushMicrotasks(4);
      calm = this.calls === 0 ? calm + 1 : 0;
    }
  }
}

/** The source definition, unchanged but for the latency of every call. */
function withLatency(definition: SourceDefinition, clock: ManualClock, busy: Busy): SourceDefinition {
  return {
    ...definition,
    create: (config, deps) => {
      const source = definition.create(config, deps);
      const slowed: Source = {
        get keyListIntervalMs() {
          return source.keyListIntervalMs;
        },
        listKeys: (ctx) => busy.slow(clock, () => source.listKeys(ctx)),
        refresh: (key, ctx) => busy.slow(clock, () => source.refresh(key, ctx)),
        describe: () => source.describe(),
      };
      return slowed;
    },
  };
}

/** Every scrape time of `c` in [start, end), in order: each scraper at its own random phase. */
function scrapeTimes(c: Case, start: number, end: number, random: () => number): number[] {
  const times: number[] = [];
  for (let i = 0; i < c.scrapers; i++) {
    for (let t = start + Math.floor(random() * c.everyMs); t < end; t += c.everyMs) times.push(t);
  }
  return times.sort((a, b) => a - b);
}

interface Rig {
  clock: ManualClock;
  busy: Busy;
  scrape(): void;
  requests(): readonly SimRequest[];
  /** The API a logged request went to. */
  api(r: SimRequest): string;
  close(): Promise<void>;
}

async function huaweiRig(): Promise<Rig> {
  const clock = new ManualClock(START);
  const busy = new Busy();
  const sim = new HuaweiRtcSimulator({
    clock,
    // A few rooms open all hour (rooms that come and go would make the cases differ by more than the scrapers).
    world: { seed: 7, apps: 1, roomsPerApp: 3, maxUsers: 3, cycleMs: 7 * 86_400_000, openMs: 7 * 86_400_000 - 1 },
  });
  const upstream = await sim.listen();
  const h = sourceHarness({
    definition: withLatency(huaweiRtc, clock, busy),
    clock,
    config: {
      endpoint: upstream.url,
      project_id: sim.projectId,
      auth: { aksk: { access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey } },
      apps: sim.world.appIds().map((app_id) => ({ app_id })),
    },
  });
  return {
    clock,
    busy,
    scrape: () => void h.scheduler.collect(0),
    requests: () => sim.requests,
    api: (r) => r.path.replace(/^\/v1\/[^/]+\/rtc\/(client\/)?/, '').replace(/^\/v1\/rtc\/data\//, ''),
    close: async () => {
      await h.close();
      await upstream.close();
    },
  };
}

async function wangsuRig(): Promise<Rig> {
  const clock = new ManualClock(START);
  const busy = new Busy();
  const domains = [
    { domain: 'live.example.com', streams: ['live/main', 'live/second'] },
    { domain: 'pull.example.com', streams: ['live/sport'] },
  ];
  const sim = await startSim({ clock, model: { seed: 4242, domains, liveRatio: 1 } });
  const h = sourceHarness({
    definition: withLatency(wangsuCdn, clock, busy),
    clock,
    // One domain per request: two keys, within the 30 requests / 5 min per API.
    config: { endpoint: sim.url, auth: apiKeyAuth, domains: domains.map((d) => ({ domain: d.domain })), max_groups_per_request: 1 },
  });
  return {
    clock,
    busy,
    scrape: () => void h.scheduler.collect(0),
    requests: () => sim.sim.requests,
    // Settled traffic and fresh bandwidth are both stream_detail, told apart by the body: the path is the API.
    api: (r) => r.path.replace(/^\/api\/report\/(flow-bandwidth\/)?/, ''),
    close: async () => {
      await h.close();
      await sim.close();
    },
  };
}

/** Moves the fake clock to `t`, stopping at each timer on the way to let what it starts settle. */
async function advanceTo(rig: Rig, t: number): Promise<void> {
  for (;;) {
    const next = rig.clock.nextTimerAt();
    if (next === undefined || next > t) break;
    await rig.clock.advance(next - rig.clock.now());
    await rig.busy.settle();
  }
  await rig.clock.advance(t - rig.clock.now());
}

/** Upstream requests by API over one simulated hour of `c`'s scrapes. */
async function measure(makeRig: () => Promise<Rig>, c: Case, seed: number): Promise<Map<string, number>> {
  const rig = await makeRig();
  try {
    const start = rig.clock.now();
    const end = start + HOUR;
    for (const t of scrapeTimes(c, start, end, prng(seed))) {
      await advanceTo(rig, t);
      rig.scrape();
      await rig.busy.settle();
    }
    await advanceTo(rig, end);
    const byApi = new Map<string, number>();
    for (const r of rig.requests()) if (r.at >= start && r.at < end) byApi.set(rig.api(r), (byApi.get(rig.api(r)) ?? 0) + 1);
    return byApi;
  } finally {
    await rig.close();
  }
}

async function report(title: string, makeRig: () => Promise<Rig>): Promise<void> {
  console.log(title);
  const results: Array<[Case, Map<string, number>]> = [];
  for (const [i, c] of CASES.entries()) results.push([c, await measure(makeRig, c, 1 + i)]);
  const apis = [...new Set(results.flatMap(([, r]) => [...r.keys()]))].sort();
  const total = (r: Map<string, number>) => [...r.values()].reduce((a, b) => a + b, 0);
  const baseline = total(results[0]![1]);
  const cols = [...apis, 'total'];
  const cell = (text: string | number, i: number) => String(text).padStart(cols[i]!.length + 2);
  console.log(`  ${'scrapers'.padEnd(13)}${cols.map(cell).join('')}   ratio to 1 every 15s`);
  for (const [c, r] of results) {
    const cells = [...apis.map((a) => r.get(a) ?? 0), total(r)].map(cell).join('');
    console.log(`  ${c.label.padEnd(13)}${cells}   ${(total(r) / baseline).toFixed(3)}`);
  }
}

async function main(): Promise<void> {
  console.log(`upstream requests per hour by number of scrapers (random phases, seeded; refresh_interval 60s, every refresh ${REFRESH_LATENCY_MS / 1000} s):`);
  const started = performance.now();
  await report('huawei_rtc: 1 app, 3 rooms (discovered every 2m), app_quality every 3m, abnormal_events every 30s', huaweiRig);
  await report('wangsu_cdn: 2 domains in 2 batches, flow and bandwidth', wangsuRig);
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

void main();
