// The simulated SparkRTC world: apps, rooms that open and close, users that
// join and leave, and QoS values per (user, peer, mid) as a pure function of
// the seed and the time, so tests can compute exactly what the API returns.
import { unitHash } from '../../../sim/noise.js';

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
   * Quality spikes: the first user (or the users `uids`) of the first room of
   * each app gets high jitter, RTT and loss from `fromMs` on, for `forMs` of
   * every `everyMs` (everyMs 0: for good). False: no spikes.
   */
  spikes: false | { fromMs: number; everyMs: number; forMs: number; uids?: readonly string[] };
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
    const spikes = this.opts.spikes;
    if (!spikes || room.slot !== 0 || !(spikes.uids ?? ['10000']).includes(uid) || t < spikes.fromMs) return false;
    return spikes.everyMs === 0 || (t - spikes.fromMs) % spikes.everyMs < spikes.forMs;
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

  /** Point times of a window, aligned on the point interval. */
  pointTimes(from: number, to: number): number[] {
    const step = this.opts.pointIntervalMs;
    const times: number[] = [];
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) times.push(t);
    return times;
  }
}
