import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { systemClock } from '../../src/clock.js';
import { ManualClock } from '../../src/sim/manual-clock.js';
import { SelfMetrics } from '../../src/self-metrics.js';
import { SINGLE_SHARD } from '../../src/shard.js';
import { Account } from '../../src/upstream/account.js';
import { UpstreamError, type UpstreamResponse } from '../../src/upstream/api.js';
import { z } from 'zod';
import type { VendorErrors } from '../../src/upstream/classify.js';

const ORIGIN = 'http://api.test';
const VENDOR: VendorErrors = { vendor: 'Test cloud', requestIdHeader: 'X-Request-Id', read: () => ({}), codes: {} };

function setup(opts: { maxBodyBytes?: number; clock?: ManualClock; timeoutMs?: number } = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  const metrics = new SelfMetrics('test');
  const clock = opts.clock ?? systemClock;
  const limits = { requests: 1_000, windowMs: 60_000, concurrency: 10, throttlePauseMinMs: 30_000, throttlePauseMaxMs: 30_000 };
  const account = new Account(limits, { source: 'src', clock, shard: SINGLE_SHARD, metrics, dispatcher: agent, random: () => 0 });
  const api = account.api({
    name: 'details',
    vendor: VENDOR,
    timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
  });
  const other = account.api({ name: 'other', vendor: VENDOR, timeoutMs: 30_000 });
  const callWith = <T>(parse: (res: UpstreamResponse) => T) =>
    api.call(() => ({ method: 'GET', url: new URL(`${ORIGIN}/v1/x?a=1`), headers: {} }), parse, { signal: new AbortController().signal });
  const call = () =>
    api.call(
      () => ({ method: 'GET', url: new URL(`${ORIGIN}/v1/x?a=1`), headers: { authorization: 'Bearer SECRET-TOKEN' } }),
      (res) => JSON.parse(res.body) as { ok: boolean },
      { signal: new AbortController().signal },
    );
  const count = async (outcome: string) => (await metrics.apiRequests.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { pool, metrics, other, call, callWith, count };
}

describe('upstream http', () => {
  it('returns the parsed body and counts a success', async () => {
    const { pool, call, count } = setup();
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(200, '{"ok":true}', { headers: { 'x-request-id': 'abc' } });
    assert.deepEqual(await call(), { ok: true });
    assert.equal(await count('success'), 1);
  });

  it('classifies failures with status and request id, and never echoes credentials', async () => {
    const { pool, call, count } = setup();
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(503, 'busy', { headers: { 'x-request-id': 'r-9' } });
    const err = await call().catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.outcome, 'server_error');
    assert.equal(err.status, 503);
    assert.equal(err.requestId, 'r-9');
    assert.equal(err.api, 'details');
    assert.doesNotMatch(JSON.stringify({ ...err, message: err.message }), /SECRET-TOKEN/);
    assert.equal(await count('server_error'), 1);
  });

  it('reports a body that is not what the parser expects as invalid_response', async () => {
    const { pool, call, count } = setup();
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(200, '<html>proxy error</html>');
    await assert.rejects(call(), (e: UpstreamError) => e.outcome === 'invalid_response');
    assert.equal(await count('invalid_response'), 1);
  });

  it('sums up a body of the wrong shape on one line', async () => {
    const { pool, callWith } = setup();
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(200, '{"data":[{"uid":1},{"uid":null}],"total":"x"}');
    const shape = z.object({ data: z.array(z.object({ uid: z.string() })), total: z.number() });
    const err = (await callWith((res) => shape.parse(JSON.parse(res.body))).catch((e: unknown) => e)) as UpstreamError;
    assert.equal(err.outcome, 'invalid_response');
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, /^unexpected response body: data\.0\.uid: .+; data\.1\.uid: .+; total: .+$/);
  });

  it('refuses a body over the cap', async () => {
    const { pool, call } = setup({ maxBodyBytes: 1024 });
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(200, 'x'.repeat(4096));
    await assert.rejects(call(), (e: UpstreamError) => e.outcome === 'invalid_response' && /larger than 1024/.test(e.message));
  });

  it('pauses every API of the account on a throttle answer, and counts it', async () => {
    const clock = new ManualClock();
    const { pool, call, metrics, other } = setup({ clock });
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(429, '{}');
    await assert.rejects(call(), (e: UpstreamError) => e.outcome === 'throttled' && e.retryAfterMs === 30_000);
    assert.equal((await metrics.apiThrottled.get()).values.find((v) => v.labels.api === 'details')?.value, 1);
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(200, '{"ok":true}');
    let ran = false;
    const next = other.call(
      () => ({ method: 'GET', url: new URL(`${ORIGIN}/v1/x?a=1`), headers: {} }),
      () => void (ran = true),
      { signal: new AbortController().signal },
    );
    await clock.advance(29_000);
    assert.equal(ran, false, 'queue not paused after a throttle answer');
    await clock.advance(1_000);
    await next;
    assert.equal(ran, true);
  });

  it('gives up on an upstream slower than its deadline, as timeout', async () => {
    const { pool, call, count } = setup({ timeoutMs: 50 });
    pool.intercept({ path: '/v1/x?a=1', method: 'GET' }).reply(200, '{"ok":true}').delay(2_000);
    await assert.rejects(call(), (e: UpstreamError) => e.outcome === 'timeout' && /within 50 ms/.test(e.message));
    assert.equal(await count('timeout'), 1);
  });

  it('reports a network failure as network_error', async () => {
    const { call } = setup();
    // No interceptor and no network: the mock agent refuses the connection.
    await assert.rejects(call(), (e: UpstreamError) => e.outcome === 'network_error');
  });
});
