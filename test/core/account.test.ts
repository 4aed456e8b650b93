import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { ManualClock, flushMicrotasks } from '../../src/sim/manual-clock.js';
import { SelfMetrics } from '../../src/self-metrics.js';
import { createShard, SINGLE_SHARD, type Shard } from '../../src/shard.js';
import { Account, type AccountLimits } from '../../src/upstream/account.js';
import type { UpstreamError } from '../../src/upstream/api.js';
import type { VendorErrors } from '../../src/upstream/classify.js';

const ORIGIN = 'http://vendor.test';
const VENDOR: VendorErrors = { vendor: 'Vendor', requestIdHeader: 'x-id', read: () => ({}), codes: {} };
const LIMITS: AccountLimits = {
  requests: 6,
  windowMs: 60_000,
  apiRequests: 4,
  apiWindowMs: 60_000,
  concurrency: 2,
  throttlePauseMinMs: 30_000,
  throttlePauseMaxMs: 60_000,
};

function setup(opts: { limits?: AccountLimits; shard?: Shard; random?: () => number } = {}) {
  const clock = new ManualClock();
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  const account = new Account(opts.limits ?? LIMITS, {
    source: 'vendor',
    clock,
    shard: opts.shard ?? SINGLE_SHARD,
    metrics: new SelfMetrics('test'),
    dispatcher: agent,
    random: opts.random ?? (() => 0.5),
  });
  const sent: Array<{ api: string; at: number }> = [];
  const apis = ['a', 'b'].map((name) => account.api({ name, vendor: VENDOR, timeoutMs: 5_000 }));
  const call = (i: number, priority = 0) =>
    apis[i]!.call(
      () => {
        sent.push({ api: i === 0 ? 'a' : 'b', at: clock.now() });
        return { method: 'GET', url: new URL(`${ORIGIN}/x`), headers: {} };
      },
      (res) => res.status,
      { signal: new AbortController().signal, priority },
    );
  return { clock, pool, call, sent };
}

describe('vendor account', () => {
  it('holds each API to its own window and all APIs together to the account window', async () => {
    const { clock, pool, call, sent } = setup();
    pool.intercept({ path: '/x' }).reply(200, '{}').persist();
    const calls = [...Array.from({ length: 6 }, () => call(0)), ...Array.from({ length: 6 }, () => call(1))];
    for (let i = 0; i < 30; i++) await flushMicrotasks(2);
    assert.equal(sent.filter((s) => s.api === 'a').length, 4, 'api a over its own window');
    assert.equal(sent.length, 6, 'the account over its window');
    // Places come back paced (one every 61 s / 6 for the account, 61 s / 4 for an API).
    await clock.advance(61_000 + 6 * 15_250);
    await Promise.all(calls);
    assert.equal(sent.length, 12);
  });

  it('pauses every API of the account when one is throttled, for a pause drawn from the declared range', async () => {
    const { clock, pool, call, sent } = setup({ random: () => 0.25 });
    pool.intercept({ path: '/x' }).reply(429, '{}');
    await assert.rejects(call(0), (e: UpstreamError) => e.outcome === 'throttled' && e.retryAfterMs === 37_500);
    pool.intercept({ path: '/x' }).reply(200, '{}');
    const other = call(1);
    await clock.advance(37_499);
    assert.equal(sent.length, 1, 'the other API went on during the pause');
    await clock.advance(1);
    assert.equal(await other, 200);
  });

  it('keeps one queue for the account: the stalest data goes first, whichever API it needs', async () => {
    const { clock, pool, call, sent } = setup({ limits: { ...LIMITS, requests: 1, apiRequests: undefined } });
    pool.intercept({ path: '/x' }).reply(200, '{}').persist();
    const first = call(0);
    await first;
    const fresh = call(0, 500); // refreshed recently
    const stale = call(1, 100); // older data, other API
    await clock.advance(61_000);
    await Promise.race([fresh, stale]);
    assert.deepEqual(
      sent.map((s) => s.api),
      ['a', 'b'],
    );
    await clock.advance(61_000);
    await Promise.all([fresh, stale]);
  });

  it('takes the shard share of every limit', async () => {
    const { pool, call, sent } = setup({ shard: createShard(1, 2) });
    pool.intercept({ path: '/x' }).reply(200, '{}').persist();
    for (let i = 0; i < 6; i++) void call(i % 2);
    for (let i = 0; i < 30; i++) await flushMicrotasks(2);
    assert.equal(sent.length, 3, 'half of the 6-request account window');
  });
});
