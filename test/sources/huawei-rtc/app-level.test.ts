import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createShard } from '../../../src/shard.js';
import { huaweiSetup, START } from '../../../src/sources/huawei-rtc/sim/drive.js';
import type { AbnormalEvent } from '../../../src/sources/huawei-rtc/abnormal-events.js';
import { eventLabels } from '../../../src/sources/huawei-rtc/abnormal-events.js';

const MINUTE = 60_000;
const LAG = 90_000;
/** Long-lived rooms: nothing opens or closes during a test. */
const STEADY = { seed: 3, apps: 1, maxUsers: 3, cycleMs: 86_400_000, openMs: 86_000_000 };

/** Value of the series with exactly these label values (in order) on the page. */
function value(page: string, family: string, labels: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${family}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The events a poll at `at` can see: their minute is over and the lag has passed. */
const visibleAt = (at: number) => (e: AbnormalEvent) => Math.floor(Date.parse(e.time) / MINUTE) * MINUTE + MINUTE + LAG <= at;

/** Expected counter values by "type/factor" label pair. */
function tally(events: readonly AbnormalEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    const { type, factor } = eventLabels(e.abnormal_type, e.abnormal_factor);
    out.set(`${type}/${factor}`, (out.get(`${type}/${factor}`) ?? 0) + 1);
  }
  return out;
}

function counters(page: string, appId: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^huaweicloud_rtc_abnormal_events_total\\{app_id="${appId}",type="([^"]+)",factor="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const m of page.matchAll(re)) if (Number(m[3]) > 0) out.set(`${m[1]}/${m[2]}`, Number(m[3]));
  return out;
}

const lastRequest = (h: Awaited<ReturnType<typeof huaweiSetup>>, path: string) => h.sim.requests.filter((r) => r.path.endsWith(path)).at(-1)!;

describe('huawei_rtc app-level figures and abnormal events', () => {
  it('exports every app figure from the same world as the per-user data, newest minute, in base units', async () => {
    const h = await huaweiSetup({ sim: { world: { ...STEADY, roomsPerApp: 4 } } });
    try {
      await h.runScrapes(12 * MINUTE);
      const page = await h.scrape();
      const app = h.sim.world.appIds()[0]!;
      const asked = lastRequest(h, '/realtime/scale');
      // The newest minute the simulator served at that request: over, and past the lag.
      const newest = Math.floor((asked.at - LAG) / MINUTE) * MINUTE - MINUTE;
      const scale = h.sim.figures.scale(app, newest)!;
      assert.equal(value(page, 'huaweicloud_rtc_app_online_users', `app_id="${app}"`), scale.OnlineUsers);
      assert.equal(value(page, 'huaweicloud_rtc_app_rooms', `app_id="${app}"`), 4);
      assert.equal(value(page, 'huaweicloud_rtc_app_last_sample_timestamp_seconds', `app_id="${app}",metric="OnlineUsers"`), newest / 1000);
      for (const sdk of ['native', 'webrtc'] as const) {
        const shown = value(page, 'huaweicloud_rtc_app_video_freeze_ratio', `app_id="${app}",sdk_type="${sdk}"`);
        const shownAt = value(page, 'huaweicloud_rtc_app_last_sample_timestamp_seconds', `app_id="${app}",sdk_type="${sdk}",metric="VideoFreezeRate"`)!;
        const percent = h.sim.figures.quality(app, 'VideoFreezeRate', sdk, shownAt * 1000);
        assert.ok(percent !== undefined && shown !== undefined, `${sdk}: video freeze exported`);
        assert.ok(Math.abs(shown - percent / 100) < 1e-12, `${sdk}: ${shown} vs ${percent} %`);
        assert.ok(shown >= 0 && shown <= 1);
      }
      for (const family of [
        'join_success',
        'join_within_5s',
        'audio_freeze',
        'video_uplink_excellent',
        'audio_uplink_excellent',
        'video_excellent',
        'audio_excellent',
      ]) {
        assert.match(page, new RegExp(`^huaweicloud_rtc_app_${family}_ratio\\{app_id="${app}",sdk_type="native"\\} (0(\\.\\d+)?|1)$`, 'm'), family);
      }
      // 18 app figures every 3 minutes, an event poll every 30 s; rooms take the rest.
      const perMinute = (path: string) => h.sim.requests.filter((r) => r.path.includes(path)).length / 12;
      assert.ok(perMinute('/realtime/') <= 18 / 3 + 18 / 12, `realtime ${perMinute('/realtime/')} per minute`);
      assert.ok(perMinute('/abnormal-events') <= 2 + 1 / 12, `events ${perMinute('/abnormal-events')} per minute`);
    } finally {
      await h.close();
    }
  });

  it('counts every abnormal event exactly once over 40 minutes of overlapping polls, through spikes, failed joins and paging', async () => {
    const spikes = { fromMs: START + 5 * MINUTE, everyMs: 10 * MINUTE, forMs: 3 * MINUTE, slots: [0, 2] };
    const joinFailures = { fromMs: START + 12 * MINUTE, everyMs: 0, forMs: 4 * MINUTE, ratio: 0.5 };
    const h = await huaweiSetup({
      sim: { world: { ...STEADY, roomsPerApp: 6, spikes, joinFailures } },
      config: { abnormal_events: { page_size: 7 } },
    });
    try {
      await h.runScrapes(40 * MINUTE);
      const page = await h.scrape();
      const app = h.sim.world.appIds()[0]!;
      const polledAt = lastRequest(h, '/abnormal-events').at;
      const expected = h.sim.events.between(app, START, polledAt).filter(visibleAt(polledAt));
      const t = tally(expected);
      assert.ok((t.get('video_freeze/video_uplink_jitter') ?? 0) > 20, 'spikes gave video freezes');
      assert.ok((t.get('slow_join/server_error') ?? 0) > 0, 'failed joins gave slow joins');
      assert.ok(t.has('video_freeze/code_99'), 'an unknown factor code is kept');
      assert.deepEqual(counters(page, app), t);
      const polls = h.sim.requests.filter((r) => r.path.endsWith('/abnormal-events'));
      assert.ok(
        polls.some((r) => r.query.offset === '7'),
        'polls read a second page',
      );
      // The frequent reads cover the newest 5 minutes; the whole 15-minute window is read again every 5 minutes.
      const firstPages = polls.filter((r) => r.query.offset === '0');
      const span = (r: (typeof polls)[number]) => (Date.parse(String(r.query.end_time)) - Date.parse(String(r.query.start_time))) / MINUTE;
      const whole = firstPages.filter((r) => span(r) === 15).map((r) => r.at);
      assert.equal(firstPages.filter((r) => span(r) === 5).length + whole.length, firstPages.length, 'every read is 5 or 15 minutes');
      assert.ok(whole.length >= 7 && whole.length <= 9, `${whole.length} whole-window reads in 40 minutes`);
      assert.ok(firstPages.length > 60, `${firstPages.length} reads in 40 minutes (a 1-minute poll gives 40)`);
    } finally {
      await h.close();
    }
  });

  it('counts what max_pages allows and the rest as dropped, and keeps the counter through a failing poll', async () => {
    const spikes = { fromMs: START, everyMs: 0, forMs: 0, slots: [0, 1, 2, 3] };
    const h = await huaweiSetup({
      sim: { world: { ...STEADY, roomsPerApp: 4, spikes } },
      config: { abnormal_events: { page_size: 5, max_pages: 1 } },
    });
    try {
      await h.runScrapes(6 * MINUTE);
      let page = await h.scrape();
      const app = h.sim.world.appIds()[0]!;
      const dropped = (await h.exporter.metrics.pointsDropped.get()).values.find(
        (v) => v.labels.api === 'abnormal_events' && v.labels.reason === 'past_max_pages',
      )?.value;
      assert.ok(dropped !== undefined && dropped > 0, `dropped ${dropped}`);
      const before = counters(page, app);
      assert.ok([...before.values()].reduce((a, b) => a + b, 0) > 0);
      // Every request from now on fails: the events key keeps its last good counter.
      for (let i = 0; i < 40; i++) h.sim.faults.push('server_error');
      await h.runScrapes(2 * MINUTE);
      page = await h.scrape();
      assert.deepEqual(counters(page, app), before);
      assert.equal(h.runner.status().up, false);
    } finally {
      await h.close();
    }
  });

  it('refreshes a room with new abnormal events before staler quiet rooms', async () => {
    // 120 rooms on 30 requests a minute: oldest-first alone would reach the troubled room about 5 minutes late.
    const troubleAt = START + 20 * MINUTE;
    const spikes = { fromMs: troubleAt, everyMs: 0, forMs: 0, slots: [7] };
    const h = await huaweiSetup({
      sim: { world: { ...STEADY, maxUsers: 2, roomsPerApp: 120, spikes } },
      config: { discovery_interval: '10m' },
    });
    try {
      // Prometheus scrapes every 15 s whether or not the last scrape's refreshes are done.
      let tick = 0;
      await h.run(30 * MINUTE, 5_000, () => void (tick++ % 3 === 0 && h.exporter.scheduler.collect(10_000)));
      const troubled = h.sim.world.runningRooms(h.sim.world.appIds()[0]!, troubleAt).find((r) => r.slot === 7)!.roomId;
      const eventsSeen = h.sim.requests.find((r) => r.path.endsWith('/abnormal-events') && r.at >= troubleAt + MINUTE + LAG)!.at;
      const qos = h.sim.requests.filter((r) => r.path.endsWith('/qos/details') && r.at >= eventsSeen);
      const next = qos.findIndex((r) => r.query.room_id === troubled);
      assert.ok(next >= 0 && next <= 8, `the troubled room came ${next}th after its events were seen`);
      assert.ok(qos[next]!.at - troubleAt < 5 * MINUTE, `fresh ${(qos[next]!.at - troubleAt) / 1000} s after the trouble began`);
    } finally {
      await h.close();
    }
  });

  it('shares the 30/min with qos/details by default, and takes a separate budget when realtime_budget is set', async () => {
    const world = { ...STEADY, roomsPerApp: 40, maxUsers: 2 };
    for (const separate of [false, true]) {
      const h = await huaweiSetup({
        sim: { world, rateLimitPerMinute: 30, realtimeLimit: separate ? 30 : 'shared' },
        config: separate ? { realtime_budget: { requests: 30, window: '1m' } } : {},
      });
      try {
        await h.runScrapes(10 * MINUTE);
        const n = (f: (p: string) => boolean) => h.sim.requests.filter((r) => f(r.path)).length;
        const app = n((p) => p.includes('/realtime/') || p.endsWith('/abnormal-events'));
        const rooms = n((p) => p.endsWith('/qos/details') || p.endsWith('/rooms'));
        assert.equal(h.sim.requests.filter((r) => r.status === 429).length, 0, 'never throttled');
        if (separate) assert.ok(app + rooms > 300 + 40, `${app} + ${rooms}: the two budgets add up`);
        else assert.ok(app + rooms <= 300 + 30, `${app} + ${rooms} requests in 10 minutes on one 30/min budget`);
      } finally {
        await h.close();
      }
    }
  });

  it('with shards, one replica reads the app figures and each counts the events of its own rooms', async () => {
    const spikes = { fromMs: START, everyMs: 0, forMs: 0, slots: [0, 1, 2, 3, 4, 5] };
    const world = { ...STEADY, roomsPerApp: 6, maxUsers: 2, spikes };
    let withFigures = 0;
    for (const index of [0, 1]) {
      const shard = createShard(index, 2);
      const h = await huaweiSetup({ sim: { world }, shard });
      try {
        await h.runScrapes(8 * MINUTE);
        const page = await h.scrape();
        const app = h.sim.world.appIds()[0]!;
        if (page.includes('huaweicloud_rtc_app_online_users{')) withFigures++;
        const polledAt = lastRequest(h, '/abnormal-events').at;
        const own = h.sim.events
          .between(app, START, polledAt)
          .filter(visibleAt(polledAt))
          .filter((e) => shard.owns(`${app}\u001f${e.room_id}`));
        assert.ok(own.length > 0, `replica ${index} owns troubled rooms`);
        assert.deepEqual(counters(page, app), tally(own), `replica ${index} counts its rooms' events`);
      } finally {
        await h.close();
      }
    }
    assert.equal(withFigures, 1, 'exactly one replica exports the app figures');
  });
});
