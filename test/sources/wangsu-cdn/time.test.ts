import { readSeries } from '../../helpers/series.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { wangsuCdn } from '../../../src/sources/wangsu-cdn/index.js';
import { planWindow } from '../../../src/sources/wangsu-cdn/window.js';
import { formatRequestDate, formatSliceTime, parseRequestDate, parseSliceTime, parseZoneHeader } from '../../../src/sources/wangsu-cdn/time.js';
import { apiKeyAuth, buildSource, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';
import { settle } from '../../../src/sim/drive.js';

const MIN = 60_000;

describe('wangsu time', () => {
  it('parses X-Time-Zone offsets', () => {
    assert.equal(parseZoneHeader('GMT+08:00'), 480);
    assert.equal(parseZoneHeader('GMT-05:00'), -300);
    assert.equal(parseZoneHeader('GMT+05:30'), 330);
    for (const bad of ['UTC', 'GMT+8', 'GMT+08:60', 'Asia/Shanghai', 'GMT+15:00']) assert.equal(parseZoneHeader(bad), undefined, bad);
  });

  it('reads slice times in the zone of X-Time-Zone, not in +08:00', () => {
    assert.equal(parseSliceTime('2026-11-22 07:05', -300), Date.UTC(2026, 10, 22, 12, 5));
    assert.equal(parseSliceTime('2026-11-22 17:35', 330), Date.UTC(2026, 10, 22, 12, 5));
    assert.equal(parseSliceTime('2026-11-22 20:05', 480), Date.UTC(2026, 10, 22, 12, 5));
    // The seed's example carries seconds too.
    assert.equal(parseSliceTime('2019-09-18 14:05:00', 480), Date.UTC(2019, 8, 18, 6, 5));
    // A day's last slice is the next day's 00:00 in that zone.
    assert.equal(parseSliceTime('2026-11-23 00:00', -300), Date.UTC(2026, 10, 23, 5, 0));
    for (const bad of ['2026-11-22T07:05', '2026-02-30 10:00', '2026-11-22 24:00', '22/11/2026 07:05']) assert.equal(parseSliceTime(bad, 0), undefined, bad);
  });

  it('formats request dates and slice times with the zone offset', () => {
    const t = Date.UTC(2026, 10, 22, 3, 0);
    assert.equal(formatRequestDate(t, 480), '2026-11-22T11:00:00+08:00');
    assert.equal(formatRequestDate(t, -300), '2026-11-21T22:00:00-05:00');
    assert.equal(formatSliceTime(t, 330), '2026-11-22 08:30');
    assert.equal(parseRequestDate('2026-11-21T22:00:00-05:00'), t);
  });

  it('plans windows of at most 10 minutes ending at now − delay, catching up step by step', () => {
    const target = Date.UTC(2026, 10, 22, 12, 0);
    const base = { targetMs: target, baselineMs: target - 5 * MIN, windowMs: 10 * MIN, maxCatchUpMs: 60 * MIN };
    assert.deepEqual(planWindow({ ...base, watermarkMs: undefined }), { fromMs: target - 10 * MIN, toMs: target });
    assert.deepEqual(planWindow({ ...base, watermarkMs: target - MIN }), { fromMs: target - 10 * MIN, toMs: target });
    assert.deepEqual(planWindow({ ...base, watermarkMs: target - 25 * MIN }), { fromMs: target - 25 * MIN, toMs: target - 15 * MIN });
    assert.deepEqual(planWindow({ ...base, watermarkMs: target - 5 * 60 * MIN }), { fromMs: target - 60 * MIN, toMs: target - 50 * MIN });
  });

  it("defaults delay to 15m (the end of Wangsu's settling) and refuses windows over 10m", () => {
    const c = wangsuCdn.schema.parse({ auth: apiKeyAuth, domains: [{ domain: 'a.example' }] });
    assert.equal(c.delay, 15 * MIN);
    assert.equal(c.window, 10 * MIN);
    assert.equal(c.time_zone, 'GMT+08:00');
    assert.equal(c.online_users, true);
    assert.equal(wangsuCdn.schema.parse({ auth: apiKeyAuth, domains: [{ domain: 'a.example' }], data_interval: '5m' }).online_users, false);
    const bad = wangsuCdn.schema.safeParse({ auth: apiKeyAuth, domains: [{ domain: 'a.example' }], window: '15m', time_zone: 'CST' });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error.issues.map((i) => i.path.join('.')).sort(), ['time_zone', 'window']);
  });

  it('reads a GMT-05:00 account end to end: request dates, header and slice times line up', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 30));
    const sim = await startSim({ clock, model: { seed: 9, domains: [{ domain: 'a.example', streams: ['live/main'] }] } });
    const src = buildSource({ endpoint: sim.url, auth: apiKeyAuth, domains: [{ domain: 'a.example' }], time_zone: 'GMT-05:00' }, clock);
    try {
      const ctx = { signal: new AbortController().signal, priority: 0 };
      const [key] = await src.source.listKeys(ctx);
      const samples = readSeries((await settle(clock, src.source.refresh(key!, ctx))).series);
      const lastSlice = samples.find((s) => s.name === 'wangsu_live_stream_settled_slice_timestamp_seconds');
      const expectedEnd = Date.UTC(2026, 10, 22, 11, 45); // floor(now − 15m) to the minute
      assert.equal(lastSlice?.value, expectedEnd / 1000);
      const traffic = samples.find((s) => s.name === 'wangsu_live_stream_traffic_bytes')!;
      const truth = sim.sim.model.minute('a.example', 'live/main', expectedEnd).flow;
      assert.equal(traffic.value, truth * 10_000, 'the slice at 06:45 GMT-05:00 is the slice ending 11:45 UTC');
    } finally {
      await src.close();
      await sim.close();
    }
  });
});
