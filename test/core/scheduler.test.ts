import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep } from '../../src/clock.js';
import { ManualClock, flushMicrotasks } from '../../src/sim/manual-clock.js';
import { unitHash } from '../../src/sim/noise.js';
import { nextGridPoint } from '../../src/refresh-grid.js';
import { MAX_KEY_ERRORS, NEW_KEY_LEAD_MS, type Scheduler } from '../../src/scheduler.js';
import { SecretRegistry } from '../../src/secrets.js';
import { UpstreamError } from '../../src/upstream/api.js';
import { FakeSource, deferred, fakeRunner, sample } from '../helpers/fakes.js';
import type { Sample } from '../../src/series-writer.js';

function setup(source: FakeSource, clock = new ManualClock()) {
  return { clock, ...fakeRunner(source, clock) };
}

const HOUR = 3_600_000;

/** Prometheus servers scraping every `everyMs`, each at a phase drawn from `seed` (`phases` of them). */
interface Scrapers {
  label: string;
  everyMs: number;
  phases: number;
  seed: number;
}

const SCRAPER_SETS: Scrapers[] = [
  { label: '1 every 15 s', everyMs: 15_000, phases: 1, seed: 0 },
  { label: '1 every 30 s', everyMs: 30_000, phases: 1, seed: 1 },
  { label: '2 every 15 s', everyMs: 15_000, phases: 2, seed: 2 },
  { label: '10 every 15 s', everyMs: 15_000, phases: 10, seed: 3 },
];

/** Every scrape of `s` in [start, start + durationMs), in time order. */
function scrapeTimes(s: Scrapers, start: number, durationMs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < s.phases; i++) {
    for (let t = start + Math.floor(unitHash('phase', s.seed, i) * s.everyMs); t < start + durationMs; t += s.everyMs) times.push(t);
  }
  return times.sort((a, b) => a - b);
}

/** One Prometheus scraping every 15 s from `start` for `durationMs`. */
const every15s = (start: number, durationMs: number) => Array.from({ length: Math.ceil(durationMs / 15_000) }, (_, i) => start + i * 15_000);

/** Scrapes at each of `times` on the fake clock, as Prometheus does: without waiting for the last scrape. */
async function scrapeAt(clock: ManualClock, scheduler: Scheduler, times: readonly number[]): Promise<void> {
  for (const t of times) {
    await clock.advance(t - clock.now());
    void scheduler.collect(5_000);
  }
}

/** A fake source whose refreshes take `latencyMs` of fake time and record when each began, by key. */
function slowSource(clock: ManualClock, keys: string[], latencyMs = 3_000) {
  const started = new Map<string, number[]>(keys.map((k) => [k, []]));
  const source = new FakeSource({
    keys,
    refresher: async (key) => {
      started.get(key)!.push(clock.now());
      await sleep(clock, latencyMs);
      return [sample({ key }, 1)];
    },
  });
  return { source, started };
}

/** Tracks whether a promise has settled, without awaiting it. */
function settled(p: Promise<unknown>): () => boolean {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

describe('scheduler', () => {
  it('serves 10 concurrent scrapes from exactly 1 upstream fetch', async () => {
    const upstream = deferred<Sample[]>();
    const source = new FakeSource({ refresher: () => upstream.promise });
    const { scheduler } = setup(source);
    const scrapes = Array.from({ length: 10 }, () => scheduler.collect(5_000));
    await flushMicrotasks();
    upstream.resolve([sample({ room: 'r1' }, 7)]);
    const pages = await Promise.all(scrapes);
    assert.equal(source.refreshes, 1);
    assert.equal(source.listings, 1);
    for (const p of pages) assert.match(p.text, /^test_value\{room="r1"\} 7$/m);
  });

  it('answers a scrape by its deadline with the last good data when the upstream is slow', async () => {
    let value = 1;
    const hang = deferred<Sample[]>();
    const source = new FakeSource({ refresher: async () => (value === 1 ? [sample({}, value)] : hang.promise) });
    const { clock, scheduler } = setup(source);
    await scheduler.collect(5_000);
    value = 2;
    await clock.advance(60_000); // data is now stale
    const scrape = scheduler.collect(1_500);
    const done = settled(scrape);
    await clock.advance(1_499);
    assert.equal(done(), false, 'returned before its deadline');
    await clock.advance(1);
    assert.equal(done(), true, 'still waiting after its deadline');
    assert.match((await scrape).text, /^test_value 1$/m);
    assert.equal(source.refreshes, 2);
  });

  it('keeps the last good data through failures and backs off exponentially with no retry storm', async () => {
    let fail = false;
    const source = new FakeSource({
      refresher: async () => {
        if (fail) throw new UpstreamError({ outcome: 'server_error', message: 'HTTP 500', status: 500, code: 'RTC.00002001', requestId: 'req-42' });
        return [sample({}, 3)];
      },
    });
    const { clock, scheduler, runner, log } = setup(source);
    await scheduler.collect(1_000);
    fail = true;
    await clock.advance(60_000);
    const page = await scheduler.collect(1_000);
    assert.match(page.text, /^test_value 3$/m, 'last good data lost on failure');
    assert.equal(runner.status().up, false);
    assert.equal(source.refreshes, 2);
    const line = log.records().find((r) => r.msg === 'refresh failed: HTTP 500');
    assert.ok(line, 'no log line for the failed refresh');
    assert.equal(line.status, 500);
    assert.equal(line.code, 'RTC.00002001');
    assert.equal(line.request_id, 'req-42');
    assert.equal(line.source, 'fake');
    // One JSON object per line, each key once (pino writes a child binding and a same-named field twice).
    for (const raw of log.lines) assert.deepEqual(duplicateKeys(raw), [], raw);

    // Back-off: 10 s, then 20 s, then 40 s; 100 scrapes in between cost nothing upstream.
    for (const waitS of [10, 20, 40]) {
      const before: number = source.refreshes;
      for (let s = 0; s < waitS - 1; s++) {
        await clock.advance(1_000);
        await Promise.all(Array.from({ length: 3 }, () => scheduler.collect(0)));
      }
      assert.equal(source.refreshes, before, `retried before ${waitS} s of back-off`);
      await clock.advance(1_000);
      await scheduler.collect(1_000);
      assert.equal(source.refreshes, before + 1, `no retry after ${waitS} s of back-off`);
    }

    fail = false;
    await clock.advance(80_000);
    await scheduler.collect(1_000);
    assert.equal(runner.status().up, true);
  });

  it('waits the longest back-off after an authentication failure, and longer if the vendor asks', async () => {
    const source = new FakeSource({
      refresher: async () => {
        throw new UpstreamError({ outcome: 'auth_error', message: 'bad credentials', status: 401 });
      },
    });
    const { clock, scheduler } = setup(source);
    await scheduler.collect(1_000);
    await clock.advance(299_000);
    await scheduler.collect(0);
    assert.equal(source.refreshes, 1);
    await clock.advance(1_000);
    await scheduler.collect(0);
    assert.equal(source.refreshes, 2);

    const throttled = new FakeSource({
      refresher: async () => {
        throw new UpstreamError({ outcome: 'throttled', message: 'slow down', status: 429, retryAfterMs: 120_000 });
      },
    });
    const t = setup(throttled);
    await t.scheduler.collect(1_000);
    await t.clock.advance(119_000);
    await t.scheduler.collect(0);
    assert.equal(throttled.refreshes, 1, 'retried before the wait the vendor asked for');
    await t.clock.advance(1_000);
    await t.scheduler.collect(0);
    assert.equal(throttled.refreshes, 2);
  });

  it('removes the series of a key that left the list, and series a key no longer reports', async () => {
    const source = new FakeSource({ keys: ['room-a', 'room-b'] });
    source.refresher = async (key) =>
      key === 'room-a' ? [sample({ room: key, uid: '1' }, 1), sample({ room: key, uid: '2' }, 1)] : [sample({ room: key, uid: '9' }, 1)];
    const { clock, scheduler, metrics } = setup(source);
    let text = (await scheduler.collect(1_000)).text;
    assert.match(text, /room="room-b"/);
    assert.match(text, /uid="2"/);

    source.keys = ['room-a'];
    source.refresher = async (key) => [sample({ room: key, uid: '1' }, 1)];
    await clock.advance(300_000);
    text = (await scheduler.collect(1_000)).text;
    assert.doesNotMatch(text, /room-b/);
    assert.doesNotMatch(text, /uid="2"/);
    assert.match(text, /uid="1"/);
    const series = await metrics.series.get();
    assert.equal(series.values[0]?.value, 1);
  });

  it('refreshes each key once per refresh_interval, the same number of times an hour for 1, 2 or 10 scrapers at any phases', async () => {
    const counts = new Map<string, number[]>();
    const steps = new Map<string, number[]>();
    for (const scrapers of SCRAPER_SETS) {
      const clock = new ManualClock();
      const { source, started } = slowSource(clock, ['room-a', 'room-b']);
      const { scheduler } = setup(source, clock);
      const start = clock.now();
      await scrapeAt(clock, scheduler, scrapeTimes(scrapers, start, HOUR));
      await clock.advance(start + HOUR - clock.now());
      counts.set(
        scrapers.label,
        [...started.values()].map((times) => times.length),
      );
      for (const [key, times] of started)
        steps.set(
          `${scrapers.label}, ${key}`,
          // A refresh comes less than a scrape interval after its grid point: rounding finds its step.
          times.map((t) => Math.round((t - times[0]!) / 60_000)),
        );
    }
    const one = counts.get(SCRAPER_SETS[0]!.label)!;
    assert.ok(Math.abs(one[0]! - HOUR / 60_000) <= 1, `${one[0]} refreshes an hour, not one every 60 s`);
    for (const [label, n] of counts) assert.deepEqual(n, one, `${label}: ${n.join(', ')} refreshes vs ${one.join(', ')} for 1 scraper every 15 s`);
    // One refresh in each step of the key's grid: never two in a step, never a step without one.
    for (const [what, s] of steps)
      assert.deepEqual(
        s,
        s.map((_, i) => i),
        `${what}: refreshes in grid steps ${s.join(' ')}`,
      );
  });

  it('keeps the grid through scrapes that come a few milliseconds early or late', async () => {
    const clock = new ManualClock();
    const { source, started } = slowSource(clock, ['k1']);
    const { scheduler } = setup(source, clock);
    const start = clock.now();
    const jittered = every15s(start, HOUR).map((t, i) => (i === 0 ? t : t + Math.round((unitHash('jitter', i) - 0.5) * 20)));
    await scrapeAt(clock, scheduler, jittered);
    const times = started.get('k1')!;
    assert.equal(times.length, 60);
    for (const [i, t] of times.entries()) assert.ok(Math.abs(t - times[0]! - i * 60_000) <= 10, `refresh ${i} at ${(t - times[0]!) / 1000} s`);
  });

  it('keeps the grid through a failure: the retry after back-off does not move the next refresh', async () => {
    let fail = false;
    const refreshedAt: number[] = [];
    const clock = new ManualClock();
    const source = new FakeSource({
      refresher: async () => {
        refreshedAt.push(clock.now());
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
        return [sample({}, 1)];
      },
    });
    const { scheduler } = setup(source, clock);
    const start = clock.now();
    await scrapeAt(clock, scheduler, every15s(start, 45_000));
    fail = true;
    await scrapeAt(clock, scheduler, every15s(start + 45_000, 150_000));
    // Fails at 60 s, retried after the 10 s back-off at the next scrape (75 s), then on the grid again.
    assert.deepEqual(
      refreshedAt.map((t) => (t - start) / 1000),
      [0, 60, 75, 120, 180],
    );
  });

  it('requests nothing while nobody scrapes', async () => {
    const clock = new ManualClock();
    const { source, started } = slowSource(clock, ['k1']);
    const { scheduler } = setup(source, clock);
    void scheduler.collect(5_000);
    await clock.advance(HOUR);
    assert.equal(started.get('k1')!.length, 1);
    assert.equal(source.listings, 1);
  });

  it('refreshes a key that sets its own pace (refreshAtMs) at those times whatever the scrapers, the others on their grid', async () => {
    const SLOT_MS = 100_000;
    const slotsOf = new Map<string, number[]>();
    for (const scrapers of SCRAPER_SETS) {
      const clock = new ManualClock();
      const start = clock.now();
      const { source, started } = slowSource(clock, ['room', 'app-summary']);
      // Its own slots, 7 s past each 100 s of the clock: between scrapes of the 15-s grid.
      source.refreshAtMs = { 'app-summary': () => nextGridPoint(7_000, SLOT_MS, clock.now()) };
      const { scheduler } = setup(source, clock);
      await scrapeAt(clock, scheduler, scrapeTimes(scrapers, start, HOUR));
      const [first, ...later] = started.get('app-summary')!;
      // Read in every slot from the first after the first read to the end of the hour, within a scrape interval of it.
      const slots = later.map((t) => nextGridPoint(7_000, SLOT_MS, t) - SLOT_MS);
      const expected: number[] = [];
      for (let slot = nextGridPoint(7_000, SLOT_MS, first!); slot < start + HOUR; slot += SLOT_MS) expected.push(slot);
      assert.deepEqual(slots, expected, scrapers.label);
      for (const [i, t] of later.entries()) assert.ok(t - slots[i]! < scrapers.everyMs, `${scrapers.label}: read ${(t - slots[i]!) / 1000} s after its slot`);
      slotsOf.set(
        scrapers.label,
        slots.filter((slot) => slot > start + SLOT_MS),
      );
      assert.ok(Math.abs(started.get('room')!.length - HOUR / 60_000) <= 1, `${scrapers.label}: room every 60 s`);
    }
    const [one, ...others] = [...slotsOf.values()];
    for (const [i, slots] of others.entries()) assert.deepEqual(slots, one, SCRAPER_SETS[i + 1]!.label);
  });

  it('asks for a key never read as if read an hour before it was listed: new keys before those read in the last hour, not before older ones', async () => {
    const priorities = new Map<string, number>();
    const source = new FakeSource({
      keys: ['old'],
      refresher: async (key, ctx) => {
        priorities.set(key, typeof ctx.priority === 'function' ? ctx.priority() : ctx.priority);
        return [sample({ key }, 1)];
      },
    });
    const { clock, scheduler } = setup(source);
    await scheduler.collect(1_000);
    const oldReadAt = clock.now();
    source.keys = ['old', 'new'];
    await clock.advance(300_000); // the key list is read again: 'new' appears
    await scheduler.collect(1_000);
    const listedAt = clock.now();
    assert.equal(priorities.get('old'), oldReadAt, 'a key read before waits by the age of its data');
    assert.equal(priorities.get('new'), listedAt - NEW_KEY_LEAD_MS, 'a new key goes before keys read in the last hour');
  });

  it('reports the age of the oldest data it serves', async () => {
    let fail = false;
    const source = new FakeSource({
      keys: ['a', 'b'],
      refresher: async (key) => {
        if (fail && key === 'b') throw new Error('boom');
        return [sample({ key }, 1)];
      },
    });
    const { clock, scheduler, runner } = setup(source);
    await scheduler.collect(1_000);
    assert.equal(runner.status().dataAgeSeconds, 0);
    fail = true;
    await clock.advance(90_000);
    await scheduler.collect(1_000);
    // a was refreshed now; b failed, so the oldest data served is b's, from t=0.
    assert.equal(runner.status().dataAgeSeconds, 90);
    await clock.advance(5_000);
    assert.equal(runner.status().dataAgeSeconds, 95);
  });

  it('becomes ready once the first key listing was tried, even when it failed', async () => {
    const source = new FakeSource();
    source.listKeys = async () => {
      throw new Error('discovery down');
    };
    const { scheduler } = setup(source);
    assert.equal(
      scheduler.status().every((s) => s.ready),
      false,
    );
    await scheduler.collect(1_000);
    assert.equal(
      scheduler.status().every((s) => s.ready),
      true,
    );
  });

  it("keeps a failing key's last error, masked, with its time and failures in a row, until a success clears it", async () => {
    const credential = 'sk-4f9a1c7e2b8d';
    let answer: string | undefined = `401: bad signature for key ${credential}`;
    const source = new FakeSource({
      keys: ['a', 'b'],
      refresher: async (key) => {
        if (key === 'b' && answer) throw new UpstreamError({ outcome: 'auth_error', message: answer });
        return [sample({ key }, 1)];
      },
    });
    const clock = new ManualClock();
    const { scheduler, runner } = fakeRunner(source, clock, { secrets: new SecretRegistry([credential]) });
    const firstAt = clock.now();
    await scheduler.collect(1_000);
    let status = runner.status();
    assert.equal(status.failing, 1);
    assert.deepEqual(status.keyErrors, [{ key: 'b', message: '401: bad signature for key [REDACTED]', atMs: firstAt, ageSeconds: 0, failures: 1 }]);

    answer = '503: upstream busy';
    await clock.advance(300_000); // past the longest back-off
    await scheduler.collect(1_000);
    await clock.advance(15_000);
    status = runner.status();
    assert.deepEqual(status.keyErrors, [{ key: 'b', message: '503: upstream busy', atMs: firstAt + 300_000, ageSeconds: 15, failures: 2 }]);

    answer = undefined;
    await clock.advance(300_000);
    await scheduler.collect(1_000);
    status = runner.status();
    assert.equal(status.failing, 0);
    assert.deepEqual(status.keyErrors, []);
    assert.equal(status.up, true);
  });

  it('returns the errors of the 20 newest failures only, while counting every failing key', async () => {
    const clock = new ManualClock();
    const keys = Array.from({ length: 200 }, (_, i) => `room-${String(i).padStart(3, '0')}`);
    // Each key fails after as many milliseconds as its number, in shuffled order of listing.
    const source = new FakeSource({
      keys: [...keys].sort((x, y) => unitHash('order', x) - unitHash('order', y)),
      refresher: async (key) => {
        await sleep(clock, Number(key.slice(5)));
        throw new Error(`no such room ${key}`);
      },
    });
    const { scheduler, runner } = fakeRunner(source, clock);
    const done = scheduler.collect(1_000);
    await clock.advance(1_000);
    await done;
    const status = runner.status();
    assert.equal(status.failing, 200);
    assert.equal(status.keyErrors.length, MAX_KEY_ERRORS);
    assert.deepEqual(
      status.keyErrors.map((e) => e.key),
      keys.slice(-MAX_KEY_ERRORS).reverse(),
      'newest first',
    );
    assert.equal(status.keyErrors[0]!.message, 'no such room room-199');
  });

  it('says why the key list failed, until a listing succeeds', async () => {
    const source = new FakeSource();
    const listKeys = source.listKeys.bind(source);
    source.listKeys = async () => {
      throw new Error('discovery down');
    };
    const clock = new ManualClock();
    const { scheduler, runner } = fakeRunner(source, clock);
    await scheduler.collect(1_000);
    assert.equal(runner.status().keyListError?.message, 'discovery down');
    assert.equal(runner.status().up, false);
    source.listKeys = listKeys;
    await clock.advance(300_000);
    await scheduler.collect(1_000);
    assert.equal(runner.status().keyListError, undefined);
    assert.equal(runner.status().up, true);
  });
});

/** Top-level keys that appear more than once in one JSON object text. */
function duplicateKeys(json: string): string[] {
  const seen = new Set<string>();
  const dupes: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const token = json.slice(i + 1, j);
      if (depth === 1 && json[j + 1] === ':') {
        if (seen.has(token)) dupes.push(token);
        seen.add(token);
      }
      i = j;
    }
  }
  return dupes;
}
