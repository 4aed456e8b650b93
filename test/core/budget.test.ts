import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Budget, ConcurrencyLimit, Pause, SlidingWindow } from '../../src/upstream/budget.js';
import { sleep } from '../../src/clock.js';
import { ManualClock, flushMicrotasks } from '../../src/sim/manual-clock.js';
import { FakeSource, fakeRunner, sample } from '../helpers/fakes.js';

/** Largest number of timestamps inside any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('budget', () => {
  it('never exceeds the rate limit or the concurrency cap under 50 concurrent scrapes', async () => {
    const clock = new ManualClock();
    const account = new SlidingWindow(20, 60_000); // shared by every API of the account
    const perApi = new SlidingWindow(10, 60_000);
    const concurrency = new ConcurrencyLimit(3);
    const budget = new Budget(clock, [account, perApi, concurrency]);
    const sent: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const source = new FakeSource({ keys: Array.from({ length: 100 }, (_, i) => `room-${i}`) });
    source.refresher = (key, ctx) =>
      budget.run(
        async () => {
          sent.push(clock.now());
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await sleep(clock, 700); // upstream latency
          inFlight--;
          return [sample({ key }, 1)];
        },
        { priority: ctx.priority, signal: ctx.signal },
      );
    const { scheduler } = fakeRunner(source, clock);
    // 10 simulated minutes: every 15 s, 50 scrapes at once, each waiting up to 10 s.
    for (let t = 0; t < 600_000; t += 15_000) {
      const scrapes = Array.from({ length: 50 }, () => scheduler.collect(10_000));
      await clock.advance(15_000);
      await Promise.all(scrapes);
    }
    assert.ok(maxInWindow(sent, 60_000) <= 10, `rate limit exceeded: ${maxInWindow(sent, 60_000)} in 60 s`);
    assert.ok(maxInFlight <= 3, `concurrency cap exceeded: ${maxInFlight}`);
    // The budget is used, not starved: 10 per minute for 10 minutes.
    assert.ok(sent.length >= 95, `only ${sent.length} requests sent in 10 minutes: ${sent.map((t) => t - sent[0]!).join(' ')}`);
    assert.ok(budget.waiting <= 100, 'queue holds more than one entry per key');
  });

  it('spends a full window at once after idling, then paces a standing queue: an urgent call waits one slot, not a window', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const budget = new Budget(clock, [new SlidingWindow(30, 60_000)]); // places held 61 s: one comes back every 2.03 s
    const sent: number[] = [];
    const routine = Array.from({ length: 200 }, (_, i) => budget.run(async () => void sent.push(clock.now() - t0), { priority: i }));
    await clock.advance(0);
    assert.equal(sent.length, 30, 'the first window goes at once');
    await clock.advance(90_000);
    const late = sent.filter((t) => t >= 61_000);
    const gaps = late.slice(1).map((t, i) => t - late[i]!);
    assert.ok(late.length >= 14 && Math.min(...gaps) >= 2_000, `after the first window, grants are paced: ${gaps.join(', ')}`);
    assert.ok(maxInWindow(sent, 61_000) <= 30);
    // A call that turns urgent now goes at the next paced slot.
    let urgentAt = -1;
    const urgent = budget.run(async () => void (urgentAt = clock.now() - t0), { priority: -1 });
    const from = clock.now() - t0;
    await clock.advance(3_000);
    assert.ok(urgentAt >= 0 && urgentAt - from <= 2_100, `urgent call waited ${urgentAt - from} ms`);
    await clock.advance(600_000);
    await Promise.all([...routine, urgent]);
  });

  it('serves the lowest priority value first (stalest data first)', async () => {
    const clock = new ManualClock();
    const budget = new Budget(clock, [new SlidingWindow(1, 1_000)]);
    const order: string[] = [];
    const run = (name: string, priority: number) => budget.run(async () => void order.push(name), { priority });
    const all = [run('first', 5), run('newest', 300), run('never-refreshed', 0), run('stale', 100)];
    await clock.advance(10_000);
    await Promise.all(all);
    assert.deepEqual(order, ['first', 'never-refreshed', 'stale', 'newest']);
  });

  it('reads a function priority again at each grant: a waiting call can move up the queue', async () => {
    const clock = new ManualClock();
    const budget = new Budget(clock, [new SlidingWindow(1, 1_000)]);
    const order: string[] = [];
    let urgent = false;
    const all = [
      budget.run(async () => void order.push('a'), { priority: 1 }),
      budget.run(async () => void order.push('b'), { priority: 2 }),
      budget.run(async () => void order.push('c'), { priority: 3 }),
      budget.run(async () => void order.push('late-but-urgent'), { priority: () => (urgent ? 0 : 4) }),
      budget.run(async () => void order.push('tie'), { priority: 3 }),
    ];
    await clock.advance(2_500); // 'a' went at once, 'b' when its slot (1 s + 1 s margin) freed
    urgent = true;
    await clock.advance(10_000);
    await Promise.all(all);
    assert.deepEqual(order, ['a', 'b', 'late-but-urgent', 'c', 'tie']);
  });

  it('lets the next waiter go when the head waits only on a gate of its own', async () => {
    const clock = new ManualClock();
    const budget = new Budget(clock, [new SlidingWindow(10, 60_000)]);
    const apiA = new SlidingWindow(1, 60_000);
    const order: string[] = [];
    const a1 = budget.run(async () => void order.push('a1'), { priority: 1, gates: [apiA] });
    const a2 = budget.run(async () => void order.push('a2'), { priority: 2, gates: [apiA] });
    const b = budget.run(async () => void order.push('b'), { priority: 3 });
    await Promise.all([a1, b]);
    assert.deepEqual(order, ['a1', 'b'], 'the second call of api a blocked the queue');
    await clock.advance(61_000);
    await a2;
    assert.deepEqual(order, ['a1', 'b', 'a2']);
  });

  it('holds the queue while its pause gate is closed', async () => {
    const clock = new ManualClock();
    const pause = new Pause();
    const budget = new Budget(clock, [pause]);
    pause.pauseUntil(clock.now() + 30_000);
    let ran = false;
    const p = budget.run(async () => void (ran = true));
    await clock.advance(29_999);
    assert.equal(ran, false);
    await clock.advance(1);
    await p;
    assert.equal(ran, true);
  });

  it('drops an aborted waiter from the queue without running it', async () => {
    const clock = new ManualClock();
    const budget = new Budget(clock, [new ConcurrencyLimit(1)]);
    let release!: () => void;
    const first = budget.run(() => new Promise<void>((r) => (release = r)));
    await flushMicrotasks();
    const abort = new AbortController();
    let ran = false;
    const second = budget.run(async () => void (ran = true), { signal: abort.signal });
    abort.abort(new Error('shutdown'));
    await assert.rejects(second, /shutdown/);
    assert.equal(budget.waiting, 0);
    release();
    await first;
    assert.equal(ran, false);
  });
});
