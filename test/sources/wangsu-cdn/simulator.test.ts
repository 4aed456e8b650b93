import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { httpDate, signApiKey } from '../../../src/sources/wangsu-cdn/auth.js';
import { DETAIL_PATH } from '../../../src/sources/wangsu-cdn/client.js';
import { TrafficModel } from '../../../src/sources/wangsu-cdn/sim/traffic.js';
import { formatRequestDate } from '../../../src/sources/wangsu-cdn/time.js';
import { API_KEY, API_USER, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0);
const DOMAINS = [{ domain: 'a.example', streams: ['live/main', 'live/b', 'live/c', ''] }];

type Detail = {
  code: string;
  data: {
    domain: string;
    domainOfStreamList: {
      stream: string;
      totalFlow?: string;
      bandwidthPeakValue?: string;
      detailList: { timestamp: string; value: string; onlineUser?: number }[];
    }[];
  }[];
};

async function query(url: string, clock: ManualClock, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await request(`${url}${DETAIL_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signApiKey({ username: API_USER, apiKey: API_KEY }, httpDate(clock.now())), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Detail };
}

const window = (clock: ManualClock, agoMin: number, spanMin = 10) => ({
  dateFrom: formatRequestDate(clock.now() - agoMin * MIN, 480),
  dateTo: formatRequestDate(clock.now() - (agoMin - spanMin) * MIN, 480),
});

describe('wangsu simulator', () => {
  it('returns only values above zero, as two-decimal strings, with totals and online users', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSim({ clock, model: { seed: 1, domains: DOMAINS, liveRatio: 0.5 } });
    try {
      const q = { ...window(clock, 40, 10), dataType: 'flow', dataInterval: '1m', domainStream: [{ domain: 'a.example' }], isReturnOnline: 'true' };
      const { status, body } = await query(sim.url, clock, q);
      assert.equal(status, 200);
      assert.equal(body.code, '0');
      const streams = body.data[0]!.domainOfStreamList;
      assert.ok(streams.length >= 1);
      for (const s of streams) {
        assert.match(s.totalFlow!, /^\d+\.\d{2}$/);
        const sum = s.detailList.reduce((a, d) => a + Math.round(Number(d.value) * 100), 0);
        assert.equal(Math.round(Number(s.totalFlow) * 100), sum);
        for (const d of s.detailList) {
          assert.match(d.value, /^\d+\.\d{2}$/);
          assert.ok(Number(d.value) > 0);
          assert.match(d.timestamp, /^2026-11-22 19:\d{2}$/, 'slice times in GMT+08:00 by default');
          assert.ok(Number.isInteger(d.onlineUser));
        }
      }
      // With 1m slices, a 10-minute window from :20 to :30 has the slices ending :20 … :30.
      const main = streams.find((s) => s.stream === 'live/main')!;
      assert.deepEqual(
        main.detailList.map((d) => d.timestamp.slice(-5)),
        Array.from({ length: 11 }, (_, i) => `19:${20 + i}`),
      );
      const filtered = await query(sim.url, clock, { ...q, filterEmptyStream: 1, keyword: '^live/(main|b)$' });
      assert.ok(filtered.body.data[0]!.domainOfStreamList.every((s) => s.stream === 'live/main' || s.stream === 'live/b'));
      const bw = await query(sim.url, clock, { ...q, dataType: 'bandwidth', dataInterval: '5m' });
      const peak = bw.body.data[0]!.domainOfStreamList[0]!;
      assert.equal(peak.bandwidthPeakValue, peak.detailList.map((d) => d.value).sort((x, y) => Number(y) - Number(x))[0]);
      assert.equal(peak.detailList[0]!.onlineUser, undefined, 'no online users with 5m slices');
    } finally {
      await sim.close();
    }
  });

  it('shows a slice 1–5 minutes after it ends, the same moment for every stream of a domain, partial at first', () => {
    const model = new TrafficModel({ seed: 2, domains: DOMAINS });
    const lags = new Set<number>();
    for (let m = 0; m < 60; m++) {
      const end = T0 + m * MIN;
      const at = model.availableAt('a.example', end);
      lags.add(Math.floor((at - end) / MIN));
      assert.ok(at - end >= MIN && at - end < 5 * MIN, `slice ${m} shows ${(at - end) / 1000} s after it ends`);
      for (const s of ['live/main', 'live/b']) {
        assert.equal(model.reportedMinute('a.example', s, end, at - 1), undefined, 'visible before it is available');
        if (model.minute('a.example', s, end).flow > 0) assert.ok(model.reportedMinute('a.example', s, end, at)!.flow < model.minute('a.example', s, end).flow);
      }
    }
    assert.deepEqual([...lags].sort(), [1, 2, 3, 4], 'lags spread over 1–5 minutes');
  });

  it('revises a slice for 5–15 minutes, then keeps it', () => {
    const model = new TrafficModel({ seed: 2, domains: DOMAINS });
    for (let m = 0; m < 30; m++) {
      const end = T0 + m * MIN;
      const settle = model.settlesAt('a.example', 'live/main', end);
      assert.ok(settle - end >= 5 * MIN && settle - end < 15 * MIN);
      const final = model.minute('a.example', 'live/main', end).flow;
      assert.equal(model.reportedMinute('a.example', 'live/main', end, end + 30_000), undefined, 'visible before it ended + 1m');
      const early = model.reportedMinute('a.example', 'live/main', end, model.availableAt('a.example', end))!.flow;
      assert.ok(early < final, `slice ${m} not revised`);
      assert.equal(model.reportedMinute('a.example', 'live/main', end, settle)!.flow, final);
      assert.equal(model.reportedMinute('a.example', 'live/main', end, settle + 60 * MIN)!.flow, final);
    }
  });

  it('is deterministic from its seed, diurnal, with spikes and streams that start and stop', () => {
    const a = new TrafficModel({ seed: 7, domains: DOMAINS });
    const b = new TrafficModel({ seed: 7, domains: DOMAINS });
    const other = new TrafficModel({ seed: 8, domains: DOMAINS });
    const at = (m: TrafficModel, t: number) => m.minute('a.example', 'live/main', t).bandwidth;
    assert.equal(at(a, T0), at(b, T0));
    assert.notEqual(at(a, T0), at(other, T0));
    // Busiest around 21:00 in UTC+8 (13:00 UTC), quietest around 09:00 (01:00 UTC).
    const hourly = (h: number) => Array.from({ length: 60 }, (_, i) => at(a, Date.UTC(2026, 10, 22, h, i))).reduce((x, y) => x + y, 0);
    assert.ok(hourly(13) > 3 * hourly(1));
    a.addSpike({ stream: 'live/main', factor: 10, fromMs: T0, toMs: T0 + 10 * MIN });
    assert.ok(at(a, T0 + 5 * MIN) > 5 * at(b, T0 + 5 * MIN));
    assert.equal(at(a, T0 + 11 * MIN), at(b, T0 + 11 * MIN));
    // Over a day, the other streams go live and stop (30-minute blocks); the first stream never stops.
    const live = (s: string) => Array.from({ length: 48 }, (_, i) => a.isLive('a.example', s, T0 + i * 30 * MIN + MIN));
    assert.ok(live('live/main').every(Boolean));
    const b1 = live('live/b');
    assert.ok(b1.some(Boolean) && b1.some((x) => !x));
  });

  it('throttles like Wangsu: HTTP 446 WPLUS_AccountApiTooFrequence over the per-interface and per-account limits', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSim({ clock, model: { seed: 1, domains: DOMAINS }, rate: { interfaceRequests: 3 } });
    try {
      const q = { ...window(clock, 30), dataType: 'flow', dataInterval: '1m', domainStream: [{ domain: 'a.example' }] };
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await query(sim.url, clock, q)).status);
      assert.deepEqual(statuses, [200, 200, 200, 446]);
      assert.equal(sim.sim.requests.at(-1)?.code, 'WPLUS_AccountApiTooFrequence');
      await clock.advance(5 * MIN);
      assert.equal((await query(sim.url, clock, { ...q, ...window(clock, 30) })).status, 200, 'the sliding window lets requests through again');
    } finally {
      await sim.close();
    }
  });

  it('throttles more than 10 requests in flight at once', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSim({ clock, model: { seed: 1, domains: DOMAINS }, latencyMs: 1_000 });
    try {
      const q = { ...window(clock, 30), dataType: 'flow', dataInterval: '1m', domainStream: [{ domain: 'a.example' }] };
      const answers = Array.from({ length: 11 }, () => query(sim.url, clock, q));
      // Every answer is held 1 s on the fake clock, so all 11 are in flight together.
      while (clock.pendingTimers() < 11) await new Promise<void>((r) => setImmediate(r));
      await clock.advance(1_000);
      const statuses = (await Promise.all(answers)).map((a) => a.status).sort();
      assert.deepEqual(statuses, [...Array(10).fill(200), 446]);
    } finally {
      await sim.close();
    }
  });

  it('reports settled traffic as ground truth', () => {
    const model = new TrafficModel({ seed: 3, domains: DOMAINS, liveRatio: 1 });
    const truth = model.settledFlow(T0, T0 + 10 * MIN, T0 + 60 * MIN);
    let expected = 0;
    for (let m = 1; m <= 10; m++) expected += model.minute('a.example', 'live/main', T0 + m * MIN).flow;
    assert.equal(truth.get('a.example/live/main'), expected);
    assert.equal(model.settledFlow(T0, T0 + 10 * MIN, T0 + 2 * MIN).size, 0, 'nothing has settled 2 minutes in');
  });
});
