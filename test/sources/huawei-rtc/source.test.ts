import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { queryWindow } from '../../../src/sources/huawei-rtc/client.js';
import { huaweiSetup, ROOMS_ONLY } from '../../../src/sources/huawei-rtc/sim/drive.js';

/** Value of one series on a page, or undefined. */
function valueOf(page: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const line = page.split('\n').find((l) => l.startsWith(`${name}{${want}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('huawei_rtc source', () => {
  it('end to end: families, labels and converted values match the simulator for a fixed seed', async () => {
    const h = await huaweiSetup({ sim: { world: { seed: 7, apps: 1, roomsPerApp: 2, maxUsers: 3, cycleMs: 86_400_000, openMs: 86_000_000 } } });
    try {
      await h.clock.advance(30 * 60_000); // rooms have been open a while
      await h.scrape();
      const res = await request(h.exporter.app).get('/metrics').expect(200);
      const page = res.text;
      const now = h.clock.now();
      const [appId] = h.sim.world.appIds();
      const rooms = h.sim.world.runningRooms(appId!, now);
      assert.equal(rooms.length, 2);
      const latest = Math.floor((now - 90_000) / 10_000) * 10_000; // newest visible point (90 s lag, 10 s spacing)
      let downlinksChecked = 0;
      for (const room of rooms) {
        const present = h.sim.world.users(room).filter((u) => u.joinedAt <= latest && latest < u.leftAt);
        const [u0, u1] = present;
        const v = (mid: string, peer: string) => h.sim.world.value(room, u0!.uid, peer, mid, latest);
        const uplink = { app_id: appId!, room_id: room.roomId, uid: u0!.uid, peerid: '0' };
        assert.equal(valueOf(page, 'huaweicloud_rtc_video_width_pixels', uplink), 1280);
        assert.equal(valueOf(page, 'huaweicloud_rtc_app_cpu_usage_ratio', uplink), Number((v('appcpu', '0') / 100).toPrecision(15)));
        assert.equal(valueOf(page, 'huaweicloud_rtc_room_last_sample_timestamp_seconds', { app_id: appId!, room_id: room.roomId }), latest / 1000);
        assert.equal(valueOf(page, 'huaweicloud_rtc_room_last_refresh_timestamp_seconds', { app_id: appId!, room_id: room.roomId }), now / 1000);
        // A user who left has no series.
        for (const gone of h.sim.world.users(room).filter((u) => u.leftAt <= latest))
          assert.doesNotMatch(page, new RegExp(`room_id="${room.roomId}",uid="${gone.uid}"`));
        if (!u1) continue;
        downlinksChecked++;
        const labels = { ...uplink, peerid: u1.uid };
        assert.equal(valueOf(page, 'huaweicloud_rtc_audio_jitter_seconds', labels), v('ajitter', u1.uid) / 1000);
        assert.equal(valueOf(page, 'huaweicloud_rtc_video_rtt_seconds', labels), v('vrtt', u1.uid) / 1000);
        assert.equal(valueOf(page, 'huaweicloud_rtc_audio_packet_loss_ratio', labels), Number((v('aloss', u1.uid) / 100).toPrecision(15)));
        assert.equal(valueOf(page, 'huaweicloud_rtc_video_bitrate_bytes_per_second', labels), v('vbit', u1.uid) * 125);
        // A mid the table does not know keeps its value and gains a mid label.
        assert.equal(valueOf(page, 'huaweicloud_rtc_qos_value', { ...labels, mid: 'netscore' }), v('netscore', u1.uid));
      }
      assert.ok(downlinksChecked >= 1, 'the seed gives no room with two users present');
      for (const family of [
        'audio_jitter_seconds',
        'video_jitter_seconds',
        'audio_rtt_seconds',
        'video_packet_loss_ratio',
        'audio_freeze_ratio',
        'video_freeze_ratio',
        'video_frames_per_second',
        'system_cpu_usage_ratio',
        'video_height_pixels',
        'audio_bitrate_bytes_per_second',
      ]) {
        assert.match(page, new RegExp(`^# TYPE huaweicloud_rtc_${family} gauge$`, 'm'));
      }
      assert.match(
        page,
        /^# HELP huaweicloud_rtc_audio_jitter_seconds Audio jitter\. Upstream mid ajitter, unit ms \(assumed; override with huawei_rtc\.units\); × 0\.001 to seconds\.$/m,
      );
      assert.match(page, /^rtc_cdn_exporter_up\{source="huawei_rtc"\} 1$/m);
    } finally {
      await h.close();
    }
  });

  it('reads every page until a short one (3 or more pages)', async () => {
    const h = await huaweiSetup({
      sim: { world: { seed: 3, apps: 1, roomsPerApp: 1, maxUsers: 3, cycleMs: 86_400_000, openMs: 86_000_000 } },
      config: { ...ROOMS_ONLY, page_size: 10 },
    });
    try {
      await h.clock.advance(30 * 60_000);
      const page = await h.scrape();
      const qos = h.sim.requests.filter((r) => r.path.endsWith('/qos/details'));
      const room = h.sim.world.runningRooms(h.sim.world.appIds()[0]!, h.clock.now())[0]!;
      const users = h.sim.world.users(room).length;
      // Uplink mids + downlink mids per peer, and the presenter's screen share (uplink, and downlink per receiver).
      const entries = users * 7 + users * (users - 1) * 12 + 4 + (users - 1) * 6;
      assert.ok(qos.length >= 3, `only ${qos.length} pages`);
      assert.equal(qos.length, Math.floor(entries / 10) + 1);
      assert.deepEqual(
        qos.map((r) => r.query.offset),
        qos.map((_, i) => String(i * 10)),
      );
      const series = page.split('\n').filter((l) => l.startsWith('huaweicloud_rtc_') && !l.includes('room_last_')).length;
      assert.equal(series, entries);
    } finally {
      await h.close();
    }
  });

  it('discovers running rooms, and drops a room that closes: no more queries, no more series', async () => {
    const h = await huaweiSetup({
      sim: { world: { seed: 11, apps: 1, roomsPerApp: 3, maxUsers: 2, cycleMs: 40 * 60_000, openMs: 30 * 60_000 } },
      config: { discovery_interval: '1m' },
    });
    try {
      const appId = h.sim.world.appIds()[0]!;
      await h.clock.advance(60_000);
      let page = await h.scrape();
      const before = h.sim.world.runningRooms(appId, h.clock.now());
      assert.ok(before.length >= 1);
      for (const r of before) assert.match(page, new RegExp(`room_id="${r.roomId}"`));
      // Move to just after the first of them closes (and a discovery interval later).
      const first = [...before].sort((a, b) => a.closedAt - b.closedAt)[0]!;
      await h.run(first.closedAt - h.clock.now() + 61_000, 30_000, () => void h.exporter.scheduler.collect(0));
      page = await h.scrape();
      assert.doesNotMatch(page, new RegExp(`room_id="${first.roomId}"`));
      const lastQuery = Math.max(...h.sim.requests.filter((r) => r.query.room_id === first.roomId).map((r) => r.at));
      assert.ok(lastQuery <= first.closedAt + 60_000, 'closed room still queried after the next discovery');
      const now = h.sim.world.runningRooms(appId, h.clock.now());
      for (const r of now) assert.match(page, new RegExp(`room_id="${r.roomId}"`));
    } finally {
      await h.close();
    }
  });

  it('asks only for windows the API accepts', () => {
    const now = Date.UTC(2026, 10, 22, 12, 0, 0);
    assert.deepEqual(queryWindow(now, 10 * 60_000), { start: '2026-11-22T11:50:00Z', end: '2026-11-22T12:00:00Z' });
    const day = queryWindow(now, 48 * 3_600_000);
    assert.equal(day.start, '2026-11-21T12:00:00Z', 'never more than 24 h');
  });

  it('uses unit overrides from config', async () => {
    const h = await huaweiSetup({
      sim: { world: { seed: 7, apps: 1, roomsPerApp: 1, maxUsers: 2, cycleMs: 86_400_000, openMs: 86_000_000 } },
      config: { units: { ajitter: 's' } },
    });
    try {
      await h.clock.advance(30 * 60_000);
      const page = await h.scrape();
      const room = h.sim.world.runningRooms(h.sim.world.appIds()[0]!, h.clock.now())[0]!;
      const latest = Math.floor((h.clock.now() - 90_000) / 10_000) * 10_000;
      const [u0, u1] = h.sim.world.users(room).filter((u) => u.joinedAt <= latest && latest < u.leftAt);
      assert.ok(u1, 'the seed gives a room with fewer than two users present');
      const labels = { app_id: room.appId, room_id: room.roomId, uid: u0!.uid, peerid: u1.uid };
      assert.equal(valueOf(page, 'huaweicloud_rtc_audio_jitter_seconds', labels), h.sim.world.value(room, u0!.uid, u1.uid, 'ajitter', latest));
      assert.match(page, /unit s \(set in config\); no conversion/);
    } finally {
      await h.close();
    }
  });
});
