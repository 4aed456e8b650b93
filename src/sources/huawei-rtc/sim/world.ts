// The simulated SparkRTC world: apps, rooms that open and close, users that
// join and leave, and QoS values per (user, peer, mid) as a pure function of
// the seed and the time, so tests can compute exactly what the API returns.
// What the statistics APIs derive from it lives beside it: app-figures.ts
// (realtime quality, network, scale) and abnormal-events.ts.
import { unitHash } from '../../../sim/noise.js';
import { seriesNoise } from './series-noise.js';

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

export const MINUTE_MS = 60_000;
/** Share of the successful join attempts that take longer than 5 s. */
export const SLOW_JOIN_RATIO = 0.02;

/** One attempt to join a room: `slow` joined after more than 5 s, `failed` did not join within 5 s. */
export interface JoinAttempt {
  uid: string;
  at: number;
  outcome: 'joined' | 'slow' | 'failed';
}

/**
 * Rooms whose users are remembered. A room's users are a pure function of the
 * seed, so the cache only saves work; it is cleared when full, as a demo runs
 * for weeks with new room ids every cycle.
 */
const USERS_CACHE_MAX = 100_000;

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
  private readonly apps: readonly string[];
  private readonly appSet: ReadonlySet<string>;
  /** Phases per app, by slot: every room lookup needs one, and each is a string hash. */
  private readonly phases = new Map<string, number[]>();
  /** Users per room id: asked for per request, per minute and per event. */
  private readonly usersOf = new Map<string, Presence[]>();

  constructor(readonly opts: WorldOptions) {
    this.apps = Array.from({ length: opts.apps }, (_, i) => `app${opts.seed}x${String(i).padStart(2, '0')}`);
    this.appSet = new Set(this.apps);
  }

  /** Forgets the rooms' users (only work is lost). */
  clear(): void {
    this.usersOf.clear();
  }

  appIds(): string[] {
    return [...this.apps];
  }

  hasApp(appId: string): boolean {
    return this.appSet.has(appId);
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
    let phases = this.phases.get(appId);
    if (!phases) this.phases.set(appId, (phases = []));
    let phase = phases[slot];
    if (phase === undefined) {
      const { cycleMs, firstRoomOpensAt } = this.opts;
      phase =
        slot === 0 && firstRoomOpensAt !== undefined
          ? ((firstRoomOpensAt % cycleMs) + cycleMs) % cycleMs
          : Math.floor(unitHash(this.opts.seed, appId, slot, 'phase') * cycleMs);
      phases[slot] = phase;
    }
    return phase;
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
    if (slot >= this.opts.roomsPerApp || !this.appSet.has(appId)) return undefined;
    const room = this.roomAt(appId, slot, Number(m[2]) * this.opts.cycleMs + this.phase(appId, slot));
    return room.roomId === roomId ? room : undefined;
  }

  /** Users of a room and when each was there: joins staggered after opening, some leave early (one array per room, shared: read only). */
  users(room: Room): readonly Presence[] {
    let users = this.usersOf.get(room.roomId);
    if (users) return users;
    const n = 2 + Math.floor(unitHash(this.opts.seed, room.roomId, 'users') * (this.opts.maxUsers - 1));
    users = Array.from({ length: n }, (_, i) => {
      const joinedAt = room.openedAt + i * 30_000;
      const early = i > 0 && unitHash(this.opts.seed, room.roomId, i, 'leaves') < 0.3;
      const leftAt = early ? joinedAt + Math.floor((room.closedAt - joinedAt) * 0.6) : room.closedAt;
      return { uid: String(10_000 + i), joinedAt, leftAt };
    });
    if (this.usersOf.size >= USERS_CACHE_MAX) this.usersOf.clear();
    this.usersOf.set(room.roomId, users);
    return users;
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
    return pointValue(mid, unitHash(this.opts.seed, room.roomId, uid, peerid, mid, t), this.isBad(room, uid, peerid, t));
  }

  /** `value` at each of `times`, with the series' part of the hash computed once (see series-noise.ts). */
  values(room: Room, uid: string, peerid: string, mid: string, times: readonly number[]): number[] {
    const noise = seriesNoise(this.opts.seed, room.roomId, uid, peerid, mid);
    return times.map((t) => pointValue(mid, noise(t), this.isBad(room, uid, peerid, t)));
  }

  /** A series is bad while its user, or its peer for a downlink, is spiking. */
  private isBad(room: Room, uid: string, peerid: string, t: number): boolean {
    return this.isSpiking(room, uid, t) || (peerid !== '0' && this.isSpiking(room, peerid, t));
  }

  /** The SDK a user runs: about one in four uses the web SDK. */
  sdkType(room: Room, uid: string): SdkType {
    return unitHash(this.opts.seed, room.roomId, uid, 'sdk') < 0.25 ? 'webrtc' : 'native';
  }

  /** Rooms of an app open at some moment of [from, to), oldest cycle first per slot. */
  roomsBetween(appId: string, from: number, to: number): Room[] {
    if (!this.appSet.has(appId)) return [];
    const rooms: Room[] = [];
    for (let slot = 0; slot < this.opts.roomsPerApp; slot++) {
      for (let room = this.roomAt(appId, slot, from); room.openedAt < to; room = this.roomAt(appId, slot, room.openedAt + this.opts.cycleMs)) {
        if (room.closedAt > from) rooms.push(room);
      }
    }
    return rooms;
  }

  /** `roomsBetween`, or only the room `roomId` when given. */
  roomsOf(appId: string, from: number, to: number, roomId?: string): Room[] {
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

  /** Point times of a window, aligned on the point interval. */
  pointTimes(from: number, to: number): number[] {
    const step = this.opts.pointIntervalMs;
    const times: number[] = [];
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) times.push(t);
    return times;
  }
}

/** A point's value from its hash `n` in [0, 1) and whether the series is bad at that time. */
function pointValue(mid: string, n: number, bad: boolean): number {
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

function round(v: number, digits = 0): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}

/** True inside a recurring window: from `fromMs` on, for `forMs` of every `everyMs` (0: for good). */
function inWindow(w: { fromMs: number; everyMs: number; forMs: number }, t: number): boolean {
  if (t < w.fromMs) return false;
  return w.everyMs === 0 || (t - w.fromMs) % w.everyMs < w.forMs;
}

/** `2026-11-22T12:00:05Z`: the APIs' time format. */
export function isoSeconds(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
