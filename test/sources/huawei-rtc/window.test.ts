// A room's qos/details window starts at its newest point less departed_after
// once that is known: older series have left the call for good, so the short
// window must export exactly what the whole lookback would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { huaweiSetup, ROOMS_ONLY, START } from '../../../src/sources/huawei-rtc/sim/drive.js';

/** Rooms that open and close, users who join and leave within the hour watched. */
const WORLD = { seed: 21, apps: 1, roomsPerApp: 3, maxUsers: 4, cycleMs: 30 * 60_000, openMs: 22 * 60_000, firstRoomOpensAt: START - 60_000 };
const CONFIG = { ...ROOMS_ONLY, refresh_interval: '15s', discovery_interval: '15s', lookback: '10m', departed_after: '2m' };

const setup = (start?: number) => huaweiSetup({ sim: { world: WORLD }, config: CONFIG, ...(start === undefined ? {} : { start }) });
/** The upstream series of a page, sorted (the exporter's own metrics left out). */
const upstreamLines = (page: string) =>
  page
    .split('\n')
    .filter((l) => l.startsWith('huaweicloud_rtc_'))
    .sort();
const newestPoints = (page: string) =>
  new Map(
    [...page.matchAll(/^huaweicloud_rtc_room_last_sample_timestamp_seconds\{app_id="[^"]*",room_id="([^"]*)"\} (\S+)$/gm)].map((m) => [
      m[1]!,
      Number(m[2]) * 1000,
    ]),
  );

function usersByRoom(lines: readonly string[]): Map<string, Set<string>> {
  const rooms = new Map<string, Set<string>>();
  for (const l of lines) {
    const m = /room_id="([^"]*)",uid="([^"]*)"/.exec(l);
    if (m) rooms.set(m[1]!, (rooms.get(m[1]!) ?? new Set()).add(m[2]!));
  }
  return rooms;
}

describe('huawei_rtc query window', () => {
  it('a room is asked for the whole lookback first, then from its newest point less departed_after', async () => {
    const h = await setup();
    try {
      await h.clock.advance(5 * 60_000);
      const first = await h.scrape();
      const newest = newestPoints(first);
      assert.ok(newest.size >= 1, 'no room running');
      const seen = h.sim.requests.length;
      await h.clock.advance(15_000);
      await h.scrape();
      const asked = h.sim.requests.slice(seen).filter((r) => r.path.endsWith('/client/qos/details'));
      const span = (r: (typeof asked)[number]) => Date.parse(String(r.query.end_time)) - Date.parse(String(r.query.start_time));
      const short = new Set<string>();
      // Every page of a room's answer (page_size entries each) uses the same window.
      for (const r of asked) {
        const room = String(r.query.room_id);
        const n = newest.get(room);
        // A room without a point yet (just opened) is asked for the whole lookback again.
        if (n === undefined) assert.equal(span(r), 10 * 60_000, `room ${room}`);
        else {
          assert.equal(r.query.start_time, new Date(n - 2 * 60_000).toISOString().replace('.000Z', 'Z'), `room ${room}`);
          short.add(room);
        }
      }
      assert.deepEqual([...short].sort(), [...newest.keys()].sort());
      for (const r of h.sim.requests.slice(0, seen).filter((q) => q.path.endsWith('/client/qos/details'))) assert.equal(span(r), 10 * 60_000);
    } finally {
      await h.close();
    }
  });

  it('exports exactly what a whole-lookback query would, through joins, leaves, opens and closes', async () => {
    const h = await setup();
    try {
      let compared = 0;
      /** Users gone from a room that is still on the page: the case a short window could get wrong. */
      let leaves = 0;
      let before = new Map<string, Set<string>>();
      for (let step = 0; step < 4 * 50; step++) {
        await h.clock.advance(15_000);
        const page = await h.scrape();
        if (step % 20 !== 19) continue;
        // A fresh exporter at the same moment asks every room for the whole lookback.
        const whole = await setup(h.clock.now());
        try {
          const expected = upstreamLines(await whole.scrape());
          assert.deepEqual(upstreamLines(page), expected, `at ${new Date(h.clock.now()).toISOString()}`);
          compared += expected.length;
          const now = usersByRoom(expected);
          for (const [room, users] of now) for (const uid of before.get(room) ?? []) if (!users.has(uid)) leaves++;
          before = now;
        } finally {
          await whole.close();
        }
      }
      assert.ok(compared > 500, `only ${compared} series compared`);
      const shortWindows = h.sim.requests.filter(
        (r) => r.path.endsWith('/client/qos/details') && Date.parse(String(r.query.end_time)) - Date.parse(String(r.query.start_time)) < 5 * 60_000,
      );
      assert.ok(shortWindows.length > 100, `only ${shortWindows.length} short windows asked`);
      assert.ok(leaves >= 1, 'no user left a running room between comparisons');
    } finally {
      await h.close();
    }
  });
});
