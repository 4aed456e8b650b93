// Users who leave a call leave /metrics: a (uid, peerid, mid) series whose newest
// point trails its room's newest point by more than departed_after is not exported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { huaweiSetup, ROOMS_ONLY, signedGet, START } from '../../../src/sources/huawei-rtc/sim/drive.js';

/** Seed 21: one room of four users opening at START − 1 min; one of them leaves about half an hour later. */
const WORLD = { seed: 21, apps: 1, roomsPerApp: 1, maxUsers: 4, cycleMs: 60 * 60_000, openMs: 50 * 60_000, firstRoomOpensAt: START - 60_000 };
const LAG = 90_000; // the simulator's default data lag
const POINT = 10_000; // the simulator's default point spacing
const REFRESH = 15_000;

type Harness = Awaited<ReturnType<typeof huaweiSetup>>;

/** The room, the user who leaves early and the users who stay. */
function cast(h: Harness) {
  const room = h.sim.world.runningRooms(h.sim.world.appIds()[0]!, START)[0]!;
  const users = h.sim.world.users(room);
  const leaver = users.find((u) => u.leftAt < room.closedAt);
  const stayers = users.filter((u) => u !== leaver);
  assert.ok(leaver && stayers.length >= 2, 'the seed no longer gives one leaver and two users who stay');
  return { room, leaver, stayers: stayers.map((u) => u.uid) };
}

/** Upstream series lines (not the room's freshness gauges) of a page. */
const seriesLines = (page: string) => page.split('\n').filter((l) => l.startsWith('huaweicloud_rtc_') && !l.includes('room_last_'));
const involves = (line: string, uid: string) => line.includes(`uid="${uid}"`) || line.includes(`peerid="${uid}"`);
/** Series of r users all present: 7 uplink mids each, 12 downlink mids per peer, and the presenter's screen share (4 uplink, 6 per receiving peer). */
const fullRoom = (r: number) => r * 7 + r * (r - 1) * 12 + 4 + (r - 1) * 6;
const newestOf = (page: string) => Number(/^huaweicloud_rtc_room_last_sample_timestamp_seconds\{[^}]*\} (\S+)$/m.exec(page)?.[1]) * 1000;

/**
 * Scrapes every REFRESH from just before the leaver's data stops until well after
 * it must be gone; per page: the clock, the room's newest point, the leaver's
 * series and the others'.
 */
async function watchLeave(departedAfter: string) {
  const h = await huaweiSetup({ sim: { world: WORLD }, config: { ...ROOMS_ONLY, departed_after: departedAfter, refresh_interval: '15s' } });
  try {
    const { leaver, stayers } = cast(h);
    await h.clock.advance(leaver.leftAt - 60_000 - h.clock.now());
    const pages: Array<{ at: number; newest: number; leaver: number; others: number }> = [];
    while (h.clock.now() < leaver.leftAt + LAG + 6 * 60_000) {
      const page = await h.scrape();
      const lines = seriesLines(page);
      const mine = lines.filter((l) => involves(l, leaver.uid)).length;
      pages.push({ at: h.clock.now(), newest: newestOf(page), leaver: mine, others: lines.length - mine });
      await h.clock.advance(REFRESH);
    }
    assert.equal(h.runner.status().up, true);
    return { pages, leaver, stayers, log: h.log.records() };
  } finally {
    await h.close();
  }
}

describe('huawei_rtc departed users', () => {
  it('the simulator stops a user’s data when they leave, and keeps the others’', async () => {
    const h = await huaweiSetup({ sim: { world: WORLD }, config: ROOMS_ONLY });
    try {
      const { room, leaver, stayers } = cast(h);
      await h.clock.advance(leaver.leftAt + LAG + 3 * 60_000 - h.clock.now());
      const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const query = `app_id=${room.appId}&room_id=${room.roomId}&mid=all&start_time=${at(h.clock.now() - 10 * 60_000)}&end_time=${at(h.clock.now())}`;
      const { url, headers } = signedGet(h.sim, h.url, 'client/qos/details', query, h.clock.now());
      const res = await request(url, { headers });
      assert.equal(res.statusCode, 200);
      const body = (await res.body.json()) as { data: Array<{ uid: string; peerid: string; data: Array<{ time: string }> }> };
      const lastOf = (e: { data: Array<{ time: string }> }) => Math.max(...e.data.map((p) => Date.parse(p.time)));
      const visible = Math.floor((h.clock.now() - LAG) / POINT) * POINT;
      const theirs = body.data.filter((e) => e.uid === leaver.uid || e.peerid === leaver.uid);
      assert.equal(theirs.length, fullRoom(stayers.length + 1) - fullRoom(stayers.length), 'the leaver’s earlier points are still in the window');
      for (const e of theirs) assert.equal(lastOf(e), Math.ceil(leaver.leftAt / POINT) * POINT - POINT, `${e.uid}/${e.peerid} goes on after leaving`);
      const others = body.data.filter((e) => !theirs.includes(e));
      assert.equal(others.length, fullRoom(stayers.length));
      for (const e of others) assert.equal(lastOf(e), visible, `${e.uid}/${e.peerid} stopped`);
    } finally {
      await h.close();
    }
  });

  it('a user who leaves is gone within departed_after + one refresh of the API showing it; the others stay', async () => {
    const d = 60_000;
    const { pages, leaver, stayers, log } = await watchLeave('1m');
    const lastPoint = Math.ceil(leaver.leftAt / POINT) * POINT - POINT;
    const each = fullRoom(stayers.length + 1) - fullRoom(stayers.length);
    for (const p of pages) {
      assert.equal(p.others, fullRoom(stayers.length), `at +${(p.at - START) / 1000}s a user who stayed lost series`);
      // The rule, page by page: exported while the room's newest point is at most d ahead of theirs.
      assert.equal(p.leaver, p.newest - lastPoint > d ? 0 : each, `at +${(p.at - START) / 1000}s`);
    }
    assert.ok(pages[0]!.leaver > 0, 'the leaver was never seen');
    const gone = pages.find((p) => p.leaver === 0)!;
    // The API shows the leave LAG late; from then on, the margin plus a point and one refresh.
    assert.ok(gone.at - leaver.leftAt <= LAG + d + POINT + REFRESH, `gone only ${(gone.at - leaver.leftAt) / 1000}s after leaving`);
    assert.ok(gone.at - leaver.leftAt >= LAG + d - POINT, 'gone before the margin had passed');
    assert.ok(
      pages.slice(pages.indexOf(gone)).every((p) => p.leaver === 0),
      'came back',
    );
    const line = log.find((r) => r.msg === 'series of users who left the room are not exported');
    assert.equal(line?.level, 'debug', 'one debug line per room');
    assert.equal(line?.series, each);
  });

  it('the margin is configurable: with departed_after 3m the same user stays two minutes longer', async () => {
    const [short, long] = [await watchLeave('1m'), await watchLeave('3m')];
    const goneAt = (w: typeof short) => w.pages.find((p) => p.leaver === 0)!.at;
    assert.equal(goneAt(long) - goneAt(short), 2 * 60_000);
  });

  it('a room whose data all lags (older than departed_after) keeps every user', async () => {
    // Data 5 minutes behind the clock, margin 2 minutes (the default): the room's newest point decides, not now.
    const h = await huaweiSetup({ sim: { world: WORLD, dataLagMs: 5 * 60_000 }, config: ROOMS_ONLY });
    try {
      const { stayers } = cast(h);
      await h.clock.advance(15 * 60_000);
      const page = await h.scrape();
      assert.equal(newestOf(page), h.clock.now() - 5 * 60_000);
      assert.equal(seriesLines(page).length, fullRoom(stayers.length + 1));
      assert.ok(!h.log.records().some((r) => r.msg === 'series of users who left the room are not exported'));
    } finally {
      await h.close();
    }
  });

  it('drops exactly the series more than departed_after behind the room’s newest point, whatever their user or mid', async () => {
    // Rooms listed in config: no room listing, so the injected answer goes to qos/details.
    const h = await huaweiSetup({
      sim: { world: WORLD },
      config: (url) => ({ ...ROOMS_ONLY, endpoint: url, apps: [{ app_id: 'app1', rooms: ['r1'] }], departed_after: '2m' }),
    });
    const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    try {
      const t = h.clock.now() - 4 * 60_000;
      const entry = (uid: string, peerid: string, mid: string, times: number[]) => ({ uid, peerid, mid, data: times.map((x) => ({ time: at(x), value: 10 })) });
      h.sim.faults.push({
        answer: {
          room_id: 'r1',
          data: [
            entry('u-newest', '0', 'ajitter', [t - 30_000, t]),
            entry('u-newest', '0', 'vjitter', [t - 180_000, t - 120_000]), // exactly the margin: stays
            entry('u-newest', 'u-gone', 'aloss', [t - 121_000, t - 200_000]), // its peer left: goes
            entry('u-gone', '0', 'ajitter', [t - 300_000, t - 121_000]),
            entry('u-gone', '0', 'netscore', [t - 125_000]), // an unknown mid goes the same way
            entry('u-other', '0', 'ajitter', [t - 119_000]),
          ],
        },
      });
      const page = await h.scrape();
      const lines = seriesLines(page);
      assert.deepEqual(lines.map((l) => l.replace(/\{.*uid="([^"]+)",peerid="([^"]+)".*\}/, ' $1 $2')).sort(), [
        'huaweicloud_rtc_audio_jitter_seconds u-newest 0 0.01',
        'huaweicloud_rtc_audio_jitter_seconds u-other 0 0.01',
        'huaweicloud_rtc_video_jitter_seconds u-newest 0 0.01',
      ]);
      assert.equal(newestOf(page), t, 'the room’s newest point is still reported');
      const line = h.log.records().find((r) => r.msg === 'series of users who left the room are not exported');
      assert.deepEqual([line?.room_id, line?.series, line?.departed_after_ms], ['r1', 3, 120_000]);
    } finally {
      await h.close();
    }
  });
});
