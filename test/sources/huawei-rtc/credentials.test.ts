import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { huaweiSetup } from '../../../src/sources/huawei-rtc/sim/drive.js';

const WORLD = { seed: 5, apps: 1, roomsPerApp: 1, maxUsers: 2, cycleMs: 86_400_000, openMs: 86_000_000 };

describe('huawei_rtc credentials', () => {
  it('gets a token from IAM, reuses it, renews it before expiry and after a 401', async () => {
    const iam = await huaweiSetup({
      sim: { world: WORLD, tokenLifetimeMs: 2 * 3_600_000 },
      config: (url) => ({ auth: { iam: { endpoint: url, domain: 'sim-account', user: 'sim-user', password: 'sim-password', renew_before: '1h' } } }),
    });
    try {
      const tokens = () => iam.sim.requests.filter((r) => r.path === '/v3/auth/tokens').length;
      await iam.clock.advance(30 * 60_000);
      assert.match(await iam.scrape(), /^huaweicloud_rtc_audio_jitter_seconds/m);
      assert.equal(tokens(), 1);
      await iam.run(50 * 60_000, 60_000, () => void iam.exporter.scheduler.collect(0));
      assert.equal(tokens(), 1, 'token not reused');
      // At 1 h before its 2 h expiry the token is renewed.
      await iam.run(15 * 60_000, 60_000, () => void iam.exporter.scheduler.collect(0));
      assert.equal(tokens(), 2, 'token not renewed before expiry');
      // A password change kills tokens early: the 401 drops the token, the retry gets a new one.
      iam.sim.revokeTokens();
      await iam.run(60_000, 60_000, () => void iam.exporter.scheduler.collect(0));
      assert.equal(iam.runner.status().up, false);
      await iam.run(6 * 60_000, 30_000, () => void iam.exporter.scheduler.collect(0));
      assert.equal(tokens(), 3);
      assert.equal(iam.runner.status().up, true);
      assert.doesNotMatch(iam.log.lines.join('\n'), /sim-password|sim-token-/);
    } finally {
      await iam.close();
    }
  });

  it('uses a static token, and reports a bad one as auth_error', async () => {
    const good = await huaweiSetup({ sim: { world: WORLD, staticTokens: ['static-token-abc'] }, config: { auth: { token: 'static-token-abc' } } });
    try {
      await good.clock.advance(30 * 60_000);
      assert.match(await good.scrape(), /^huaweicloud_rtc_audio_jitter_seconds/m);
    } finally {
      await good.close();
    }
    const bad = await huaweiSetup({ sim: { world: WORLD, staticTokens: ['static-token-abc'] }, config: { auth: { token: 'static-token-xyz' } } });
    try {
      await bad.scrape();
      const line = bad.log.records().find((r) => r.outcome === 'auth_error');
      assert.ok(line);
      assert.equal(line.code, 'APIGW.0301');
      assert.doesNotMatch(bad.log.lines.join('\n'), /static-token-xyz/);
    } finally {
      await bad.close();
    }
  });

  it('refuses a config with no or two auth modes', async () => {
    await assert.rejects(huaweiSetup({ config: { auth: {} } }), /huawei_rtc\.auth: set exactly one of aksk, token, iam/);
    await assert.rejects(huaweiSetup({ config: { auth: { token: 't', aksk: { access_key: 'a', secret_key: 'b' } } } }), /set exactly one of/);
  });
});
