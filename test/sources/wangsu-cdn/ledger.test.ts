import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { DETAIL_PATH, type StreamSeries } from '../../../src/sources/wangsu-cdn/client.js';
import { TrafficLedger } from '../../../src/sources/wangsu-cdn/ledger.js';
import { THROTTLE_CODE } from '../../../src/sources/wangsu-cdn/errors.js';
import { apiKeyAuth, buildSource, familyValues, IncreaseTracker, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';
import { runScrapes } from '../../../src/sim/drive.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0);

/** One stream's flow points, minute slices ending at T0 + m minutes. */
const flow = (stream: string, values: Record<number, number>): StreamSeries => ({
  domain: 'a.example',
  stream,
  points: Object.entries(values).map(([m, v]) => ({ endMs: T0 + Number(m) * MIN, hundredths: v, online: undefined })),
});

describe('wangsu traffic counter: the per-stream cursor', () => {
  it('counts every slice once across overlapping windows and ignores revisions of counted slices', () => {
    const ledger = new TrafficLedger(T0);
    ledger.applySettled({ key: 'k', toMs: T0 + 3 * MIN, watermarkMs: undefined, flow: [flow('s', { 1: 100, 2: 200, 3: 300 })] });
    assert.equal(ledger.get('a.example', 's')!.countedHundredths, 600);
    // Next window overlaps minutes 1–3 (one of them revised) and adds 4 and 5.
    ledger.applySettled({ key: 'k', toMs: T0 + 5 * MIN, watermarkMs: T0 + 3 * MIN, flow: [flow('s', { 2: 999, 3: 300, 4: 400, 5: 500 })] });
    const st = ledger.get('a.example', 's')!;
    assert.equal(st.countedHundredths, 1500, 'the revision of minute 2 must not be counted');
    assert.equal(st.cursorMs, T0 + 5 * MIN);
    assert.equal(st.settled!.flowHundredths, 500);
  });

  it('counts a slice once when one answer repeats it, or repeats the whole stream', () => {
    const ledger = new TrafficLedger(T0);
    const s = flow('s', { 1: 100, 2: 200 });
    const repeated = { ...s, points: [...s.points, ...flow('s', { 2: 700 }).points] };
    ledger.applySettled({ key: 'k', toMs: T0 + 2 * MIN, watermarkMs: undefined, flow: [repeated, s, s] });
    assert.equal(ledger.get('a.example', 's')!.countedHundredths, 300);
    assert.equal(ledger.get('a.example', 's')!.settled!.flowHundredths, 200);
  });

  it('keeps at most maxStreams streams, forgetting the least recently reported one, and never counts a slice twice', () => {
    let evicted = 0;
    const ledger = new TrafficLedger(T0, { maxStreams: 2, onEvict: (n) => (evicted += n) });
    ledger.applySettled({ key: 'k', toMs: T0 + 1 * MIN, watermarkMs: undefined, flow: [flow('s1', { 1: 100 }), flow('s2', { 1: 100 })] });
    ledger.applySettled({ key: 'k', toMs: T0 + 2 * MIN, watermarkMs: T0 + 1 * MIN, flow: [flow('s2', { 2: 100 }), flow('s3', { 2: 100 })] });
    assert.equal(ledger.get('a.example', 's1'), undefined, 's1 was reported least recently');
    assert.ok(ledger.get('a.example', 's2') && ledger.get('a.example', 's3'));
    assert.equal(evicted, 1);
    // s1 comes back: counted from the batch watermark, so its minute 1 (already counted once) is not counted again.
    ledger.applySettled({
      key: 'k',
      toMs: T0 + 3 * MIN,
      watermarkMs: T0 + 2 * MIN,
      flow: [flow('s1', { 1: 100, 3: 50 }), flow('s3', { 3: 100 })],
    });
    assert.equal(ledger.get('a.example', 's1')!.countedHundredths, 50);
    assert.equal(ledger.get('a.example', 's2'), undefined);
    assert.equal(evicted, 2);
  });

  it('never counts slices ending at or before the baseline (they may belong to the previous process)', () => {
    const ledger = new TrafficLedger(T0);
    ledger.applySettled({ key: 'k', toMs: T0 + 2 * MIN, watermarkMs: undefined, flow: [flow('s', { [-5]: 50, 0: 70, 1: 100, 2: 200 })] });
    assert.equal(ledger.get('a.example', 's')!.countedHundredths, 300);
  });

  it('counts a stream that appears mid-run from the batch watermark, and a zero slice revised later not at all', () => {
    const ledger = new TrafficLedger(T0);
    ledger.applySettled({ key: 'k', toMs: T0 + 5 * MIN, watermarkMs: undefined, flow: [flow('old', { 5: 10 })] });
    // "new" was silent (zero) up to minute 5 as far as batch k saw; its minute 4 shows up late: a revision.
    ledger.applySettled({ key: 'k', toMs: T0 + 8 * MIN, watermarkMs: T0 + 5 * MIN, flow: [flow('new', { 4: 40, 6: 60, 8: 80 })] });
    assert.equal(ledger.get('a.example', 'new')!.countedHundredths, 140);
    // "old" sent nothing in the second window: its settled slice is now zero, but it stays visible for stream_ttl.
    assert.equal(ledger.get('a.example', 'old')!.settled!.flowHundredths, 0);
    assert.deepEqual(
      ledger
        .visible('k', T0 + 8 * MIN, 15 * MIN)
        .map((s) => s.stream)
        .sort(),
      ['new', 'old'],
    );
  });

  it('drops a stream that ended stream_ttl after its last non-zero slice, and forgets its cursor only later', () => {
    const ledger = new TrafficLedger(T0);
    ledger.applySettled({ key: 'k', toMs: T0 + 10 * MIN, watermarkMs: undefined, flow: [flow('gone', { 10: 5 }), flow('live', { 10: 5 })] });
    ledger.applySettled({ key: 'k', toMs: T0 + 26 * MIN, watermarkMs: T0 + 10 * MIN, flow: [flow('live', { 26: 5 })] });
    assert.deepEqual(
      ledger.visible('k', T0 + 26 * MIN, 15 * MIN).map((s) => s.stream),
      ['live'],
    );
    assert.equal(ledger.prune(T0 + 26 * MIN, 71 * MIN), 0, 'cursor kept while a window could still reach its slices');
    assert.equal(ledger.prune(T0 + 82 * MIN, 71 * MIN), 1);
  });
});

/** One stream's bandwidth points (with online users), minute slices ending at T0 + m minutes. */
const bandwidth = (stream: string, values: Record<number, number>, online?: number): StreamSeries => ({
  domain: 'a.example',
  stream,
  points: Object.entries(values).map(([m, v]) => ({ endMs: T0 + Number(m) * MIN, hundredths: v, online })),
});

describe('wangsu fresh slices: the bandwidth and online gauges', () => {
  it('describe the newest slice Wangsu has; a late slice is not a zero', () => {
    const ledger = new TrafficLedger(T0);
    // Asked up to minute 10; Wangsu has the batch's slices up to minute 8 only (late, not silent).
    const edge = ledger.applyFresh({
      key: 'k',
      toMs: T0 + 10 * MIN,
      bandwidth: [bandwidth('s1', { 7: 500, 8: 400 }, 12), bandwidth('s2', { 6: 300, 7: 300 })],
    });
    assert.equal(edge, T0 + 8 * MIN);
    assert.deepEqual(ledger.get('a.example', 's1')!.fresh, { endMs: T0 + 8 * MIN, bandwidthHundredths: 400, online: 12 });
    // s2 has no value at the edge while s1 has: Wangsu omits zeros, so s2 reads 0 there, online unknown.
    assert.deepEqual(ledger.get('a.example', 's2')!.fresh, { endMs: T0 + 8 * MIN, bandwidthHundredths: 0, online: undefined });
  });

  it('keeps a stream at its last slice while the whole batch is late, and zeroes one missing from a newer answer', () => {
    const ledger = new TrafficLedger(T0);
    ledger.applyFresh({ key: 'k', toMs: T0 + 10 * MIN, bandwidth: [bandwidth('s1', { 10: 500 }), bandwidth('s2', { 10: 300 })] });
    // The next answer has nothing newer than minute 10 for anyone: late, the gauges stay.
    ledger.applyFresh({ key: 'k', toMs: T0 + 11 * MIN, bandwidth: [bandwidth('s1', { 9: 500, 10: 500 }), bandwidth('s2', { 10: 300 })] });
    assert.equal(ledger.get('a.example', 's2')!.fresh!.bandwidthHundredths, 300);
    // Minute 12 is in for s1 but s2 is not in the answer at all: s2 stopped.
    ledger.applyFresh({ key: 'k', toMs: T0 + 12 * MIN, bandwidth: [bandwidth('s1', { 11: 500, 12: 600 })] });
    assert.deepEqual(ledger.get('a.example', 's2')!.fresh, { endMs: T0 + 12 * MIN, bandwidthHundredths: 0, online: undefined });
    // An answer with no slice at all: every stream of the batch is silent up to the window's end.
    ledger.applyFresh({ key: 'k', toMs: T0 + 22 * MIN, bandwidth: [] });
    assert.deepEqual(ledger.get('a.example', 's1')!.fresh, { endMs: T0 + 22 * MIN, bandwidthHundredths: 0, online: undefined });
  });

  it('never touch the traffic counter, which reads settled windows only', () => {
    const ledger = new TrafficLedger(T0);
    ledger.applyFresh({ key: 'k', toMs: T0 + 10 * MIN, bandwidth: [bandwidth('s', { 10: 500 })] });
    assert.equal(ledger.get('a.example', 's')!.countedHundredths, 0);
    assert.equal(ledger.get('a.example', 's')!.settled, undefined);
    ledger.applySettled({ key: 'k', toMs: T0 + 2 * MIN, watermarkMs: undefined, flow: [flow('s', { 1: 100, 2: 200 })] });
    assert.equal(ledger.get('a.example', 's')!.countedHundredths, 300);
  });
});

/** Every stream's counted hundredths of an MB, and the counter as exposed. */
function countedBy(source: { ledger: TrafficLedger }, text: string, mbBytes: number, streams: string[]) {
  const exposed = familyValues(text, 'wangsu_live_stream_traffic_bytes_total');
  const out = new Map<string, number>();
  for (const id of streams) {
    const [domain, ...rest] = id.split('/');
    const st = source.ledger.get(domain!, rest.join('/'));
    if (!st) continue;
    out.set(id, st.countedHundredths);
    if (exposed.has(id)) assert.equal(exposed.get(id), (st.countedHundredths * mbBytes) / 100, `exposed counter of ${id}`);
  }
  return out;
}

const DOMAINS = [
  { domain: 'a.example', streams: ['live/a1', 'live/a2', 'live/a3', 'live/a4'] },
  { domain: 'b.example', streams: ['live/b1', 'live/b2', 'live/b3'] },
];
const ALL = DOMAINS.flatMap((d) => d.streams.map((s) => `${d.domain}/${s}`));
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe('wangsu traffic counter against the simulator', () => {
  it('over 2 simulated hours with revisions and throttling, increase() equals the settled ground truth', async () => {
    const clock = new ManualClock(T0);
    // The simulator allows fewer requests than the source's budget: another client shares the account.
    const sim = await startSim({ clock, model: { seed: 11, domains: DOMAINS, liveRatio: 0.6 }, rate: { interfaceRequests: 8 } });
    const src = buildSource({ endpoint: sim.url, auth: apiKeyAuth, domains: DOMAINS.map((d) => ({ domain: d.domain })) }, clock);
    try {
      const { scheduler } = src;
      sim.sim.model.addSpike({ domain: 'a.example', stream: 'live/a1', factor: 8, fromMs: T0 + 20 * MIN, toMs: T0 + 35 * MIN });
      const increase = new IncreaseTracker('wangsu_live_stream_traffic_bytes_total');
      const observe = (text: string) => increase.observe(text);
      await runScrapes(clock, scheduler, 120 * MIN, 15_000, observe);
      const throttled = sim.sim.requests.filter((r) => r.code === THROTTLE_CODE).length;
      assert.ok(throttled >= 5, `expected throttling, got ${throttled} throttle answers`);
      // Catch-up after the last throttle, with no new limits in the way.
      await runScrapes(clock, scheduler, 15 * MIN, 15_000, observe);
      const st = src.source.ledger.get('a.example', 'live/a1')!;
      const truth = sim.sim.groundTruth(src.source.ledger.baselineMs, st.cursorMs);
      assert.ok(sum(truth) > 0);
      // increase() in bytes, back to hundredths of an MB (MB = 10^6 bytes here), per stream.
      const increased = Object.fromEntries([...increase.total].filter(([, v]) => v > 0).map(([id, v]) => [id, Math.round(v / 10_000)]));
      assert.deepEqual(increased, Object.fromEntries(truth));
      const gone = ALL.filter((id) => truth.has(id) && !familyValues(scheduler.exposition().text, 'wangsu_live_stream_traffic_bytes_total').has(id));
      console.log(`streams that stopped and left /metrics during the run: ${gone.join(', ') || 'none'}`);
      const minutes = (st.cursorMs - src.source.ledger.baselineMs) / MIN;
      assert.ok(minutes >= 130, `counted ${minutes} minutes`);
      console.log(`counter exactness: ${minutes} minutes, ${sum(truth) / 100} MB counted = ground truth; ${throttled} throttle answers`);
    } finally {
      await src.close();
      await sim.close();
    }
  });

  it('with a delay shorter than settling, revisions after counting are ignored: the counter only undercounts', async () => {
    // 6m: every slice has shown up (1–5 minutes), none has settled (5–15 minutes).
    const clock = new ManualClock(T0);
    const sim = await startSim({ clock, model: { seed: 12, domains: DOMAINS, liveRatio: 1 } });
    const src = buildSource({ endpoint: sim.url, auth: apiKeyAuth, domains: DOMAINS.map((d) => ({ domain: d.domain })), delay: '6m' }, clock);
    try {
      const { scheduler } = src;
      await runScrapes(clock, scheduler, 40 * MIN);
      const st = src.source.ledger.get('a.example', 'live/a1')!;
      await clock.advance(20 * MIN); // let the simulator settle what was counted
      const counted = sum(countedBy(src.source, '', 1_000_000, ALL));
      const truth = sum(sim.sim.groundTruth(src.source.ledger.baselineMs, st.cursorMs));
      assert.ok(counted < truth, `counted ${counted} should be below the settled ${truth}`);
      assert.ok(counted > truth * 0.6, 'each slice is counted once, at its first (partial) value');
    } finally {
      await src.close();
      await sim.close();
    }
  });

  it('across a restart never counts a slice twice; it misses exactly the slices between the old window and the new baseline', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSim({ clock, model: { seed: 13, domains: DOMAINS, liveRatio: 0.8 } });
    const raw = { endpoint: sim.url, auth: apiKeyAuth, domains: DOMAINS.map((d) => ({ domain: d.domain })) };
    const first = buildSource(raw, clock);
    const second = { current: undefined as ReturnType<typeof buildSource> | undefined };
    try {
      await runScrapes(clock, first.scheduler, 40 * MIN);
      const a = { baseline: first.source.ledger.baselineMs, end: first.source.ledger.get('a.example', 'live/a1')!.cursorMs };
      const countedA = countedBy(first.source, '', 1_000_000, ALL);
      await first.close();

      await clock.advance(7 * MIN + 20_000); // the exporter is down
      second.current = buildSource(raw, clock);
      const b0 = second.current.source.ledger.baselineMs;
      await runScrapes(clock, second.current.scheduler, 40 * MIN);
      const b = { baseline: b0, end: second.current.source.ledger.get('a.example', 'live/a1')!.cursorMs };
      const countedB = countedBy(second.current.source, '', 1_000_000, ALL);

      assert.ok(b.baseline >= a.end, 'the new process starts counting after the old one stopped: nothing counted twice');
      assert.deepEqual(countedA, new Map([...sim.sim.groundTruth(a.baseline, a.end)].filter(([id]) => countedA.has(id))));
      const truthB = sim.sim.groundTruth(b.baseline, b.end);
      for (const [id, v] of countedB) assert.equal(v, truthB.get(id) ?? 0, id);
      const missed = sum(sim.sim.groundTruth(a.end, b.baseline));
      const total = sum(sim.sim.groundTruth(a.baseline, b.end));
      assert.equal(sum(countedA) + sum(countedB) + missed, total);
      assert.equal((b.baseline - a.end) / MIN, 8, 'missed: the 7m20s downtime plus the age of the last window of the old process, in whole slices');
      console.log(`restart: ${(b.baseline - a.end) / MIN} minutes of slices missed (${missed / 100} MB), none counted twice`);
    } finally {
      await second.current?.close();
      await sim.close();
    }
  });

  it('counts throttle answers from the simulator as throttled and pauses the whole account', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSim({ clock, model: { seed: 14, domains: DOMAINS } });
    const src = buildSource({ endpoint: sim.url, auth: apiKeyAuth, domains: DOMAINS.map((d) => ({ domain: d.domain })) }, clock);
    try {
      const { scheduler } = src;
      sim.sim.injectFault('throttle', 2);
      await runScrapes(clock, scheduler, 15_000);
      const detail = sim.sim.requests.filter((r) => r.path === DETAIL_PATH);
      assert.deepEqual(
        detail.map((r) => r.status),
        [446, 446],
      );
      await runScrapes(clock, scheduler, 14_000); // still inside the 30 s pause
      assert.equal(sim.sim.requests.filter((r) => r.path === DETAIL_PATH).length, 2, 'a request went out during the pause');
      await runScrapes(clock, scheduler, 60_000);
      assert.deepEqual(
        sim.sim.requests
          .filter((r) => r.path === DETAIL_PATH)
          .slice(2, 4)
          .map((r) => r.status),
        [200, 200],
      );
      const throttled = (await src.metrics.apiThrottled.get()).values.reduce((a, v) => a + v.value, 0);
      assert.equal(throttled, 2);
    } finally {
      await src.close();
      await sim.close();
    }
  });
});
