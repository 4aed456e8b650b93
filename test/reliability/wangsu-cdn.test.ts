// wangsu_cdn through every fault kind the suite knows: socket faults from a
// fault server in front of the simulator, the vendor's own error answers, and
// answers of the right shape with unusable data.
import assert from 'node:assert/strict';
import { faultServer } from '../../src/sim/fault-server.js';
import { ManualClock } from '../../src/sim/manual-clock.js';
import { THROTTLE_CODE } from '../../src/sources/wangsu-cdn/errors.js';
import { apiKeyAuth, buildSource, startSim } from '../../src/sources/wangsu-cdn/sim/drive.js';
import { formatSliceTime } from '../../src/sources/wangsu-cdn/time.js';
import { CORE, REQUEST_TIMEOUT, TRANSPORT_FAULTS, faultTable, type Env, type FaultCase } from './driver.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const DOMAIN = 'a.example';
const BANDWIDTH = 'wangsu_live_stream_bandwidth_bytes_per_second';

interface WangsuEnv extends Env {
  sim: Awaited<ReturnType<typeof startSim>>['sim'];
}

async function setup(config: Record<string, unknown> = {}): Promise<WangsuEnv> {
  const clock = new ManualClock(T0);
  const sim = await startSim({ clock, model: { seed: 3, liveRatio: 1, watchedRatio: 1, domains: [{ domain: DOMAIN, streams: ['live/s1', 'live/s2'] }] } });
  const fs = await faultServer(sim.url);
  const h = buildSource(
    {
      endpoint: fs.url,
      auth: apiKeyAuth,
      domains: [{ domain: DOMAIN }],
      // One request per refresh: each queued fault meets exactly one refresh.
      data_types: ['bandwidth'],
      request_timeout: REQUEST_TIMEOUT,
      budget: { throttle_pause_min: '20s', throttle_pause_max: '20s' },
      ...config,
    },
    clock,
    { core: CORE },
  );
  const close = async () => {
    await h.close();
    await fs.close();
    await sim.close();
  };
  try {
    await h.runScrapes(5 * 60_000, 60_000);
    const good = h.scheduler.exposition().text;
    assert.equal(h.runner.status().up, true, `warm-up failed: ${JSON.stringify(h.log.records())}`);
    assert.match(good, new RegExp(`^${BANDWIDTH}\\{`, 'm'));
    return { h, fs, sim: sim.sim, good, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A slice `minutesAgo` before the newest settled one (delay 15 m), in the source's zone (GMT+08:00). */
const slice = (env: Env, minutesAgo: number, value: unknown) => ({
  timestamp: formatSliceTime(Math.floor((env.h.clock.now() - 15 * 60_000) / 60_000) * 60_000 - minutesAgo * 60_000, 480),
  value,
});
const answer = (streams: Array<{ stream: string; detailList: unknown }>) => ({
  answer: { code: '0', message: 'success', data: [{ domain: DOMAIN, domainOfStreamList: streams }] },
});
const vendorError = (status: number, code: string, message: string) => ({ answer: { status, body: JSON.stringify({ code, message }) } });

const CASES: FaultCase<WangsuEnv>[] = [
  ...TRANSPORT_FAULTS,
  { name: '5xx burst then recovery', times: 3, inject: ({ sim }) => sim.injectFault('server_error', 3), expect: { up: false, outcome: 'server_error' } },
  { name: 'HTML 502 from a proxy', inject: ({ sim }) => sim.injectFault('html'), expect: { up: false, outcome: 'server_error' } },
  { name: `throttled: 446 ${THROTTLE_CODE}`, inject: ({ sim }) => sim.injectFault('throttle'), expect: { up: false, outcome: 'throttled' } },
  {
    name: `throttled: 429 ${THROTTLE_CODE}`,
    inject: ({ fs }) => fs.faults.push(vendorError(429, THROTTLE_CODE, 'The request is too frequent, please try again later.')),
    expect: { up: false, outcome: 'throttled' },
  },
  {
    name: 'malformed JSON',
    inject: ({ fs }) => fs.faults.push({ answer: { status: 200, body: '{"code": "0", "data": [{"domain": ' } }),
    expect: { up: false, outcome: 'invalid_response' },
  },
  { name: 'wrong types', inject: ({ sim }) => sim.injectFault('malformed'), expect: { up: false, outcome: 'invalid_response' } },
  {
    name: '401 InvalidSignature',
    inject: ({ fs }) => fs.faults.push(vendorError(401, 'InvalidSignature', 'user unknown or password does not match')),
    expect: { up: false, outcome: 'auth_error' },
  },
  { name: '403 forbidden', inject: ({ fs }) => fs.faults.push(vendorError(403, 'Forbidden', 'access denied')), expect: { up: false, outcome: 'auth_error' } },
  {
    name: 'clock skew RequestTimeTooSkewed',
    inject: ({ fs }) => fs.faults.push(vendorError(401, 'RequestTimeTooSkewed', 'Date differs from server time by more than 5 minutes')),
    expect: { up: false, outcome: 'auth_error' },
  },
  {
    name: 'answer without its data ({"data": null})',
    inject: ({ sim }) => sim.injectFault({ answer: { code: '0', message: 'success', data: null } }),
    expect: { up: false, outcome: 'invalid_response' },
  },
  {
    name: 'no usable slice (bad times)',
    inject: (env) => env.sim.injectFault(answer([{ stream: 'live/s1', detailList: [{ timestamp: 'yesterday', value: '1.00' }] }])),
    expect: { up: false, outcome: 'invalid_response', dropped: 'bad_time' },
  },
  {
    name: 'partly unusable (negative, not a number)',
    inject: (env) =>
      env.sim.injectFault(
        answer([{ stream: 'live/s1', detailList: [slice(env, 0, '1.50'), slice(env, 1, '-3.00'), slice(env, 2, 'NaN'), slice(env, 3, null)] }]),
      ),
    // The design keeps up 1: the usable slices are used, the rest counted.
    expect: { up: true, dropped: 'bad_value' },
  },
  {
    name: 'duplicate and conflicting series',
    inject: (env) =>
      env.sim.injectFault(
        answer([
          { stream: 'live/dup', detailList: [slice(env, 0, '1.00')] },
          { stream: 'live/dup', detailList: [slice(env, 0, '2.00')] },
          // Names that differ only in a lone surrogate are one stream once well-formed.
          { stream: 'live/x\uD800', detailList: [slice(env, 0, '3.00')] },
          { stream: 'live/x\uFFFD', detailList: [slice(env, 0, '4.00')] },
        ]),
      ),
    // up stays 1: one series per stream on the page.
    expect: { up: true },
    check: (page) => {
      const lines = page.split('\n').filter((l) => l.startsWith(`${BANDWIDTH}{`));
      assert.equal(lines.filter((l) => l.includes('stream="live/dup"')).length, 1);
      assert.equal(lines.filter((l) => l.includes('stream="live/x\uFFFD"')).length, 1);
    },
  },
  {
    name: 'cardinality beyond max_series',
    config: { max_series: 40 },
    inject: (env) => env.sim.injectFault(answer(Array.from({ length: 100 }, (_, i) => ({ stream: `live/many${i}`, detailList: [slice(env, 0, '1.00')] })))),
    // up stays 1: per-stream state is bounded by max_series, the excess evicted and counted.
    expect: { up: true, evicted: true },
    check: (page) => assert.ok(page.split('\n').filter((l) => l.startsWith('wangsu_')).length <= 40),
  },
];

faultTable('wangsu_cdn', CASES, setup);
