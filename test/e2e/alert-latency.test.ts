// How long after a problem starts the shipped alerts fire, at default settings,
// measured with a real Prometheus (see alert-eval.ts). The exporter runs with
// its defaults against both simulators on a fake clock (vendor lag included:
// Huawei's data lag, Wangsu's 1–5 minute availability lag and fresh_delay),
// scraped every 30 s of simulated time for two hours: a room where every user's
// jitter spikes, and a stream whose bandwidth spikes 50-fold.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config.js';
import { Exporter } from '../../src/exporter.js';
import { runScrapes } from '../../src/sim/drive.js';
import { ManualClock } from '../../src/sim/manual-clock.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';
import { sources } from '../../src/sources/index.js';
import { HuaweiRtcSimulator } from '../../src/sources/huawei-rtc/sim/simulator.js';
import { apiKeyAuth, startSim } from '../../src/sources/wangsu-cdn/sim/drive.js';
import { EVAL_MS, evaluatorOver, forMs, shippedRule, type AlertEvaluator, type Rule } from './alert-eval.js';

const MIN = 60_000;
const SCRAPE_MS = 30_000;
/** Simulated time: history for the baselines, then the problems. */
const RUN_MS = 110 * MIN;
const JITTER_SPIKE_AT = 75 * MIN;
const BANDWIDTH_SPIKE_AT = 80 * MIN;
/** Huawei's data lag in the simulator (the real API: up to 5 minutes). */
const HUAWEI_LAG_MS = 90_000;
const SPIKED_STREAM = 'live/main';

/** A room of the first slot with at least 4 users, none leaving early: every seed's world differs. */
function pickSeed(t0: number): { seed: number; roomId: string; users: number } {
  for (let seed = 1; seed < 200; seed++) {
    const sim = new HuaweiRtcSimulator({ clock: new ManualClock(t0), world: worldOf(seed, t0) });
    const room = sim.world.runningRooms(sim.world.appIds()[0]!, t0 + JITTER_SPIKE_AT).find((r) => r.slot === 0)!;
    const users = sim.world.users(room);
    if (users.length >= 4 && users.every((u) => u.leftAt === room.closedAt) && room.openedAt <= t0) return { seed, roomId: room.roomId, users: users.length };
  }
  throw new Error('no seed gives a full room');
}

function worldOf(seed: number, t0: number) {
  return {
    seed,
    apps: 1,
    roomsPerApp: 2,
    maxUsers: 6,
    cycleMs: 24 * 60 * MIN,
    openMs: 23 * 60 * MIN,
    pointIntervalMs: 10_000,
    firstRoomOpensAt: t0 - 60 * MIN,
    // Every user of the first room turns bad at JITTER_SPIKE_AT, for good.
    spikes: { fromMs: t0 + JITTER_SPIKE_AT, everyMs: 0, forMs: 0, uids: ['10000', '10001', '10002', '10003', '10004', '10005'] },
  };
}

let evaluator: AlertEvaluator | undefined;
let t0 = 0;

describe('alert latency at default settings, measured with a real Prometheus', () => {
  let full = { seed: 0, roomId: '', users: 0 };

  before(async () => {
    // Two hours that ended a quarter of an hour ago: Prometheus keeps and serves them.
    t0 = Math.floor(Date.now() / MIN) * MIN - RUN_MS - 15 * MIN;
    full = pickSeed(t0);
    const clock = new ManualClock(t0);
    const huawei = new HuaweiRtcSimulator({ clock, world: worldOf(full.seed, t0), dataLagMs: HUAWEI_LAG_MS });
    const huaweiUp = await huawei.listen();
    const wangsu = await startSim({
      clock,
      model: { seed: 5, liveRatio: 1, domains: [{ domain: 'live.example', streams: [SPIKED_STREAM, 'live/b', 'live/c'] }] },
    });
    wangsu.sim.model.addSpike({ domain: 'live.example', stream: SPIKED_STREAM, factor: 50, fromMs: t0 + BANDWIDTH_SPIKE_AT, toMs: t0 + RUN_MS + 60 * MIN });
    const raw = {
      huawei_rtc: {
        endpoint: huaweiUp.url,
        project_id: huawei.projectId,
        auth: { aksk: { access_key: huawei.credentials.accessKey, secret_key: huawei.credentials.secretKey } },
        apps: huawei.world.appIds().map((app_id) => ({ app_id })),
      },
      wangsu_cdn: { endpoint: wangsu.url, auth: apiKeyAuth, domains: [{ domain: 'live.example' }] },
    };
    const { config } = parseConfig(JSON.stringify(raw), { sources, name: 'latency config' });
    const exporter = new Exporter({ config, sources, logger: memoryLogger().logger, version: 'latency', scrapeTimeoutOffsetMs: 500, clock, random: () => 0.5 });
    const scrapes: Array<{ at: number; text: string }> = [];
    try {
      await runScrapes(clock, exporter.scheduler, RUN_MS, SCRAPE_MS, (text) => scrapes.push({ at: clock.now(), text }));
    } finally {
      await exporter.shutdown();
      await huaweiUp.close();
      await wangsu.close();
    }

    evaluator = await evaluatorOver(scrapes);
  });

  after(async () => {
    await evaluator?.stop();
  });

  const rule = shippedRule;
  const firstFiring = (r: Rule, fromMs: number, toMs: number) => evaluator!.firstFiring(r, fromMs, toMs);

  it('RtcRoomJitterSpike: pages within Huawei data lag + for + 2 minutes of a room-wide jitter spike', async () => {
    const r = rule('RtcRoomJitterSpike');
    assert.equal(await firstFiring(r, t0 + 60 * MIN, t0 + JITTER_SPIKE_AT - EVAL_MS), undefined, 'fired before the spike');
    const fired = await firstFiring(r, t0 + JITTER_SPIKE_AT, t0 + RUN_MS);
    assert.ok(fired, 'RtcRoomJitterSpike never fired');
    assert.equal(fired.labels.room_id, full.roomId);
    const latency = fired.atMs - (t0 + JITTER_SPIKE_AT);
    const goal = HUAWEI_LAG_MS + forMs(r) + 2 * MIN;
    console.log(
      `RtcRoomJitterSpike fired ${latency / 1000} s after the spike started (room of ${full.users} users, media=${fired.labels.media}; goal ≤ ${goal / 1000} s: Huawei lag ${HUAWEI_LAG_MS / 1000} s + for ${r.for} + 2 min)`,
    );
    assert.ok(latency <= goal, `${latency / 1000} s`);
  });

  it('LiveStreamBandwidthSpike: pages within fresh_delay + for + 2 minutes of a bandwidth spike', async () => {
    const r = rule('LiveStreamBandwidthSpike');
    assert.equal(await firstFiring(r, t0 + 60 * MIN, t0 + BANDWIDTH_SPIKE_AT - EVAL_MS), undefined, 'fired before the spike');
    const fired = await firstFiring(r, t0 + BANDWIDTH_SPIKE_AT, t0 + RUN_MS);
    assert.ok(fired, 'LiveStreamBandwidthSpike never fired');
    assert.equal(fired.labels.stream, SPIKED_STREAM);
    const latency = fired.atMs - (t0 + BANDWIDTH_SPIKE_AT);
    const goal = 5 * MIN + forMs(r) + 2 * MIN;
    console.log(
      `LiveStreamBandwidthSpike fired ${latency / 1000} s after the spike started (goal ≤ ${goal / 1000} s: fresh_delay 5m + for ${r.for} + 2 min; the first spiked slice ends 1 min after the start)`,
    );
    assert.ok(latency <= goal, `${latency / 1000} s`);
  });

  it('no collapse alert fires for streams that stay live (late slices are not zeros)', async () => {
    for (const name of ['LiveStreamBandwidthCollapsed', 'LiveDomainBandwidthCollapsed']) {
      assert.equal(await firstFiring(rule(name), t0 + 60 * MIN, t0 + RUN_MS), undefined, `${name} fired`);
    }
  });
});
