// The statistics APIs of the simulator (realtime quality, network, scale; abnormal
// events): the gateway's rules, and figures that agree with the qos and rooms data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { signRequest } from '../../../src/sources/huawei-rtc/auth.js';
import { HuaweiRtcSimulator, type SimulatorOptions } from '../../../src/sources/huawei-rtc/sim/simulator.js';
import { START, signedGet } from '../../../src/sources/huawei-rtc/sim/drive.js';
import type { AbnormalEvent } from '../../../src/sources/huawei-rtc/sim/abnormal-events.js';
import type { SdkType } from '../../../src/sources/huawei-rtc/sim/world.js';

const MIN = 60_000;
const LAG = 90_000;
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** Rooms churn (open 90 of every 120 minutes); the second user of slot 3's room spikes from 11:45 on; joins fail 50% from 11:10 to 11:20. */
const WORLD = {
  seed: 5,
  apps: 1,
  roomsPerApp: 4,
  maxUsers: 4,
  cycleMs: 2 * 3_600_000,
  openMs: 90 * MIN,
  spikes: { fromMs: START - 15 * MIN, everyMs: 0, forMs: 0, slots: [3], uids: ['10001'] },
  joinFailures: { fromMs: START - 50 * MIN, everyMs: 86_400_000, forMs: 10 * MIN, ratio: 0.5 },
};

type Json = Record<string, unknown>;
type Point = { time: string; value: number };

async function serve(opts: SimulatorOptions) {
  const clock = new ManualClock(START);
  const sim = new HuaweiRtcSimulator({ clock, rateLimitPerMinute: 100_000, staticTokens: ['static-token'], ...opts });
  const { url: base, close } = await sim.listen();
  const send = async (url: URL | string, headers: Record<string, string>) => {
    const res = await request(url, { headers });
    return { status: res.statusCode, body: (await res.body.json()) as Json };
  };
  return {
    sim,
    clock,
    base,
    close,
    app: sim.world.appIds()[0]!,
    /** A signed GET of /v1/{project}/rtc/{path}. */
    get: (path: string, query: string) => {
      const { url, headers } = signedGet(sim, base, path, query, clock.now());
      return send(url, headers);
    },
    /** A signed GET of /v1/rtc/data/abnormal-events, with the SDKs' X-Project-Id header (or another, or none). */
    events: (query: string, projectHeader: string | null = sim.projectId) => {
      const url = new URL(`${base}/v1/rtc/data/abnormal-events?${query}`);
      const toSign: Record<string, string> = { Host: url.host };
      if (projectHeader !== null) toSign['X-Project-Id'] = projectHeader;
      return send(url, signRequest({ method: 'GET', url, headers: toSign }, sim.credentials.accessKey, sim.credentials.secretKey, clock.now()));
    },
    send,
  };
}

describe('huawei_rtc simulator: statistics APIs', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    s = await serve({ world: WORLD });
  });
  after(() => s.close());

  const window = (from: number, to: number) => `&start_time=${iso(from)}&end_time=${iso(to)}`;
  const series = async (kind: string, query: string) => {
    const res = await s.get(`realtime/${kind}`, `app=${s.app}&${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body[kind] as Point[];
  };
  const allEvents = async (query: string) => {
    const out: AbnormalEvent[] = [];
    for (let offset = 0; ; offset += 100) {
      const res = await s.events(`app=${s.app}&limit=100&offset=${offset}&${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      out.push(...(res.body.events as AbnormalEvent[]));
      if (out.length >= (res.body.total as number)) return out;
    }
  };

  it('refuses unsigned requests, a wrong or missing X-Project-Id on abnormal-events, and takes an IAM token', async () => {
    for (const path of [`/v1/${s.sim.projectId}/rtc/realtime/scale?app=${s.app}&metric=OnlineUsers`, `/v1/rtc/data/abnormal-events?app=${s.app}`]) {
      const unsigned = await s.send(`${s.base}${path}`, {});
      assert.equal(unsigned.status, 401, path);
      assert.equal(unsigned.body.error_code, 'APIGW.0301');
      const token = await s.send(`${s.base}${path}`, { 'X-Auth-Token': 'static-token' });
      assert.equal(token.status, 200, path);
      assert.equal((await s.send(`${s.base}${path}`, { 'X-Auth-Token': 'other-token' })).status, 401);
    }
    assert.equal((await s.events(`app=${s.app}`)).status, 200);
    assert.equal((await s.events(`app=${s.app}`, 'f'.repeat(32))).status, 401);
    assert.equal((await s.events(`app=${s.app}`, null)).status, 401);
  });

  it('requires app, one valid metric, and sdk_type for quality and network only', async () => {
    for (const [kind, query] of [
      ['quality', 'metric=VideoFreezeRate&sdk_type=native'],
      ['network', 'metric=VideoExcellentTransRate&sdk_type=native'],
      ['scale', 'metric=OnlineUsers'],
    ] as const) {
      const missing = await s.get(`realtime/${kind}`, query);
      assert.deepEqual(missing.body, { error_code: 'DATA.100011001', error_msg: "Required String parameter 'app' is not present" });
      assert.equal(missing.status, 400);
      assert.equal((await s.get(`realtime/${kind}`, `app=${s.app}&${query}`)).status, 200, kind);
      for (const bad of ['metric=Nope', 'metric=OnlineUsers&metric=RoomCount', '']) {
        const q = `app=${s.app}&${query.replace(/metric=\w+/, bad)}`.replace(/&&|&$/, '');
        const res = await s.get(`realtime/${kind}`, q);
        assert.equal(res.status, 400, `${kind} ${q}`);
        assert.equal(res.body.error_code, 'RTC.00001003');
      }
    }
    assert.equal((await s.get('realtime/quality', `app=${s.app}&metric=OnlineUsers&sdk_type=native`)).status, 400);
    assert.equal((await s.get('realtime/scale', `app=${s.app}&metric=VideoFreezeRate`)).status, 400);
    for (const kind of ['quality', 'network']) {
      const metric = kind === 'quality' ? 'AudioFreezeRate' : 'AudioExcellentTransRate';
      for (const sdk of ['', '&sdk_type=web', '&sdk_type=native&sdk_type=webrtc']) {
        const res = await s.get(`realtime/${kind}`, `app=${s.app}&metric=${metric}${sdk}`);
        assert.equal(res.status, 400, `${kind} ${sdk}`);
        assert.equal(res.body.error_code, 'RTC.00001003');
      }
    }
    assert.equal((await s.get('realtime/scale', `app=${s.app}&metric=RoomCount&sdk_type=anything`)).status, 200);
    assert.equal((await s.events('room_id=x')).body.error_code, 'DATA.100011001');
  });

  it('answers an unknown app with no data', async () => {
    assert.deepEqual((await s.get('realtime/scale', 'app=nosuchapp&metric=OnlineUsers')).body, { scale: [] });
    assert.deepEqual((await s.events('app=nosuchapp')).body, { total: 0, events: [] });
  });

  it('enforces the time format, the order, the 1-day span and the 24-hour history', async () => {
    const now = s.clock.now();
    const cases: Array<[string, string]> = [
      [window(now - 2 * 3_600_000, now - 3_600_000).replace(/T(\d\d):(\d\d):(\d\d)Z/, ' $1:$2:$3'), 'RTC.00001003'],
      [`&start_time=${iso(now - 3_600_000).replace('Z', '+00:00')}`, 'RTC.00001003'],
      [window(now - 3_600_000, now - 3_600_000), 'RTC.00001004'],
      [window(now - 3_600_000, now - 2 * 3_600_000), 'RTC.00001004'],
      [window(now - 86_400_000 - 1000, now), 'RTC.00001004'],
      [window(now - 25 * 3_600_000, now - 24.5 * 3_600_000), 'RTC.00001003'],
    ];
    for (const [w, code] of cases) {
      const quality = await s.get('realtime/quality', `app=${s.app}&metric=JoinSuccessRate&sdk_type=native${w}`);
      assert.equal(quality.body.error_code, code, w);
      assert.equal(quality.status, 400);
      assert.equal((await s.events(`app=${s.app}${w}`)).body.error_code, code, w);
    }
    assert.equal((await s.get('realtime/scale', `app=${s.app}&metric=OnlineUsers${window(now - 86_400_000, now)}`)).status, 200);
    assert.equal((await s.events(`app=${s.app}${window(now - 86_400_000, now)}`)).status, 200);
  });

  it('serves a minute once it is over and the data lag has passed, oldest first, the last hour by default', async () => {
    const now = s.clock.now(); // 12:00:00: 11:57 ends at 11:58, plus 90 s lag: 11:59:30
    const points = await series('scale', 'metric=OnlineUsers');
    assert.equal(points.at(-1)!.time, iso(now - 3 * MIN));
    assert.equal(points[0]!.time, iso(now - 60 * MIN));
    assert.equal(points.length, 58);
    assert.ok(points.every((p, i) => i === 0 || p.time > points[i - 1]!.time));
    await s.clock.advance(29_999);
    assert.equal((await series('scale', 'metric=OnlineUsers')).at(-1)!.time, iso(now - 3 * MIN));
    await s.clock.advance(1);
    assert.equal((await series('scale', 'metric=OnlineUsers')).at(-1)!.time, iso(now - 2 * MIN));
    const explicit = await series('scale', `metric=RoomCount${window(now - 10 * MIN + 1000, now - 5 * MIN)}`);
    assert.deepEqual(
      explicit.map((p) => p.time),
      [9, 8, 7, 6, 5].map((k) => iso(now - k * MIN)),
    );
  });

  it('counts the rooms and users the rooms and qos APIs show', async () => {
    await s.clock.advance(START + 40 * MIN - s.clock.now()); // a minute start after a user of slot 3's room left
    const m = s.clock.now();
    const listed = async () => ((await s.get('rooms', `app=${s.app}`)).body.room_info_list as Array<{ room_id: string }>).map((r) => r.room_id);
    const atStart = await listed();
    await s.clock.advance(59_000);
    const inMinute = [...new Set([...atStart, ...(await listed())])];
    await s.clock.advance(MIN + LAG - 59_000);
    let online = 0;
    const perRoom = new Map<string, number>();
    for (const roomId of atStart) {
      const up = (await s.get('client/qos/details', `app_id=${s.app}&room_id=${roomId}&mid=abit&direction=uplink${window(m, m + 59_000)}`)).body.data as Array<{
        data: Point[];
      }>;
      const here = up.filter((e) => e.data.some((p) => p.time === iso(m))).length;
      perRoom.set(roomId, here);
      online += here;
    }
    const everyone = atStart.reduce((n, id) => n + s.sim.world.users(s.sim.world.findRoom(s.app, id)!).length, 0);
    assert.ok(atStart.length > 1 && online > 0 && online < everyone, 'several rooms, and a user who is not there');
    const scale = async (metric: string, room = '') => (await series('scale', `metric=${metric}${room}${window(m, m + 59_000)}`))[0]?.value;
    assert.equal(await scale('OnlineUsers'), online);
    assert.equal(await scale('RoomCount'), atStart.length);
    for (const roomId of atStart) {
      assert.equal(await scale('OnlineUsers', `&room_id=${roomId}`), perRoom.get(roomId));
      assert.equal(await scale('RoomCount', `&room_id=${roomId}`), 1);
    }

    // The freeze rates: the mean of the qos downlink vblock/ablock values in the minute, per sdk type of the receiver.
    const samples: Record<SdkType, { vblock: number[]; ablock: number[] }> = { native: { vblock: [], ablock: [] }, webrtc: { vblock: [], ablock: [] } };
    for (const roomId of inMinute) {
      const room = s.sim.world.findRoom(s.app, roomId)!;
      const down = (await s.get('client/qos/details', `app_id=${s.app}&room_id=${roomId}&mid=vblock,ablock&direction=downlink${window(m, m + 59_000)}`)).body
        .data as Array<{ uid: string; peerid: string; mid: 'vblock' | 'ablock'; data: Point[] }>;
      for (const e of down) samples[s.sim.world.sdkType(room, e.uid)][e.mid].push(...e.data.map((p) => p.value));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    let compared = 0;
    for (const sdk of ['native', 'webrtc'] as const) {
      for (const [metric, mid] of [
        ['VideoFreezeRate', 'vblock'],
        ['AudioFreezeRate', 'ablock'],
      ] as const) {
        const got = (await series('quality', `metric=${metric}&sdk_type=${sdk}${window(m, m + 59_000)}`))[0]?.value;
        if (samples[sdk][mid].length === 0) {
          assert.equal(got, undefined, `${sdk} ${metric}: no pair, no point`);
          continue;
        }
        assert.ok(Math.abs(got! - mean(samples[sdk][mid])) <= 0.005 + 1e-9, `${sdk} ${metric}: ${got} vs ${mean(samples[sdk][mid])}`);
        compared++;
      }
    }
    assert.ok(compared >= 2);
    // The spiking user of slot 3 makes the native freeze rate far worse than the clean baseline (0-0.5%).
    assert.ok((await series('quality', `metric=VideoFreezeRate&sdk_type=native${window(m, m + 59_000)}`))[0]!.value > 1);
  });

  it('turns an injected spike into freeze events and lower excellent-transmission rates', async () => {
    const now = s.clock.now();
    const m = Math.floor(now / MIN) * MIN - 10 * MIN; // inside the spike, which began at 11:45
    const before = START - 16 * MIN; // before it
    const room = s.sim.world.runningRooms(s.app, m).find((r) => r.slot === 3)!;
    assert.ok(room, 'slot 3 has a room open');
    const users = s.sim.world.users(room).filter((u) => u.joinedAt <= m && m + 59_999 < u.leftAt);
    assert.ok(users.some((u) => u.uid === '10001') && users.length >= 3);
    const evs = await allEvents(`room_id=${room.roomId}${window(m, m + 59_000)}`);
    const count = (f: (e: AbnormalEvent) => boolean) => evs.filter(f).length;
    assert.equal(
      count((e) => e.uid === '10001' && e.abnormal_type === 2 && e.abnormal_factor === 6 && e.location === 'local' && e.peer_uid === ''),
      1,
    );
    for (const peer of users.filter((u) => u.uid !== '10001')) {
      const mine = evs.filter((e) => e.uid === peer.uid && e.peer_uid === '10001' && e.location === 'remote' && e.stage === 'communication');
      assert.deepEqual(mine.map((e) => `${e.abnormal_type}/${e.abnormal_factor}`).sort(), ['2/6', '3/4'], peer.uid);
      assert.deepEqual(mine.map((e) => [e.abnormal_type_desc, e.abnormal_factor_desc]).sort(), [
        ['Audio freeze', 'Audio uplink network jitter'],
        ['Video freeze', 'Video uplink network jitter'],
      ]);
    }
    assert.equal(
      count((e) => e.abnormal_factor === 6 || e.abnormal_factor === 4),
      1 + 2 * (users.length - 1),
    );
    for (const e of evs) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const quiet = await allEvents(`room_id=${room.roomId}${window(before, before + 59_000)}`);
    assert.equal(quiet.filter((e) => e.abnormal_factor === 6 || e.location === 'remote').length, 0);

    const sdk = s.sim.world.sdkType(room, '10001');
    const rate = async (metric: string, t: number) =>
      (await series('network', `metric=${metric}&sdk_type=${sdk}&room_id=${room.roomId}${window(t, t + 59_000)}`))[0]!.value;
    assert.equal(await rate('VideoUpstreamExcellentTransRate', before), 100);
    assert.equal(await rate('VideoExcellentTransRate', before), 100);
    const present = users.filter((u) => s.sim.world.sdkType(room, u.uid) === sdk).length;
    assert.equal(await rate('AudioUpstreamExcellentTransRate', m), Math.round((10_000 * (present - 1)) / present) / 100);
    assert.ok((await rate('VideoExcellentTransRate', m)) < 100);
  });

  it('lowers JoinSuccessRate in a join-failure window and reports each failed join as a slow join', async () => {
    const from = START - 60 * MIN;
    const to = START - 30 * MIN;
    const failed = new Set<string>();
    const below = new Set<string>();
    for (const sdk of ['native', 'webrtc'] as const) {
      const all = await series('quality', `metric=JoinSuccessRate&sdk_type=${sdk}${window(from, to)}`);
      const in5s = await series('quality', `metric=JoinSuccess5SecsRate&sdk_type=${sdk}${window(from, to)}`);
      assert.deepEqual(
        in5s.map((p) => p.time),
        all.map((p) => p.time),
      );
      for (const [i, p] of all.entries()) {
        assert.ok(in5s[i]!.value <= p.value);
        if (p.value < 100) below.add(p.time);
      }
    }
    const joins = (await allEvents(window(from, to))).filter((e) => e.abnormal_type === 1);
    for (const e of joins) {
      assert.equal(e.stage, 'join_room');
      assert.equal(e.abnormal_factor, 3);
      assert.equal(e.abnormal_factor_desc, 'Server error');
      failed.add(iso(Math.floor(Date.parse(e.time) / MIN) * MIN));
    }
    assert.ok(below.size >= 3, `minutes with failed joins: ${below.size}`);
    assert.deepEqual([...below].sort(), [...failed].sort());
    // All inside the window 11:10-11:20.
    for (const t of below) assert.ok(t >= iso(START - 50 * MIN) && t < iso(START - 40 * MIN), t);
    // Each failed attempt is one event.
    let attempts = 0;
    for (const room of s.sim.world.roomsBetween(s.app, from, to + 1))
      for (const u of s.sim.world.users(room)) attempts += s.sim.world.joinAttempts(room, u, from, to + 1).filter((a) => a.outcome === 'failed').length;
    assert.equal(joins.length, attempts);
  });

  it('pages events newest first with total, offset and a limit of 1 to 100 (default 10)', async () => {
    const w = window(START - 60 * MIN, s.clock.now() - 5 * MIN);
    const first = await s.events(`app=${s.app}${w}`);
    const total = first.body.total as number;
    assert.ok(total > 100, `total ${total}`);
    assert.equal((first.body.events as unknown[]).length, 10);
    const pages: AbnormalEvent[] = [];
    for (let offset = 0; offset < total; offset += 37) {
      const res = await s.events(`app=${s.app}&limit=37&offset=${offset}${w}`);
      assert.equal(res.body.total, total);
      pages.push(...(res.body.events as AbnormalEvent[]));
    }
    assert.equal(pages.length, total);
    assert.deepEqual(pages.slice(0, 10), first.body.events);
    const big = await s.events(`app=${s.app}&limit=100&offset=100${w}`);
    assert.deepEqual(big.body.events, pages.slice(100, 200));
    assert.ok(
      pages.every((e, i) => i === 0 || e.time <= pages[i - 1]!.time),
      'newest first',
    );
    assert.equal(new Set(pages.map((e) => JSON.stringify(e))).size, total);
    assert.deepEqual((await s.events(`app=${s.app}&offset=${total}${w}`)).body, { total, events: [] });
    const byUid = await allEvents(`uid=10001${w}`);
    assert.deepEqual(
      byUid,
      pages.filter((e) => e.uid === '10001'),
    );
    for (const bad of ['limit=0', 'limit=101', 'limit=x', 'offset=-1', 'limit=1.5']) {
      const res = await s.events(`app=${s.app}&${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error_code, 'RTC.00001003');
    }
  });

  it('serves an event only once its minute is over and the lag has passed', async () => {
    const now = s.clock.now();
    const newest = (await s.events(`app=${s.app}&limit=1`)).body.events as AbnormalEvent[];
    const served = Math.floor((now - LAG) / MIN) * MIN;
    assert.ok(Date.parse(newest[0]!.time) < served);
    assert.ok(Date.parse(newest[0]!.time) >= served - MIN, 'the spike gives events every minute');
  });

  it('applies injected faults to the statistics APIs', async () => {
    s.sim.faults.push('server_error');
    assert.equal((await s.get('realtime/network', `app=${s.app}&metric=VideoExcellentTransRate&sdk_type=native`)).status, 500);
    s.sim.faults.push('throttle');
    assert.equal((await s.events(`app=${s.app}`)).body.error_code, 'APIGW.0308');
    assert.equal((await s.events(`app=${s.app}`)).status, 200);
  });
});

describe('huawei_rtc simulator: statistics world', () => {
  it('puts about a quarter of the users on the web SDK, and background events with an unlisted factor', async () => {
    const s = await serve({ world: { seed: 3, apps: 1, roomsPerApp: 40, maxUsers: 6, cycleMs: 86_400_000, openMs: 86_000_000 } });
    try {
      const w = s.sim.world;
      const rooms = w.runningRooms(s.app, START);
      const sdks = rooms.flatMap((r) => w.users(r).map((u) => w.sdkType(r, u.uid)));
      const web = sdks.filter((t) => t === 'webrtc').length / sdks.length;
      assert.ok(web > 0.15 && web < 0.35, `webrtc share ${web}`);
      const evs = s.sim.events.between(s.app, START - 3_600_000, START);
      const minutes = rooms.reduce((n, r) => n + w.users(r).length, 0) * 60;
      assert.ok(evs.length > minutes / 100 && evs.length < minutes / 25, `${evs.length} events in ${minutes} user-minutes`);
      assert.ok(evs.every((e) => e.abnormal_type === 2 && e.location === 'local' && [1, 16, 99].includes(e.abnormal_factor)));
      assert.ok(evs.some((e) => e.abnormal_factor === 99 && e.abnormal_factor_desc === 'Other'));
      assert.ok(evs.some((e) => e.abnormal_factor === 1 && e.abnormal_factor_desc === 'High system CPU usage'));
      // No join failure configured: every attempt joins, a few slowly.
      const attempts = rooms.flatMap((r) => w.users(r).flatMap((u) => w.joinAttempts(r, u, START - 6 * 3_600_000, START)));
      assert.ok(attempts.every((a) => a.outcome !== 'failed'));
      const slow = attempts.filter((a) => a.outcome === 'slow').length / attempts.length;
      assert.ok(slow > 0.005 && slow < 0.05, `slow share ${slow}`);
    } finally {
      await s.close();
    }
  });

  it('spikes the users of the configured room slots only', async () => {
    const s = await serve({
      world: {
        seed: 3,
        apps: 1,
        roomsPerApp: 3,
        maxUsers: 3,
        cycleMs: 86_400_000,
        openMs: 86_000_000,
        spikes: { fromMs: 0, everyMs: 0, forMs: 0, slots: [1] },
      },
    });
    try {
      const rooms = s.sim.world.runningRooms(s.app, START);
      assert.deepEqual(
        rooms.map((r) => s.sim.world.isSpiking(r, '10000', START)),
        [false, true, false],
      );
    } finally {
      await s.close();
    }
  });
});

describe('huawei_rtc simulator: statistics rate limit', () => {
  const WORLD_SMALL = { seed: 9, apps: 1, roomsPerApp: 1, maxUsers: 2, cycleMs: 86_400_000, openMs: 86_000_000 };

  it('counts the statistics APIs in the shared 30/min account window by default', async () => {
    const s = await serve({ world: WORLD_SMALL, rateLimitPerMinute: 30 });
    try {
      for (let i = 0; i < 10; i++) assert.equal((await s.get('rooms', `app=${s.app}`)).status, 200);
      for (let i = 0; i < 10; i++) assert.equal((await s.get('realtime/scale', `app=${s.app}&metric=OnlineUsers`)).status, 200);
      for (let i = 0; i < 10; i++) assert.equal((await s.events(`app=${s.app}`)).status, 200);
      const refused = await s.get('realtime/quality', `app=${s.app}&metric=VideoFreezeRate&sdk_type=native`);
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error_code, 'APIGW.0308');
      assert.equal((await s.get('rooms', `app=${s.app}`)).status, 429);
      await s.clock.advance(60_000);
      assert.equal((await s.events(`app=${s.app}`)).status, 200);
    } finally {
      await s.close();
    }
  });

  it('gives them a separate window when realtimeLimit is a number', async () => {
    const s = await serve({ world: WORLD_SMALL, rateLimitPerMinute: 30, realtimeLimit: 5 });
    try {
      for (let i = 0; i < 30; i++) assert.equal((await s.get('rooms', `app=${s.app}`)).status, 200);
      assert.equal((await s.get('rooms', `app=${s.app}`)).status, 429);
      for (let i = 0; i < 3; i++) assert.equal((await s.get('realtime/scale', `app=${s.app}&metric=OnlineUsers`)).status, 200);
      for (let i = 0; i < 2; i++) assert.equal((await s.events(`app=${s.app}`)).status, 200);
      const refused = await s.events(`app=${s.app}`);
      assert.equal(refused.status, 429);
      assert.match(String(refused.body.error_msg), /limit:5,/);
      await s.clock.advance(60_000);
      assert.equal((await s.get('realtime/network', `app=${s.app}&metric=VideoExcellentTransRate&sdk_type=webrtc`)).status, 200);
      assert.equal((await s.get('rooms', `app=${s.app}`)).status, 200);
    } finally {
      await s.close();
    }
  });
});
