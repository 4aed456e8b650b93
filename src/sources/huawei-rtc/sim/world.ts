// The simulated SparkRTC world: apps, rooms that open and close, users that
// join and leave, and QoS values per (user, peer, mid) as a pure function of
// the seed and the time, so tests can compute exactly what the API returns.
import { unitHash } from '../../../sim/noise.js';
import { TYPE_DESC, UNLISTED_FACTOR, factorDesc } from './abnormal-codes.js';

export interface WorldOptions {
  seed: number;
  apps: number;
  roomsPerApp: number;
  /** Users in a room at most (at least 2). */
  maxUsers: number;
  /** A room's cycle: open for openMs, then closed, then a new room id opens. */
  cycleMs: number;
  openMs: number;
  /** Spacing of data points. */
  pointIntervalMs: number;
  /**
   * Quality spikes: the first user (or the users `uids`) of the first room (or
   * of the room slots `slots`) of each app gets high jitter, RTT and loss from `fromMs` on, for `forMs` of
   * every `everyMs` (everyMs 0: for good). False: no spikes.
   */
  spikes: false | { fromMs: number; everyMs: number; forMs: number; uids?: readonly string[]; slots?: readonly number[] };
  /**
   * Each user re-joins (the SDK reconnects) every `rejoinEveryMs` while present,
   * staggered per user; 0: only the first join. Default 4 minutes.
   */
  rejoinEveryMs?: number;
  /**
   * App-wide join trouble from `fromMs` on, for `forMs` of every `everyMs`
   * (everyMs 0: for good): a fraction `ratio` of the join attempts (by hash)
   * fails to join within 5 s. Default: none.
   */
  joinFailures?: { fromMs: number; everyMs: number; forMs: number; ratio: number };
  /** When set, the first room of each app opens at this time (mod cycleMs), e.g. so a demo starts with it open. */
  firstRoomOpensAt?: number;
}

export const DEFAULT_WORLD: WorldOptions = {
  seed: 1,
  apps: 1,
  roomsPerApp: 3,
  maxUsers: 3,
  cycleMs: 60 * 60_000,
  openMs: 45 * 60_000,
  pointIntervalMs: 10_000,
  spikes: false,
};

export const UPLINK_MIDS = ['appcpu', 'syscpu', 'abit', 'vbit', 'vfps', 'vwidth', 'vheight'] as const;
/** Downlink mids, per peer; `netscore` stands for a metric id the exporter does not know yet. */
export const DOWNLINK_MIDS = ['ajitter', 'vjitter', 'artt', 'vrtt', 'aloss', 'vloss', 'ablock', 'vblock', 'abit', 'vbit', 'vfps', 'netscore'] as const;
/** Screen sharing: the presenter's uplink, and every peer's downlink from the presenter. */
export const SCREEN_UPLINK_MIDS = ['dbit', 'dfps', 'dwidth', 'dheight'] as const;
export const SCREEN_DOWNLINK_MIDS = ['djitter', 'drtt', 'dloss', 'dblock', 'dbit', 'dfps'] as const;
/** The user who shares a screen in every room. */
export const PRESENTER_UID = '10000';
export const ALL_MIDS: readonly string[] = [...new Set<string>([...UPLINK_MIDS, ...DOWNLINK_MIDS, ...SCREEN_UPLINK_MIDS, ...SCREEN_DOWNLINK_MIDS])];

export type SdkType = 'native' | 'webrtc';
export const SDK_TYPES: readonly SdkType[] = ['native', 'webrtc'];
export const QUALITY_METRICS = ['JoinSuccessRate', 'JoinSuccess5SecsRate', 'VideoFreezeRate', 'AudioFreezeRate'] as const;
export const NETWORK_METRICS = [
  'VideoUpstreamExcellentTransRate',
  'AudioUpstreamExcellentTransRate',
  'VideoExcellentTransRate',
  'AudioExcellentTransRate',
] as const;
export const SCALE_METRICS = ['OnlineUsers', 'RoomCount'] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];
export type NetworkMetric = (typeof NETWORK_METRICS)[number];
export type ScaleMetric = (typeof SCALE_METRICS)[number];

export const MINUTE_MS = 60_000;
/** Share of the successful join attempts that take longer than 5 s. */
export const SLOW_JOIN_RATIO = 0.02;
/** Background abnormal events: one per this many user-minutes, on average. */
export const NOISE_PER_USER_MINUTES = 50;

/** One attempt to join a room: `slow` joined after more than 5 s, `failed` did not join within 5 s. */
export interface JoinAttempt {
  uid: string;
  at: number;
  outcome: 'joined' | 'slow' | 'failed';
}

/** An abnormal event as the abnormal-events API sends it. */
export interface AbnormalEvent {
  time: string;
  uid: string;
  room_id: string;
  stage: 'join_room' | 'communication';
  location: 'local' | 'remote';
  peer_uid: string;
  abnormal_type: number;
  abnormal_type_desc: string;
  abnormal_factor: number;
  abnormal_factor_desc: string;
}

/** Counts of one room's minute, for the users of one sdk type (the receiver's, for a downlink pair). */
interface Tally {
  attempts: number;
  joined: number;
  joinedIn5s: number;
  /** (user, point) samples of present users, and those whose uplink is not spiking. */
  userSamples: number;
  usersClean: number;
  /** (user, peer, point) samples of downlink pairs both present, their vblock/ablock sums, and those with neither end spiking. */
  pairSamples: number;
  vblockSum: number;
  ablockSum: number;
  pairsClean: number;
}

const TALLY_CACHE_MAX = 200_000;

export interface Room {
  appId: string;
  roomId: string;
  /** Index of the room slot inside its app. */
  slot: number;
  openedAt: number;
  closedAt: number;
}

export interface Presence {
  uid: string;
  joinedAt: number;
  leftAt: number;
}

export class World {
  /** Per-(room, minute) tallies; pure functions of seed and time, so caching them changes nothing. */
  private readonly tallies = new Map<string, Record<SdkType, Tally>>();

  constructor(readonly opts: WorldOptions) {}

  appIds(): string[] {
    return Array.from({ length: this.opts.apps }, (_, i) => `app${this.opts.seed}x${String(i).padStart(2, '0')}`);
  }

  /** The room of slot `slot` in its cycle containing `t` (its phase is staggered per slot). */
  private roomAt(appId: string, slot: number, t: number): Room {
    const { cycleMs, openMs } = this.opts;
    const phase = this.phase(appId, slot);
    const cycle = Math.floor((t - phase) / cycleMs);
    const openedAt = cycle * cycleMs + phase;
    return { appId, roomId: `${appId}-room${slot}-${cycle}`, slot, openedAt, closedAt: openedAt + openMs };
  }

  /** Where in the cycle a slot's rooms open: staggered per slot by the seed. */
  private phase(appId: string, slot: number): number {
    const { cycleMs, firstRoomOpensAt } = this.opts;
    if (slot === 0 && firstRoomOpensAt !== undefined) return ((firstRoomOpensAt % cycleMs) + cycleMs) % cycleMs;
    return Math.floor(unitHash(this.opts.seed, appId, slot, 'phase') * cycleMs);
  }

  /** Rooms open at time t. */
  runningRooms(appId: string, t: number): Room[] {
    const rooms: Room[] = [];
    for (let slot = 0; slot < this.opts.roomsPerApp; slot++) {
      const room = this.roomAt(appId, slot, t);
      if (t < room.closedAt) rooms.push(room);
    }
    return rooms;
  }

  /** Any room ever opened by that id (open or closed), or undefined. */
  findRoom(appId: string, roomId: string): Room | undefined {
    const m = /-room(\d+)-(-?\d+)$/.exec(roomId);
    if (!m || !roomId.startsWith(`${appId}-`)) return undefined;
    const slot = Number(m[1]);
    if (slot >= this.opts.roomsPerApp || !this.appIds().includes(appId)) return undefined;
    const room = this.roomAt(appId, slot, Number(m[2]) * this.opts.cycleMs + this.phase(appId, slot));
    return room.roomId === roomId ? room : undefined;
  }

  /** Users of a room and when each was there: joins staggered after opening, some leave early. */
  users(room: Room): Presence[] {
    const n = 2 + Math.floor(unitHash(this.opts.seed, room.roomId, 'users') * (this.opts.maxUsers - 1));
    return Array.from({ length: n }, (_, i) => {
      const joinedAt = room.openedAt + i * 30_000;
      const early = i > 0 && unitHash(this.opts.seed, room.roomId, i, 'leaves') < 0.3;
      const leftAt = early ? joinedAt + Math.floor((room.closedAt - joinedAt) * 0.6) : room.closedAt;
      return { uid: String(10_000 + i), joinedAt, leftAt };
    });
  }

  /** True for the user whose quality is bad at time t. */
  isSpiking(room: Room, uid: string, t: number): boolean {
    return this.canSpike(room, uid) && inWindow(this.opts.spikes as Exclude<WorldOptions['spikes'], false>, t);
  }

  /** True for a user who spikes at some time: one of `uids` in one of the `slots`. */
  canSpike(room: Room, uid: string): boolean {
    const spikes = this.opts.spikes;
    return spikes !== false && (spikes.slots ?? [0]).includes(room.slot) && (spikes.uids ?? ['10000']).includes(uid);
  }

  /** The value the API reports for one series at point time t (documented units: ms, %, kbit/s …). */
  value(room: Room, uid: string, peerid: string, mid: string, t: number): number {
    const n = unitHash(this.opts.seed, room.roomId, uid, peerid, mid, t);
    const bad = this.isSpiking(room, uid, t) || (peerid !== '0' && this.isSpiking(room, peerid, t));
    const round = (v: number, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits;
    switch (mid) {
      case 'appcpu':
        return round(8 + 20 * n, 1);
      case 'syscpu':
        return round(25 + 40 * n, 1);
      case 'abit':
        return round(24 + 40 * n);
      case 'vbit':
        return round(600 + 900 * n);
      case 'dbit':
        return round(200 + 600 * n);
      case 'vfps':
        return round(bad ? 8 + 4 * n : 24 + 6 * n);
      case 'dfps':
        return round(bad ? 2 + 2 * n : 10 + 5 * n);
      case 'vwidth':
        return 1280;
      case 'vheight':
        return 720;
      case 'dwidth':
        return 1920;
      case 'dheight':
        return 1080;
      case 'ajitter':
      case 'vjitter':
      case 'djitter':
        return round(bad ? 180 + 120 * n : 8 + 22 * n);
      case 'artt':
      case 'vrtt':
      case 'drtt':
        return round(bad ? 400 + 200 * n : 40 + 60 * n);
      case 'aloss':
      case 'vloss':
      case 'dloss':
        return round(bad ? 12 + 10 * n : 0.4 * n, 2);
      case 'ablock':
      case 'vblock':
      case 'dblock':
        return round(bad ? 10 + 10 * n : 0.5 * n, 2);
      case 'netscore':
        return round(1 + 4 * n);
      default:
        return 0;
    }
  }

  /** The SDK a user runs: about one in four uses the web SDK. */
  sdkType(room: Room, uid: string): SdkType {
    return unitHash(this.opts.seed, room.roomId, uid, 'sdk') < 0.25 ? 'webrtc' : 'native';
  }

  /** Rooms of an app open at some moment of [from, to), oldest cycle first per slot. */
  roomsBetween(appId: string, from: number, to: number): Room[] {
    if (!this.appIds().includes(appId)) return [];
    const rooms: Room[] = [];
    for (let slot = 0; slot < this.opts.roomsPerApp; slot++) {
      for (let room = this.roomAt(appId, slot, from); room.openedAt < to; room = this.roomAt(appId, slot, room.openedAt + this.opts.cycleMs)) {
        if (room.closedAt > from) rooms.push(room);
      }
    }
    return rooms;
  }

  /** `roomsBetween`, or only the room `roomId` when given. */
  private roomsOf(appId: string, from: number, to: number, roomId?: string): Room[] {
    if (roomId === undefined) return this.roomsBetween(appId, from, to);
    const room = this.findRoom(appId, roomId);
    return room && room.openedAt < to && room.closedAt > from ? [room] : [];
  }

  /**
   * A user's join attempts with `from <= at < to`: the join at `joinedAt`, then a
   * re-join every `rejoinEveryMs` (first one after a per-user share of it) while present.
   * The user's presence (and so the qos data) is the same whatever the outcome: a user
   * whose attempt failed gets in on a retry the statistics do not count.
   */
  joinAttempts(room: Room, p: Presence, from: number, to: number): JoinAttempt[] {
    const out: JoinAttempt[] = [];
    const end = Math.min(to, p.leftAt);
    const push = (at: number) => out.push({ uid: p.uid, at, outcome: this.joinOutcome(room, p.uid, at) });
    if (p.joinedAt >= from && p.joinedAt < end) push(p.joinedAt);
    const every = this.opts.rejoinEveryMs ?? 4 * MINUTE_MS;
    if (every <= 0) return out;
    const first = p.joinedAt + Math.floor((0.1 + 0.9 * unitHash(this.opts.seed, room.roomId, p.uid, 'rejoin')) * every);
    for (let at = first + Math.max(0, Math.ceil((from - first) / every)) * every; at < end; at += every) push(at);
    return out;
  }

  /** Failed (by hash, in `joinFailures`' windows), slow (SLOW_JOIN_RATIO of the others) or joined. */
  private joinOutcome(room: Room, uid: string, at: number): JoinAttempt['outcome'] {
    const failures = this.opts.joinFailures;
    if (failures && inWindow(failures, at) && unitHash(this.opts.seed, room.roomId, uid, at, 'joinfail') < failures.ratio) return 'failed';
    return unitHash(this.opts.seed, room.roomId, uid, at, 'slowjoin') < SLOW_JOIN_RATIO ? 'slow' : 'joined';
  }

  /**
   * Counts of one room's minute [m, m + 1 min): join attempts by outcome, and the
   * samples the qos API serves at the minute's point times (a user is present at t
   * when joinedAt <= t < leftAt, a downlink pair when both are, exactly as
   * qos/details serves them), per sdk type of the user (the receiver of a pair).
   */
  private tally(room: Room, m: number): Record<SdkType, Tally> {
    const key = `${room.roomId}|${m}`;
    const cached = this.tallies.get(key);
    if (cached) return cached;
    const empty = (): Tally => ({
      attempts: 0,
      joined: 0,
      joinedIn5s: 0,
      userSamples: 0,
      usersClean: 0,
      pairSamples: 0,
      vblockSum: 0,
      ablockSum: 0,
      pairsClean: 0,
    });
    const tally: Record<SdkType, Tally> = { native: empty(), webrtc: empty() };
    const users = this.users(room);
    const points = this.pointTimes(m, m + MINUTE_MS - 1);
    const present = (p: Presence, t: number) => p.joinedAt <= t && t < p.leftAt;
    for (const u of users) {
      const mine = tally[this.sdkType(room, u.uid)];
      for (const a of this.joinAttempts(room, u, m, m + MINUTE_MS)) {
        mine.attempts++;
        if (a.outcome !== 'failed') mine.joined++;
        if (a.outcome === 'joined') mine.joinedIn5s++;
      }
      for (const t of points) {
        if (!present(u, t)) continue;
        const upBad = this.isSpiking(room, u.uid, t);
        mine.userSamples++;
        if (!upBad) mine.usersClean++;
        for (const p of users) {
          if (p === u || !present(p, t)) continue;
          mine.pairSamples++;
          mine.vblockSum += this.value(room, u.uid, p.uid, 'vblock', t);
          mine.ablockSum += this.value(room, u.uid, p.uid, 'ablock', t);
          if (!upBad && !this.isSpiking(room, p.uid, t)) mine.pairsClean++;
        }
      }
    }
    if (this.tallies.size >= TALLY_CACHE_MAX) this.tallies.clear();
    this.tallies.set(key, tally);
    return tally;
  }

  /** Sums of one sdk type's tallies over the app's (or the room's) rooms in minute m. */
  private minuteTally(appId: string, sdkType: SdkType, m: number, roomId?: string): Tally {
    const sum: Tally = { attempts: 0, joined: 0, joinedIn5s: 0, userSamples: 0, usersClean: 0, pairSamples: 0, vblockSum: 0, ablockSum: 0, pairsClean: 0 };
    for (const room of this.roomsOf(appId, m, m + MINUTE_MS, roomId)) {
      const t = this.tally(room, m)[sdkType];
      for (const k of Object.keys(sum) as Array<keyof Tally>) sum[k] += t[k];
    }
    return sum;
  }

  /**
   * The scale API's figures at minute start m: OnlineUsers = users present at m
   * (joinedAt <= m < leftAt) in the rooms running at m (or in that room), RoomCount =
   * those rooms (0 or 1 for one room). Undefined (no point) when nobody is present.
   */
  scale(appId: string, m: number, roomId?: string): Record<ScaleMetric, number> | undefined {
    const rooms = this.roomsOf(appId, m, m + 1, roomId);
    const online = rooms.reduce((n, room) => n + this.users(room).filter((u) => u.joinedAt <= m && m < u.leftAt).length, 0);
    return online === 0 ? undefined : { OnlineUsers: online, RoomCount: rooms.length };
  }

  /**
   * The quality API's value for minute [m, m + 1 min), in percent with 2 decimals, for
   * the users of one sdk type:
   * - JoinSuccessRate: join attempts in the minute that joined / attempts;
   * - JoinSuccess5SecsRate: attempts that joined within 5 s / attempts;
   * - VideoFreezeRate / AudioFreezeRate: the mean of `vblock` / `ablock` (freeze rates
   *   in % already) over every (uid, peerid, point) of the qos downlink data in the
   *   minute whose uid has that sdk type.
   * Undefined (no point) when the denominator is 0.
   */
  quality(appId: string, metric: QualityMetric, sdkType: SdkType, m: number, roomId?: string): number | undefined {
    const t = this.minuteTally(appId, sdkType, m, roomId);
    switch (metric) {
      case 'JoinSuccessRate':
        return percent(t.joined, t.attempts);
      case 'JoinSuccess5SecsRate':
        return percent(t.joinedIn5s, t.attempts);
      case 'VideoFreezeRate':
        return t.pairSamples === 0 ? undefined : round2(t.vblockSum / t.pairSamples);
      case 'AudioFreezeRate':
        return t.pairSamples === 0 ? undefined : round2(t.ablockSum / t.pairSamples);
    }
  }

  /**
   * The network API's value for minute [m, m + 1 min), in percent with 2 decimals, for
   * the users of one sdk type, following `isSpiking` at the minute's point times:
   * - Video/AudioUpstreamExcellentTransRate: share of (user, point) samples of present
   *   users whose uplink is not spiking;
   * - Video/AudioExcellentTransRate: share of (user, peer, point) samples of present
   *   downlink pairs (the user receiving) where neither end is spiking.
   * Audio and video share one figure: a spike hurts both. Undefined when nobody is present.
   */
  network(appId: string, metric: NetworkMetric, sdkType: SdkType, m: number, roomId?: string): number | undefined {
    const t = this.minuteTally(appId, sdkType, m, roomId);
    return metric.includes('Upstream') ? percent(t.usersClean, t.userSamples) : percent(t.pairsClean, t.pairSamples);
  }

  /**
   * The abnormal events of an app with `from <= time <= to`, oldest first (ties in a
   * fixed order). Per room, user and minute the user is present in:
   * - when the user is spiking at one of the minute's point times: a local video freeze
   *   (type 2, factor 6 video uplink jitter) for the user, and for every peer present at
   *   one of those points a remote video freeze (2, 6) and a remote audio freeze (3, 4
   *   audio uplink jitter), with peer_uid the spiking user;
   * - for each failed join attempt: a slow join (type 1, stage join_room, factor 3
   *   server error), at the attempt's whole second;
   * - background noise, one per NOISE_PER_USER_MINUTES user-minutes by hash: a local video
   *   freeze of factor 1 (high system CPU) or 16 (other), or one in ten an unlisted factor.
   * Events other than slow joins happen at the minute start plus a hash-chosen second.
   */
  events(appId: string, from: number, to: number): AbnormalEvent[] {
    const seed = this.opts.seed;
    const out: AbnormalEvent[] = [];
    const first = Math.floor(from / MINUTE_MS) * MINUTE_MS;
    for (const room of this.roomsBetween(appId, first, to + 1)) {
      const users = this.users(room);
      const event = (at: number, uid: string, type: number, factor: number, location: 'local' | 'remote', peer = '') =>
        out.push({
          time: isoSeconds(at),
          uid,
          room_id: room.roomId,
          stage: type === 1 ? 'join_room' : 'communication',
          location,
          peer_uid: peer,
          abnormal_type: type,
          abnormal_type_desc: TYPE_DESC[type]!,
          abnormal_factor: factor,
          abnormal_factor_desc: factorDesc(type, factor),
        });
      const second = (m: number, ...parts: Array<string | number>) => m + Math.floor(unitHash(seed, room.roomId, m, ...parts) * 60) * 1000;
      for (const u of users) {
        const lastMinute = Math.min(to, u.leftAt - 1);
        for (let m = Math.max(first, Math.floor(u.joinedAt / MINUTE_MS) * MINUTE_MS); m <= lastMinute; m += MINUTE_MS) {
          const spiking = !this.canSpike(room, u.uid)
            ? []
            : this.pointTimes(Math.max(m, u.joinedAt), Math.min(m + MINUTE_MS - 1, u.leftAt - 1)).filter((t) => this.isSpiking(room, u.uid, t));
          if (spiking.length > 0) {
            event(second(m, u.uid, 'spike'), u.uid, 2, 6, 'local');
            for (const p of users) {
              if (p === u || !spiking.some((t) => p.joinedAt <= t && t < p.leftAt)) continue;
              event(second(m, p.uid, u.uid, 'video'), p.uid, 2, 6, 'remote', u.uid);
              event(second(m, p.uid, u.uid, 'audio'), p.uid, 3, 4, 'remote', u.uid);
            }
          }
          for (const a of this.joinAttempts(room, u, m, m + MINUTE_MS)) if (a.outcome === 'failed') event(Math.floor(a.at / 1000) * 1000, u.uid, 1, 3, 'local');
          const noise = unitHash(seed, room.roomId, u.uid, m, 'noise') * NOISE_PER_USER_MINUTES;
          if (noise < 1) event(second(m, u.uid, 'noise'), u.uid, 2, noise < 0.1 ? UNLISTED_FACTOR : noise < 0.55 ? 1 : 16, 'local');
        }
      }
    }
    const inRange = out.filter((e) => from <= Date.parse(e.time) && Date.parse(e.time) <= to);
    return inRange.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  /** Point times of a window, aligned on the point interval. */
  pointTimes(from: number, to: number): number[] {
    const step = this.opts.pointIntervalMs;
    const times: number[] = [];
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) times.push(t);
    return times;
  }
}

/** True inside a recurring window: from `fromMs` on, for `forMs` of every `everyMs` (0: for good). */
function inWindow(w: { fromMs: number; everyMs: number; forMs: number }, t: number): boolean {
  if (t < w.fromMs) return false;
  return w.everyMs === 0 || (t - w.fromMs) % w.everyMs < w.forMs;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** num / den in percent with 2 decimals; undefined for an empty denominator. */
function percent(num: number, den: number): number | undefined {
  return den === 0 ? undefined : round2((100 * num) / den);
}

/** `2026-11-22T12:00:05Z`: the APIs' time format. */
export function isoSeconds(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
