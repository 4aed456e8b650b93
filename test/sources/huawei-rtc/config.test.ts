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
