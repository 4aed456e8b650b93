import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config.js';
import type { HuaweiRtcConfig } from '../../../src/sources/huawei-rtc/config.js';
import { huaweiRtc } from '../../../src/sources/huawei-rtc/index.js';

const BLOCK = `huawei_rtc:
  project_id: p1
  auth: {aksk: {access_key: ak, secret_key: sk-123}}
  apps: [{app_id: app1}]
`;

const parse = (extra = '') => parseConfig(`${BLOCK}${extra}`, { sources: [huaweiRtc] }).config.sources.get('huawei_rtc') as unknown as HuaweiRtcConfig;

function problems(extra: string): string[] {
  try {
    parse(extra);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
    return err.problems;
  }
  assert.fail('config was accepted');
}

describe('huawei_rtc config: departed_after', () => {
  it('defaults to 2m, or half the lookback where that is shorter', () => {
    assert.equal(parse().departed_after, 120_000);
    assert.equal(parse('  departed_after: 30s\n').departed_after, 30_000);
    assert.equal(parse('  lookback: 2m\n').departed_after, 60_000, 'a short lookback stays valid without the key');
    assert.equal(parse('  lookback: 1h\n').departed_after, 120_000);
  });

  it('refuses a margin that is zero, not a duration, or not shorter than lookback', () => {
    assert.deepEqual(problems('  departed_after: 0s\n'), ['huawei_rtc.departed_after: must be longer than 0; write a duration such as "30s"']);
    assert.match(problems('  departed_after: soon\n').join('\n'), /^huawei_rtc\.departed_after: "soon" is not a duration/);
    assert.deepEqual(problems('  departed_after: 10m\n'), ['huawei_rtc.departed_after: must be shorter than lookback (10m)']);
    assert.deepEqual(problems('  lookback: 90s\n  departed_after: 2m\n'), ['huawei_rtc.departed_after: must be shorter than lookback (90s)']);
    assert.equal(parse('  departed_after: 9m59s\n').departed_after, 599_000);
  });
});

describe('huawei_rtc config: app quality, abnormal events, budgets', () => {
  it('turns app quality and abnormal events on by default, sharing the one budget', () => {
    const c = parse();
    assert.deepEqual(c.app_quality, { enabled: true, interval: 180_000, window: 600_000, sdk_types: ['native', 'webrtc'] });
    assert.deepEqual(c.abnormal_events, { enabled: true, interval: 30_000, window: 900_000, page_size: 100, max_pages: 10 });
    assert.equal(c.realtime_budget, undefined, 'unset: the app-level APIs share budget');
    assert.equal(c.troubled_room_lead, 7_200_000);
    assert.equal(c.troubled_room_min_events, 2);
    assert.equal(parse('  realtime_budget: {requests: 60}\n').realtime_budget?.requests, 60);
  });

  it('accepts a unit for an app rate metric and refuses one for a count or an unknown name', () => {
    assert.deepEqual(parse('  units: {VideoFreezeRate: ratio}\n').units, { VideoFreezeRate: 'ratio' });
    assert.match(
      problems('  units: {OnlineUsers: percent}\n').join('\n'),
      /^huawei_rtc\.units\.OnlineUsers: unknown mid or app metric \(a count: it has no unit to set\)/,
    );
    assert.match(problems('  units: {VideoFreezeRate: ms}\n').join('\n'), /VideoFreezeRate is exported in ratio; use one of percent, ratio/);
  });

  it('refuses an events page over the API limit, a window over a day, and a repeated SDK type', () => {
    assert.match(problems('  abnormal_events: {page_size: 101}\n').join('\n'), /^huawei_rtc\.abnormal_events\.page_size: /);
    assert.deepEqual(problems('  abnormal_events: {window: 25h}\n'), ['huawei_rtc.abnormal_events.window: must be between 2m and 24h']);
    assert.deepEqual(problems('  app_quality: {sdk_types: [native, native]}\n'), ['huawei_rtc.app_quality.sdk_types: list each SDK type once']);
    assert.match(problems('  app_quality: {sdk_types: [ios]}\n').join('\n'), /^huawei_rtc\.app_quality\.sdk_types\.0: /);
  });
});
