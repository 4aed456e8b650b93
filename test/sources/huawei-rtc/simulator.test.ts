// The simulator must refuse what the real gateway refuses, or tests prove nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { HuaweiRtcSimulator } from '../../../src/sources/huawei-rtc/sim/simulator.js';
import { START, signedGet } from '../../../src/sources/huawei-rtc/sim/drive.js';

const clock = new ManualClock(START);
const sim = new HuaweiRtcSimulator({
  clock,
  world: { seed: 9, apps: 1, roomsPerApp: 2, maxUsers: 3, cycleMs: 86_400_000, openMs: 86_000_000 },
  rateLimitPerMinute: 30,
});
let base = '';
let close: () => Promise<void>;

async function get(path: string, query: string, opts: { at?: number; secretKey?: string; tamper?: (u: URL) => void } = {}) {
  const { url, headers } = signedGet(sim, base, path, query, opts.at ?? clock.now(), opts.secretKey);
  opts.tamper?.(url);
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) as Record<string, unknown>, requestId: res.headers['x-request-id'] };
}

const room = () => sim.world.runningRooms(sim.world.appIds()[0]!, clock.now())[0]!;
const qos = (extra = '') => `app_id=${room().appId}&room_id=${room().roomId}&mid=all&start_time=2026-11-22T11:50:00Z&end_time=2026-11-22T12:00:00Z${extra}`;

describe('huawei_rtc simulator', () => {
  before(async () => {
    ({ url: base, close } = await sim.listen());
  });
  after(() => close());

  it('accepts a correctly signed request and answers with a request id', async () => {
    const res = await get('client/qos/details', qos());
    assert.equal(res.status, 200);
    assert.equal(res.body.room_id, room().roomId);
    assert.ok(Array.isArray(res.body.data) && res.body.data.length > 0);
    assert.match(String(res.requestId), /^sim-\d+$/);
  });

  it('rejects a tampered query, a wrong key and a date more than 15 minutes off', async () => {
    const tampered = await get('client/qos/details', qos(), { tamper: (u) => u.searchParams.set('room_id', 'other') });
    assert.equal(tampered.status, 401);
    assert.equal(tampered.body.error_code, 'APIGW.0301');
    assert.equal((await get('client/qos/details', qos(), { secretKey: 'not-the-key' })).body.error_code, 'APIGW.0301');
    const skewed = await get('client/qos/details', qos(), { at: clock.now() - 16 * 60_000 });
    assert.equal(skewed.status, 401);
    assert.equal(skewed.body.error_code, 'APIGW.0303');
    assert.equal((await get('client/qos/details', qos(), { at: clock.now() - 14 * 60_000 })).status, 200);
    const unsigned = await request(`${base}/v1/${sim.projectId}/rtc/client/qos/details?${qos()}`);
    assert.equal(unsigned.statusCode, 401);
    await unsigned.body.dump();
  });

  it('answers a missing mandatory parameter with the seed error body', async () => {
    for (const name of ['app_id', 'room_id', 'mid', 'start_time', 'end_time']) {
      const query = qos()
        .split('&')
        .filter((p) => !p.startsWith(`${name}=`))
        .join('&');
      const res = await get('client/qos/details', query);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error_code: 'DATA.100011001', error_msg: `Required String parameter '${name}' is not present` });
    }
  });

  it('enforces the 24-hour span, the 5-day history and the time format', async () => {
    const q = (start: string, end: string) => `app_id=${room().appId}&room_id=${room().roomId}&mid=ajitter&start_time=${start}&end_time=${end}`;
    assert.equal((await get('client/qos/details', q('2026-11-21T11:00:00Z', '2026-11-22T12:00:00Z'))).body.error_code, 'RTC.00001004');
    assert.equal((await get('client/qos/details', q('2026-11-17T11:00:00Z', '2026-11-17T12:00:00Z'))).body.error_code, 'RTC.00001003');
    assert.equal((await get('client/qos/details', q('2026-11-22 11:00:00', '2026-11-22T12:00:00Z'))).body.error_code, 'RTC.00001003');
    assert.equal((await get('client/qos/details', q('2026-11-22T12:00:00Z', '2026-11-22T11:00:00Z'))).body.error_code, 'RTC.00001004');
  });

  it('accepts several mids comma-separated or as repeated keys, and pages with limit/offset', async () => {
    const comma = await get('client/qos/details', qos().replace('mid=all', 'mid=ajitter,vjitter'));
    const repeated = await get('client/qos/details', qos().replace('mid=all', 'mid=ajitter&mid=vjitter'));
    assert.deepEqual(comma.body, repeated.body);
    const mids = new Set((comma.body.data as Array<{ mid: string }>).map((e) => e.mid));
    assert.deepEqual([...mids].sort(), ['ajitter', 'vjitter']);
    const all = (await get('client/qos/details', qos())).body.data as unknown[];
    const pages: unknown[] = [];
    for (let offset = 0; offset < all.length; offset += 7)
      pages.push(...((await get('client/qos/details', qos(`&limit=7&offset=${offset}`))).body.data as unknown[]));
    assert.deepEqual(pages, all);
  });

  it('lists running rooms', async () => {
    const res = await get('rooms', `app=${sim.world.appIds()[0]}&state=RUNNING&limit=1&offset=1`);
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 2);
    assert.equal((res.body.room_info_list as Array<{ state: string; end_time: string }>)[0]!.end_time, '-');
  });

  it('throttles the 31st request within a minute with APIGW.0308', async () => {
    await clock.advance(61_000); // a fresh minute
    for (let i = 0; i < 30; i++) assert.equal((await get('rooms', `app=${sim.world.appIds()[0]}`)).status, 200, `request ${i + 1}`);
    const res = await get('rooms', `app=${sim.world.appIds()[0]}`);
    assert.equal(res.status, 429);
    assert.equal(res.body.error_code, 'APIGW.0308');
    await clock.advance(60_000);
    assert.equal((await get('rooms', `app=${sim.world.appIds()[0]}`)).status, 200);
  });
});
