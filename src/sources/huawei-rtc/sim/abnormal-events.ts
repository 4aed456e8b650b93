// The abnormal-events API's events of the simulated world: what spikes, failed
// joins and background noise in its rooms look like to the vendor's event log.
//
// Events are a pure function of the world's seed and their minute: the data
// lag (which minutes a request may see) is the simulator's business. So each
// app's events are built once per minute and remembered: the API is read page
// by page, and every page would otherwise rebuild every room's every minute of
// the window (1,000 rooms × 15 minutes for each page of a poll).
import { unitHash } from '../../../sim/noise.js';
import { TYPE_DESC, UNLISTED_FACTOR, factorDesc } from './abnormal-codes.js';
import { MINUTE_MS, isoSeconds, type Room, type World } from './world.js';

/** Background abnormal events: one per this many user-minutes, on average. */
export const NOISE_PER_USER_MINUTES = 50;

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

/** An event, its time, and when its room opened (see `between`). */
interface Timed {
  at: number;
  roomOpenedAt: number;
  event: AbnormalEvent;
}

/** App-minutes remembered; cleared when full (a demo runs for weeks). */
const CACHE_MAX = 50_000;

export class AbnormalEvents {
  /** Per `app|minute`, oldest first. */
  private readonly minutes = new Map<string, Timed[]>();

  constructor(private readonly world: World) {}

  /** Forgets what was computed (only work is lost). */
  clear(): void {
    this.minutes.clear();
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
   * Events other than slow joins happen at the minute start plus a hash-chosen second,
   * even in the minute a user joins, before the join: only rooms opened by `to` count.
   * The events are shared (remembered): read only.
   */
  between(appId: string, from: number, to: number): AbnormalEvent[] {
    const out: AbnormalEvent[] = [];
    for (let m = Math.floor(from / MINUTE_MS) * MINUTE_MS; m <= to; m += MINUTE_MS) {
      for (const e of this.minute(appId, m)) if (from <= e.at && e.at <= to && e.roomOpenedAt <= to) out.push(e.event);
    }
    return out;
  }

  /** The app's events of minute [m, m + 1 min), oldest first; ties in room, user, then kind order. */
  private minute(appId: string, m: number): Timed[] {
    const key = `${appId}|${m}`;
    let events = this.minutes.get(key);
    if (events) return events;
    events = [];
    for (const room of this.world.roomsBetween(appId, m, m + MINUTE_MS)) this.roomMinute(room, m, events);
    // Stable: ties keep the order above.
    events.sort((a, b) => a.at - b.at);
    if (this.minutes.size >= CACHE_MAX) this.minutes.clear();
    this.minutes.set(key, events);
    return events;
  }

  /** One room's events in minute m, appended to `out`. */
  private roomMinute(room: Room, m: number, out: Timed[]): void {
    const world = this.world;
    const seed = world.opts.seed;
    const users = world.users(room);
    const event = (at: number, uid: string, type: number, factor: number, location: 'local' | 'remote', peer = '') =>
      out.push({
        at,
        roomOpenedAt: room.openedAt,
        event: {
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
        },
      });
    const second = (...parts: Array<string | number>) => m + Math.floor(unitHash(seed, room.roomId, m, ...parts) * 60) * 1000;
    for (const u of users) {
      // The minutes a user has events in: from the one of the join to the one before leaving.
      if (m < Math.floor(u.joinedAt / MINUTE_MS) * MINUTE_MS || m > u.leftAt - 1) continue;
      const spiking = !world.canSpike(room, u.uid)
        ? []
        : world.pointTimes(Math.max(m, u.joinedAt), Math.min(m + MINUTE_MS - 1, u.leftAt - 1)).filter((t) => world.isSpiking(room, u.uid, t));
      if (spiking.length > 0) {
        event(second(u.uid, 'spike'), u.uid, 2, 6, 'local');
        for (const p of users) {
          if (p === u || !spiking.some((t) => p.joinedAt <= t && t < p.leftAt)) continue;
          event(second(p.uid, u.uid, 'video'), p.uid, 2, 6, 'remote', u.uid);
          event(second(p.uid, u.uid, 'audio'), p.uid, 3, 4, 'remote', u.uid);
        }
      }
      for (const a of world.joinAttempts(room, u, m, m + MINUTE_MS)) if (a.outcome === 'failed') event(Math.floor(a.at / 1000) * 1000, u.uid, 1, 3, 'local');
      const noise = unitHash(seed, room.roomId, u.uid, m, 'noise') * NOISE_PER_USER_MINUTES;
      if (noise < 1) event(second(u.uid, 'noise'), u.uid, 2, noise < 0.1 ? UNLISTED_FACTOR : noise < 0.55 ? 1 : 16, 'local');
    }
  }
}
