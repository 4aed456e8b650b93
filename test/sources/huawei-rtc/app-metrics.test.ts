import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_LAST_SAMPLE, appSamples, buildAppMetrics } from '../../../src/sources/huawei-rtc/app-metrics.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 12, minute)).toISOString().replace('.000Z', 'Z');

describe('huawei_rtc app metrics', () => {
  it('exports the newest minute of an answer as a 0-1 ratio (percent assumed) with the minute it shows', () => {
    const m = buildAppMetrics().get('VideoFreezeRate')!;
    assert.equal(m.spec.name, 'huaweicloud_rtc_app_video_freeze_ratio');
    assert.match(m.spec.help, /unit percent \(assumed; override with huawei_rtc\.units\); × 0\.01 to ratio/);
    const r = appSamples(m, { app_id: 'a', sdk_type: 'native' }, [
      { time: at(1), value: 3.5 },
      { time: at(3), value: 13.7 },
      { time: at(2), value: 50 },
      { time: at(4), value: null },
    ]);
    assert.deepEqual(
      r.samples.map((s) => [s.family.name, s.labels, s.value]),
      [
        ['huaweicloud_rtc_app_video_freeze_ratio', { app_id: 'a', sdk_type: 'native' }, 0.137],
        [APP_LAST_SAMPLE.name, { app_id: 'a', sdk_type: 'native', metric: 'VideoFreezeRate' }, Date.UTC(2026, 10, 22, 12, 3) / 1000],
      ],
    );
  });

  it('takes the unit from huawei_rtc.units, and drops values outside it', () => {
    const m = buildAppMetrics({ JoinSuccessRate: 'ratio' }).get('JoinSuccessRate')!;
    assert.match(m.spec.help, /unit ratio \(set in config\); no conversion/);
    const r = appSamples(m, { app_id: 'a', sdk_type: 'webrtc' }, [
      { time: at(1), value: 0.98 },
      { time: at(2), value: 98 },
      { time: at(3), value: -1 },
      { time: 'soon', value: 0.5 },
    ]);
    assert.equal(r.samples[0]!.value, 0.98, 'a percent value under a ratio unit is out of range, not 98');
    assert.deepEqual(Object.fromEntries(r.dropped), { out_of_range: 2, bad_time: 1 });
  });

  it('exports counts as they are, without an SDK type; an empty answer exports nothing', () => {
    const metrics = buildAppMetrics();
    const users = metrics.get('OnlineUsers')!;
    assert.equal(users.perSdkType, false);
    assert.equal(users.spec.name, 'huaweicloud_rtc_app_online_users');
    assert.equal(metrics.get('RoomCount')!.spec.name, 'huaweicloud_rtc_app_rooms');
    assert.equal(appSamples(users, { app_id: 'a' }, [{ time: at(1), value: 1234 }]).samples[0]!.value, 1234);
    assert.deepEqual(appSamples(users, { app_id: 'a' }, []).samples, []);
    assert.equal([...metrics.values()].filter((m) => m.perSdkType).length, 8);
  });
});
