import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HUAWEI_ERRORS } from '../../../src/sources/huawei-rtc/errors.js';
import { classify } from '../../../src/upstream/classify.js';
import { huaweiSetup, ROOMS_ONLY } from '../../../src/sources/huawei-rtc/sim/drive.js';

const WORLD = { world: { seed: 5, apps: 1, roomsPerApp: 1, maxUsers: 2, cycleMs: 86_400_000, openMs: 86_000_000 } };

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body), requestId: 'rid-1' };
}
const classifyHuawei = (res: ReturnType<typeof answer>) => classify(res, HUAWEI_ERRORS);

async function count(h: Awaited<ReturnType<typeof huaweiSetup>>, outcome: string, api = 'qos_details') {
  const v = (await h.exporter.metrics.apiRequests.get()).values.find((x) => x.labels.outcome === outcome && x.labels.api === api);
  return v?.value ?? 0;
}

describe('huawei_rtc errors', () => {
  it('classifies every documented error code', () => {
    const cases: Array<[number, string, string]> = [
      [400, 'DATA.100011001', 'client_error'],
      [400, 'RTC.00001001', 'auth_error'],
      [400, 'RTC.00001002', 'client_error'],
      [400, 'RTC.00001003', 'client_error'],
      [400, 'RTC.00001004', 'client_error'],
      [400, 'RTC.00001005', 'client_error'],
      [500, 'RTC.00002001', 'server_error'],
      [404, 'APIGW.0101', 'client_error'],
      [401, 'APIGW.0301', 'auth_error'],
      [401, 'APIGW.0303', 'auth_error'],
      [429, 'APIGW.0308', 'throttled'],
    ];
    for (const [status, code, outcome] of cases) {
      const err = classifyHuawei(answer(status, { error_code: code, error_msg: 'vendor says no' }));
      assert.equal(err?.outcome, outcome, code);
      assert.equal(err?.code, code);
      assert.equal(err?.requestId, 'rid-1');
      assert.match(err!.message, new RegExp(`^Huawei Cloud error ${code.replace('.', '\\.')} \\(HTTP ${status}\\): vendor says no — \\w`), code);
    }
    assert.match(classifyHuawei(answer(401, { error_code: 'APIGW.0303' }))!.message, /check the clock/);
    // A proxy's HTML page is reported as clearly as the vendor's own errors.
    const html = classifyHuawei(answer(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' }))!;
    assert.equal(html.outcome, 'server_error');
    assert.equal(html.message, 'Huawei Cloud answered HTTP 502 with an HTML page (a proxy or gateway?), not JSON; ignored');
    assert.equal(html.requestId, 'rid-1');
    assert.equal(classifyHuawei(answer(200, { data: [] })), undefined);
  });

  it('a 5xx keeps the last good data, logs code and request id, and backs off', async () => {
    const h = await huaweiSetup({ sim: WORLD, config: ROOMS_ONLY });
    try {
      await h.clock.advance(30 * 60_000);
      const good = await h.scrape();
      assert.match(good, /^huaweicloud_rtc_audio_jitter_seconds/m);
      await h.clock.advance(60_000);
      h.sim.faults.push('server_error');
      const page = await h.scrape();
      assert.equal(page, good, 'last good data not kept');
      assert.equal(h.runner.status().up, false);
      assert.equal(await count(h, 'server_error'), 1);
      const line = h.log.records().find((r) => r.code === 'RTC.00002001');
      assert.ok(line, 'no log line with the vendor code');
      assert.equal(line.level, 'error');
      assert.equal(line.api, 'qos_details');
      assert.equal(line.status, 500);
      assert.match(String(line.request_id), /^sim-\d+$/);
      const before = h.sim.requests.length;
      await h.clock.advance(9_000);
      await h.scrape();
      assert.equal(h.sim.requests.length, before, 'retried during back-off');
      await h.clock.advance(1_000);
      await h.scrape();
      assert.equal(h.runner.status().up, true);
    } finally {
      await h.close();
    }
  });

  it('a throttle answer (APIGW.0308) pauses the API queue and is counted', async () => {
    const h = await huaweiSetup({ sim: WORLD, config: { ...ROOMS_ONLY, budget: { throttle_pause_min: '45s', throttle_pause_max: '45s' } } });
    try {
      await h.clock.advance(30 * 60_000);
      await h.scrape();
      await h.clock.advance(60_000);
      h.sim.faults.push('throttle');
      await h.scrape();
      assert.equal(await count(h, 'throttled'), 1);
      assert.equal((await h.exporter.metrics.apiThrottled.get()).values[0]?.value, 1);
      // Nothing reaches the API during the pause, whatever scrapes do.
      const before = h.sim.requests.length;
      await h.run(44_000, 4_000, () => void h.exporter.scheduler.collect(0));
      assert.equal(h.sim.requests.length, before);
      await h.run(30_000, 2_000, () => void h.exporter.scheduler.collect(0));
      assert.ok(h.sim.requests.length > before);
      assert.equal(h.runner.status().up, true);
    } finally {
      await h.close();
    }
  });

  it('a malformed or non-JSON body is an invalid_response, never trusted', async () => {
    const h = await huaweiSetup({ sim: WORLD, config: ROOMS_ONLY });
    try {
      await h.clock.advance(30 * 60_000);
      await h.scrape();
      await h.clock.advance(60_000);
      h.sim.faults.push('malformed');
      await h.scrape();
      assert.equal(await count(h, 'invalid_response'), 1);
      assert.match(String(h.log.records().find((r) => r.outcome === 'invalid_response')?.msg), /unexpected response body/);
    } finally {
      await h.close();
    }
  });

  it('drops and counts unusable points, exports the rest; an answer with nothing usable keeps the last good data with up 0', async () => {
    // No room listing during the test: each injected answer goes to qos/details.
    const h = await huaweiSetup({ sim: WORLD, config: { ...ROOMS_ONLY, discovery_interval: '1h' } });
    const dropped = async (reason: string) =>
      (await h.exporter.metrics.pointsDropped.get()).values.find((v) => v.labels.reason === reason && v.labels.api === 'qos_details')?.value ?? 0;
    const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    try {
      await h.clock.advance(30 * 60_000);
      const good = await h.scrape();
      const roomId = /room_id="([^"]+)"/.exec(good)![1]!;
      const now = h.clock.now();
      const entry = (uid: string, mid: string, data: unknown) => ({ uid, peerid: '0', mid, data });
      await h.clock.advance(60_000);
      h.sim.faults.push({
        answer: {
          room_id: roomId,
          data: [
            entry('u-good', 'ajitter', [{ time: at(now), value: 12 }]),
            entry('u-time', 'ajitter', [{ time: 'yesterday', value: 12 }]),
            entry('u-negative', 'ajitter', [{ time: at(now), value: -5 }]),
            entry('u-loss', 'aloss', [{ time: at(now), value: 250 }]),
            entry('u-null', 'ajitter', null),
          ],
        },
      });
      const partial = await h.scrape();
      assert.match(partial, /huaweicloud_rtc_audio_jitter_seconds\{[^}]*uid="u-good"[^}]*\} 0\.012$/m);
      assert.doesNotMatch(partial, /u-time|u-negative|u-loss|u-null/);
      assert.deepEqual([await dropped('bad_time'), await dropped('out_of_range'), await dropped('no_points')], [1, 2, 1]);
      assert.equal(h.runner.status().up, true);

      await h.clock.advance(60_000);
      h.sim.faults.push({ answer: { room_id: roomId, data: [entry('u-time', 'ajitter', [{ time: 'yesterday', value: 1 }])] } });
      const unusable = await h.scrape();
      assert.equal(h.runner.status().up, false, 'an answer with nothing usable must fail the refresh');
      assert.match(unusable, /uid="u-good"/, 'the last good data stays');
      assert.equal(await dropped('bad_time'), 2);
      assert.match(String(h.log.records().find((r) => r.outcome === 'invalid_response')?.msg), /no usable qos point in the answer \(dropped: 1 bad_time\)/);

      await h.clock.advance(60_000);
      h.sim.faults.push({ answer: { room_id: roomId, data: null } });
      await h.scrape();
      assert.equal(await count(h, 'invalid_response'), 1, '{"data": null} is not an empty room');
    } finally {
      await h.close();
    }
  });

  it('wrong credentials fail as auth_error and are not retried in a loop', async () => {
    const h = await huaweiSetup({ sim: WORLD, config: { auth: { aksk: { access_key: 'SIMULATORACCESSKEY01', secret_key: 'wrong-secret' } } } });
    try {
      await h.scrape();
      assert.equal(await count(h, 'auth_error', 'rooms'), 1);
      const line = h.log.records().find((r) => r.code === 'APIGW.0301');
      assert.ok(line);
      assert.doesNotMatch(JSON.stringify(h.log.lines), /wrong-secret/);
      await h.run(290_000, 10_000, () => void h.exporter.scheduler.collect(0));
      assert.equal(h.sim.requests.length, 1, 'retried before backoff_max');
      await h.run(20_000, 10_000, () => void h.exporter.scheduler.collect(0));
      assert.equal(h.sim.requests.length, 2);
    } finally {
      await h.close();
    }
  });

  it('a clock more than 15 minutes off gives APIGW.0303 with a hint to check the clock', async () => {
    // The exporter's clock runs 16 minutes ahead of the gateway's.
    const h = await huaweiSetup({ sim: WORLD, simClockSkewMs: -16 * 60_000 });
    try {
      await h.scrape();
      const line = h.log.records().find((r) => r.code === 'APIGW.0303');
      assert.ok(line);
      assert.equal(line.outcome, 'auth_error');
      assert.match(String(line.msg), /check the clock/);
    } finally {
      await h.close();
    }
  });
});
