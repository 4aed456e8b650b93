// npm run bench: SparkRTC rooms against the default budget (30 requests/minute
// shared by every statistics API), in simulated time against the simulator on
// loopback, scraped every 15 s. For 10, 100 and 1000 rooms:
// - upstream requests per minute by API (never above the budget);
// - time to fresh data for a troubled room: trouble starts in 4 rooms at once,
//   every 20 minutes; how long until /metrics shows each of them a data point
//   from after the trouble began;
// - the worst data age of a quiet room.
// "before": rooms only, stalest first (app quality and abnormal events off, as
// before they existed); "after": the defaults, worst rooms first.
import { ROOM_LAST_REFRESH, ROOM_LAST_SAMPLE } from '../src/sources/huawei-rtc/families.js';
import { huaweiSetup, START } from '../src/sources/huawei-rtc/sim/drive.js';
import type { Source } from '../src/source.js';

const TROUBLE_EVERY = 20 * 60_000;
const TROUBLE_FOR = 4 * 60_000;

interface Result {
  perMinuteByApi: Record<string, number>;
  perMinute: number;
  throttled: number;
  toFresh: number[];
  worstQuietAgeMin: number;
}

async function measure(rooms: number, minutes: number, mode: 'before' | 'after'): Promise<Result> {
  // Trouble in 4 rooms spread over the slots, starting after a warm-up of one full room cycle.
  const slots = [0, 1, 2, 3].map((i) => Math.floor((i * rooms) / 4) + (rooms > 4 ? 1 : 0));
  const warmupMs = Math.max(10, Math.ceil(rooms / 25)) * 60_000;
  const h = await huaweiSetup({
    sim: {
      world: {
        seed: 1,
        apps: 1,
        roomsPerApp: rooms,
        maxUsers: 2,
        cycleMs: 7 * 86_400_000,
        openMs: 7 * 86_400_000 - 1,
        spikes: { fromMs: START + warmupMs, everyMs: TROUBLE_EVERY, forMs: TROUBLE_FOR, slots },
      },
      rateLimitPerMinute: 30,
    },
    config:
      mode === 'before' ? { discovery_interval: '2m', app_quality: { enabled: false }, abnormal_events: { enabled: false } } : { discovery_interval: '2m' },
  });
  const start = h.clock.now();
  const troubleFrom = start + warmupMs;
  const { lastSample, lastRefresh } = trackShownRooms(h.source);
  try {
    /** Every room the page has shown. */
    const roomIds = new Set<string>();
    const pending: Array<{ room: string; since: number }> = [];
    const toFresh: number[] = [];
    let worstQuiet = 0;
    let nextIncident = troubleFrom;
    /** Every 5 s of fake time; a scrape every 15 s. */
    const onStep = () => {
      const now = h.clock.now();
      if ((now - start) % 15_000 !== 0) return;
      // A scrape: what collect() starts (the refreshes of what is stale), and the page as it stands.
      // collect() itself would assemble the page again when its 10 s wait ends: real time only.
      for (const r of h.exporter.scheduler.runners) void r.kick();
      if ((now - start) % 600_000 === 0) checkPage(h.exporter.scheduler.exposition().text, lastSample, lastRefresh);
      for (const room of lastRefresh.keys()) roomIds.add(room);
      if (now >= nextIncident && nextIncident < start + minutes * 60_000 - 40 * 60_000) {
        const troubled = [...roomIds].filter((r) => slots.some((s) => r.includes(`-room${s}-`)));
        for (const room of troubled) pending.push({ room, since: nextIncident });
        nextIncident += TROUBLE_EVERY;
      }
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i]!;
        if ((lastSample.get(p.room) ?? 0) >= p.since) {
          toFresh.push((now - p.since) / 60_000);
          pending.splice(i, 1);
        }
      }
      if (now >= start + warmupMs) {
        for (const [room, at] of lastRefresh) {
          if (!slots.some((s) => room.includes(`-room${s}-`))) worstQuiet = Math.max(worstQuiet, now - at);
        }
      }
    };
    await h.run(minutes * 60_000, 5_000, onStep, 'turns');
    checkPage(h.exporter.scheduler.exposition().text, lastSample, lastRefresh);
    // Incidents still waiting at the end count with the time they have waited so far.
    for (const p of pending) toFresh.push((h.clock.now() - p.since) / 60_000);
    const span = (h.clock.now() - start) / 60_000;
    const byApi: Record<string, number> = {};
    for (const r of h.sim.requests) {
      const api = r.path.replace(/^\/v1\/[^/]+\/rtc\//, '').replace(/^\/v1\/rtc\/data\//, '');
      byApi[api] = (byApi[api] ?? 0) + 1 / span;
    }
    return {
      perMinuteByApi: byApi,
      perMinute: h.sim.requests.length / span,
      throttled: h.sim.requests.filter((r) => r.status === 429).length,
      toFresh,
      worstQuietAgeMin: worstQuiet / 60_000,
    };
  } finally {
    await h.close();
  }
}

/**
 * What /metrics shows of each room (ms): the page holds, for every key of the
 * latest listing, the samples of its last successful refresh, so they are
 * taken as the source hands them to the exporter. Assembling the whole page
 * every 15 s instead (80,000 series at 1000 rooms) was half the bench's time;
 * the bench reads it every 10 minutes to check that it shows the same.
 */
function trackShownRooms(source: Source) {
  const lastSample = new Map<string, number>();
  const lastRefresh = new Map<string, number>();
  const roomsOf = new Map<string, string[]>();
  /** Per listed key, a number given when it joined the list: a refresh begun before it left does not show. */
  const generation = new Map<string, number>();
  const forget = (key: string) => {
    for (const room of roomsOf.get(key) ?? []) {
      lastSample.delete(room);
      lastRefresh.delete(room);
    }
    roomsOf.delete(key);
  };
  let generationSeq = 0;
  const listKeys = source.listKeys.bind(source);
  source.listKeys = async (ctx) => {
    const keys = await listKeys(ctx);
    const listed = new Set(keys);
    for (const key of [...generation.keys()]) {
      if (listed.has(key)) continue;
      forget(key);
      generation.delete(key);
    }
    for (const key of keys) if (!generation.has(key)) generation.set(key, generationSeq++);
    return keys;
  };
  const refresh = source.refresh.bind(source);
  source.refresh = async (key, ctx) => {
    const began = generation.get(key);
    const data = await refresh(key, ctx);
    if (began === undefined || generation.get(key) !== began) return data;
    forget(key);
    const rooms: string[] = [];
    for (const f of data.series.families) {
      if (f.spec !== ROOM_LAST_REFRESH && f.spec !== ROOM_LAST_SAMPLE) continue;
      // Room ids in the bench are plain: the label value is the id as rendered.
      for (const m of f.text.matchAll(/room_id="([^"]*)"\} (\S+)\n/g)) {
        const [roomId, seconds] = [m[1]!, Number(m[2]) * 1000];
        if (f.spec === ROOM_LAST_REFRESH) {
          lastRefresh.set(roomId, seconds);
          rooms.push(roomId);
        } else lastSample.set(roomId, seconds);
      }
    }
    roomsOf.set(key, rooms);
    return data;
  };
  return { lastSample, lastRefresh };
}

/** Throws unless the page shows exactly these last_sample and last_refresh times (ms) of its rooms. */
function checkPage(page: string, lastSample: ReadonlyMap<string, number>, lastRefresh: ReadonlyMap<string, number>): void {
  const shown = { sample: new Map<string, number>(), refresh: new Map<string, number>() };
  for (const m of page.matchAll(/^huaweicloud_rtc_room_last_(sample|refresh)_timestamp_seconds\{app_id="[^"]*",room_id="([^"]*)"\} (\S+)$/gm)) {
    shown[m[1] as 'sample' | 'refresh'].set(m[2]!, Number(m[3]) * 1000);
  }
  for (const [name, tracked, onPage] of [
    ['last_sample', lastSample, shown.sample],
    ['last_refresh', lastRefresh, shown.refresh],
  ] as const) {
    const differs = onPage.size !== tracked.size || [...onPage].some(([room, at]) => tracked.get(room) !== at);
    if (differs) throw new Error(`the page's ${name} of ${onPage.size} rooms differs from the ${tracked.size} rooms tracked`);
  }
}

const fmt = (n: number) => n.toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main() {
  console.log('huawei_rtc rooms vs budget (30 req/min shared, refresh_interval 60s, scrape every 15s, discovery every 2m):');
  console.log('trouble starts in 4 rooms every 20 min; time to fresh = until /metrics shows each a point from after it began');
  // BENCH_ROOMS=1000 runs one size only, BENCH_MODE=after one mode.
  const only = process.env.BENCH_ROOMS ? Number(process.env.BENCH_ROOMS) : undefined;
  const sizes: Array<[number, number]> = [
    [10, 70],
    [100, 80],
    [1000, 160],
  ];
  for (const [rooms, minutes] of sizes.filter(([r]) => only === undefined || r === only)) {
    for (const mode of (['before', 'after'] as const).filter((m) => !process.env.BENCH_MODE || process.env.BENCH_MODE === m)) {
      const r = await measure(rooms, minutes, mode);
      const apis = Object.entries(r.perMinuteByApi)
        .sort()
        .map(([api, n]) => `${api} ${fmt(n)}`)
        .join(', ');
      console.log(
        `${String(rooms).padStart(5)} rooms ${mode.padEnd(6)}: ${fmt(r.perMinute)} req/min (${apis}; 429s ${r.throttled}); ` +
          `troubled room fresh after median ${fmt(median(r.toFresh))} / worst ${fmt(Math.max(...r.toFresh))} min (${r.toFresh.length} incidents: ${r.toFresh
            .sort((a, b) => a - b)
            .map(fmt)
            .join(' ')}); ` +
          `worst quiet room age ${fmt(r.worstQuietAgeMin)} min`,
      );
    }
  }
}

void main();
