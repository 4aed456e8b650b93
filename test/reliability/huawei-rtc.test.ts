// huawei_rtc through every fault kind the suite knows: socket faults from a
// fault server in front of the simulator, the vendor's own error answers, and
// answers of the right shape with unusable data.
import assert from 'node:assert/strict';
import { faultServer, type FaultServer } from '../../src/sim/fault-server.js';
import { huaweiSetup, ROOMS_ONLY } from '../../src/sources/huawei-rtc/sim/drive.js';
import { CORE, REQUEST_TIMEOUT, TRANSPORT_FAULTS, faultTable, type Env, type FaultCase } from './driver.js';

const WORLD = { world: { seed: 5, apps: 1, roomsPerApp: 1, maxUsers: 2, cycleMs: 86_400_000, openMs: 86_000_000 } };

interface HuaweiEnv extends Env {
  sim: Awaited<ReturnType<typeof huaweiSetup>>['sim'];
  roomId: string;
}

async function setup(config: Record<string, unknown> = {}): Promise<HuaweiEnv> {
  const fs: FaultServer = await faultServer();
  const h = await huaweiSetup({
    sim: WORLD,
    core: CORE,
    // No room listing during a row: every request of a refresh is a qos/details one. The
    // app-level APIs go through the same transport and classification (tested in app-level.test).
    config: (url) => {
      fs.setTarget(url);
      return {
        ...ROOMS_ONLY,
        endpoint: fs.url,
        discovery_interval: '1h',
        request_timeout: REQUEST_TIMEOUT,
        budget: { throttle_pause_min: '20s', throttle_pause_max: '20s' },
        ...config,
      };
    },
  }).catch(async (err: unknown) => {
    await fs.close();
    throw err;
  });
  await h.clock.advance(30 * 60_000);
  await h.settle(h.scheduler.collect(10_000));
  const good = h.scheduler.exposition().text;
  assert.equal(h.runner.status().up, true, `warm-up failed: ${JSON.stringify(h.log.records())}`);
  assert.match(good, /^huaweicloud_rtc_audio_jitter_seconds/m);
  return {
    h,
    fs,
    sim: h.sim,
    good,
    roomId: /room_id="([^"]+)"/.exec(good)![1]!,
    close: async () => {
      await h.close();
      await fs.close();
    },
  };
}

const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const entry = (uid: string, mid: string, data: unknown, peerid = '0') => ({ uid, peerid, mid, data });
const vendorError = (status: number, code: string, msg: string) => ({ answer: { status, body: JSON.stringify({ error_code: code, error_msg: msg }) } });

const CASES: FaultCase<HuaweiEnv>[] = [
  ...TRANSPORT_FAULTS,
  { name: '5xx burst then recovery', times: 3, inject: ({ sim }) => sim.faults.push('server_error', 3), expect: { up: false, outcome: 'server_error' } },
  { name: 'HTML 502 from a proxy', inject: ({ sim }) => sim.faults.push('html'), expect: { up: false, outcome: 'server_error' } },
  { name: 'throttled: 429 APIGW.0308', inject: ({ sim }) => sim.faults.push('throttle'), expect: { up: false, outcome: 'throttled' } },
  { name: 'malformed JSON', inject: ({ sim }) => sim.faults.push('malformed'), expect: { up: false, outcome: 'invalid_response' } },
  {
    name: 'wrong types',
    inject: ({ sim, roomId }) => sim.faults.push({ answer: { room_id: roomId, data: [{ uid: 'u', peerid: '0', mid: 7, data: 'soon' }] } }),
    expect: { up: false, outcome: 'invalid_response' },
  },
  {
    name: '{"data": null}',
    inject: ({ sim, roomId }) => sim.faults.push({ answer: { room_id: roomId, data: null } }),
    expect: { up: false, outcome: 'invalid_response' },
  },
  {
    name: '401 APIGW.0301',
    inject: ({ fs }) => fs.faults.push(vendorError(401, 'APIGW.0301', 'Incorrect IAM authentication information')),
    expect: { up: false, outcome: 'auth_error' },
  },
  {
    name: '403 forbidden',
    inject: ({ fs }) => fs.faults.push(vendorError(403, 'APIGW.0306', 'API access denied')),
    expect: { up: false, outcome: 'auth_error' },
  },
  {
    name: 'clock skew APIGW.0303',
    inject: ({ fs }) => fs.faults.push(vendorError(401, 'APIGW.0303', 'the X-Sdk-Date is more than 15 minutes away from the server time')),
    expect: { up: false, outcome: 'auth_error' },
  },
  {
    name: 'no usable point (bad times)',
    inject: ({ sim, roomId, h }) =>
      sim.faults.push({
        answer: {
          room_id: roomId,
          data: [entry('u1', 'ajitter', [{ time: 'yesterday', value: 1 }]), entry('u2', 'aloss', [{ time: at(h.clock.now()), value: -3 }])],
        },
      }),
    expect: { up: false, dropped: 'bad_time' },
  },
  {
    name: 'partly unusable (negative, out of range)',
    inject: ({ sim, roomId, h }) =>
      sim.faults.push({
        answer: {
          room_id: roomId,
          data: [
            entry('u-good', 'ajitter', [{ time: at(h.clock.now()), value: 12 }]),
            entry('u-neg', 'ajitter', [{ time: at(h.clock.now()), value: -5 }]),
            entry('u-loss', 'aloss', [{ time: at(h.clock.now()), value: 250 }]),
          ],
        },
      }),
    // The design keeps up 1: the usable points are exported, the rest counted.
    expect: { up: true, dropped: 'out_of_range' },
    check: (page) => {
      assert.match(page, /uid="u-good"/);
      assert.doesNotMatch(page, /u-neg|u-loss/);
    },
  },
  {
    name: 'duplicate and conflicting series',
    inject: ({ sim, roomId, h }) =>
      sim.faults.push({
        answer: {
          room_id: roomId,
          data: [
            entry('u-dup', 'ajitter', [{ time: at(h.clock.now() - 60_000), value: 10 }]),
            entry('u-dup', 'ajitter', [{ time: at(h.clock.now()), value: 20 }]),
            // Ids that differ only in a lone surrogate are one series once well-formed.
            entry('u-\uD800', 'ajitter', [{ time: at(h.clock.now()), value: 30 }]),
            entry('u-\uFFFD', 'ajitter', [{ time: at(h.clock.now() - 60_000), value: 40 }]),
          ],
        },
      }),
    // up stays 1: one series per id, the newest point wins.
    expect: { up: true },
    check: (page) => {
      const lines = page.split('\n').filter((l) => l.startsWith('huaweicloud_rtc_audio_jitter_seconds{'));
      assert.deepEqual(
        lines.filter((l) => l.includes('uid="u-dup"')).map((l) => l.split(' ')[1]),
        ['0.02'],
      );
      assert.deepEqual(
        lines.filter((l) => l.includes('uid="u-\uFFFD"')).map((l) => l.split(' ')[1]),
        ['0.03'],
      );
    },
  },
  {
    name: 'cardinality beyond max_series',
    config: { max_series: 150 },
    inject: ({ sim, roomId, h }) =>
      sim.faults.push({
        answer: { room_id: roomId, data: Array.from({ length: 400 }, (_, i) => entry(`u${i}`, 'ajitter', [{ time: at(h.clock.now()), value: 5 }])) },
      }),
    // up stays 1: the excess is dropped and counted.
    expect: { up: true, seriesDropped: true },
    check: (page) => assert.ok(page.split('\n').filter((l) => l.startsWith('huaweicloud_')).length <= 150),
  },
];

faultTable('huawei_rtc', CASES, setup);
