import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { batchCovers, planBatches } from '../../../src/sources/wangsu-cdn/batching.js';
import { DETAIL_PATH, STREAM_LIST_PATH } from '../../../src/sources/wangsu-cdn/client.js';
import { apiKeyAuth, buildSource, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';
import { runScrapes, settle } from '../../../src/sim/drive.js';

const LIMITS = { maxGroups: 20, maxStreams: 2000 };
const streams = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => `live/${prefix}${i}`);

describe('wangsu batching', () => {
  it('knows what a request asked for, so answers about anything else are dropped', () => {
    const [batch] = planBatches([{ domain: 'all.example' }, { domain: 'some.example', streams: ['live/a', 'live/b'] }], LIMITS);
    const covers = batchCovers(batch!);
    assert.equal(covers('all.example', 'live/anything'), true);
    assert.equal(covers('some.example', 'live/a'), true);
    assert.equal(covers('some.example', 'live/c'), false, 'a stream the request did not list');
    assert.equal(covers('other.example', 'live/a'), false, 'a domain the request did not name');
  });

  it('puts at most 20 domain groups in a request', () => {
    const batches = planBatches(
      Array.from({ length: 45 }, (_, i) => ({ domain: `d${i}.example` })),
      LIMITS,
    );
    assert.deepEqual(
      batches.map((b) => b.groups.length),
      [20, 20, 5],
    );
    assert.equal(batches[0]!.key, Array.from({ length: 20 }, (_, i) => `d${i}.example`).join(','));
  });

  it('splits a domain into groups of at most 2000 streams, each in its own request', () => {
    const batches = planBatches([{ domain: 'big.example', streams: streams(4500) }, { domain: 'small.example' }], LIMITS);
    assert.equal(batches.length, 3);
    for (const b of batches) {
      const domains = b.groups.map((g) => g.domain);
      assert.equal(new Set(domains).size, domains.length, 'a domain twice in one request');
      for (const g of b.groups) assert.ok((g.streams?.length ?? 0) <= 2000);
    }
    assert.deepEqual(
      batches.map((b) => b.groups.find((g) => g.domain === 'big.example')?.streams?.length),
      [2000, 2000, 500],
    );
    assert.match(batches[0]!.key, /^big\.example,small\.example#[0-9a-f]{10}$/);
  });

  it('keeps the keyword of each domain in requests of its own', () => {
    const batches = planBatches([{ domain: 'a.example' }, { domain: 'b.example', keyword: '^live/' }, { domain: 'c.example' }], LIMITS);
    assert.deepEqual(
      batches.map((b) => [b.keyword, b.groups.map((g) => g.domain)]),
      [
        [undefined, ['a.example', 'c.example']],
        ['^live/', ['b.example']],
      ],
    );
  });

  it('is deterministic: the same plan gives the same keys', () => {
    const plan = [{ domain: 'x.example', streams: streams(2500) }];
    assert.deepEqual(
      planBatches(plan, LIMITS).map((b) => b.key),
      planBatches(plan, LIMITS).map((b) => b.key),
    );
    assert.notDeepEqual(
      planBatches(plan, LIMITS).map((b) => b.key),
      planBatches([{ domain: 'x.example', streams: streams(2501) }], LIMITS).map((b) => b.key),
    );
  });

  it('lists a domain Wangsu refuses to query whole (24102010) and splits it into requests within the limits', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
    const sim = await startSim({
      clock,
      model: {
        seed: 5,
        liveRatio: 1,
        domains: [
          { domain: 'big.example', streams: streams(4500) },
          { domain: 'small.example', streams: streams(3, 'x') },
        ],
      },
    });
    const src = buildSource(
      { endpoint: sim.url, auth: apiKeyAuth, domains: [{ domain: 'big.example' }, { domain: 'small.example' }], data_types: ['flow'] },
      clock,
    );
    try {
      const { runner, scheduler } = src;
      await settle(clock, runner.kick());
      assert.equal(sim.sim.requests.at(-1)?.code, '24102010');
      assert.ok(src.log.records().some((r) => r.msg?.toString().includes('listed and split at the next key listing')));
      await runScrapes(clock, scheduler, 60_000); // listed at the next scrape, not after key_list_interval
      const lists = sim.sim.requests.filter((r) => r.path === STREAM_LIST_PATH);
      // Wangsu does not say which domain of the refused batch is too big: both are listed, only the big one is split.
      assert.equal(lists.length, 2);
      assert.ok(
        lists.every((r) => r.at - Date.UTC(2026, 10, 22, 12) <= 15_000),
        'listing waited',
      );
      assert.ok(sim.sim.requests.filter((r) => r.code === '24102010').length <= 4);
      assert.equal(runner.status().keys, 3);
      assert.equal(runner.status().up, true);
      const lastRound = sim.sim.requests.filter((r) => r.path === DETAIL_PATH).slice(-3);
      assert.deepEqual(
        lastRound.map((r) => r.status),
        [200, 200, 200],
      );
      const page = scheduler.exposition().text;
      assert.equal(page.match(/^wangsu_live_stream_traffic_bytes\{domain="big\.example"/gm)?.length, 4500);
      assert.equal(page.match(/^wangsu_live_stream_traffic_bytes\{domain="small\.example"/gm)?.length, 3);
    } finally {
      await src.close();
      await sim.close();
    }
  });
});
