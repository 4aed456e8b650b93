// The statistics APIs' app-level figures per minute (realtime quality, network
// and scale), derived from the same rooms, users, join attempts and per-user
// values that qos/details serves, so tests can check one against the other.
//
// Every figure is a pure function of the world's seed and the minute: the data
// lag (which minutes a request may see) is the simulator's business. So counts
// are remembered per (room, minute) and the app-wide sums per (app, minute): a
// request for a window of an app with 1,000 rooms would otherwise recount
// every room's every minute, for each of its 18 figures.
import { MINUTE_MS, type Presence, type Room, type SdkType, type World } from './world.js';

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

const emptyTally = (): Tally => ({
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

/** Entries per memo cache; cleared when full (a demo runs for weeks). */
const CACHE_MAX = 200_000;

export class AppFigures {
  /** Per `room|minute`. */
  private readonly roomTallies = new Map<string, Record<SdkType, Tally>>();
  /** Per `app|minute`: the sums over the app's rooms. */
  private readonly appTallies = new Map<string, Record<SdkType, Tally>>();
  /** Per `app|minute`; null: nobody online. */
  private readonly appScales = new Map<string, Record<ScaleMetric, number> | null>();

  constructor(private readonly world: World) {}

  /** Forgets what was computed (only work is lost). */
  clear(): void {
    this.roomTallies.clear();
    this.appTallies.clear();
    this.appScales.clear();
  }

  /**
   * The scale API's figures at minute start m: OnlineUsers = users present at m
   * (joinedAt <= m < leftAt) in the rooms running at m (or in that room), RoomCount =
   * those rooms (0 or 1 for one room). Undefined (no point) when nobody is present.
   */
  scale(appId: string, m: number, roomId?: string): Record<ScaleMetric, number> | undefined {
    if (roomId !== undefined) return this.countOnline(appId, m, roomId);
    const key = `${appId}|${m}`;
    let figures = this.appScales.get(key);
    if (figures === undefined) {
      figures = this.countOnline(appId, m) ?? null;
      remember(this.appScales, key, figures);
    }
    return figures ?? undefined;
  }

  private countOnline(appId: string, m: number, roomId?: string): Record<ScaleMetric, number> | undefined {
    const rooms = this.world.roomsOf(appId, m, m + 1, roomId);
    const online = rooms.reduce((n, room) => n + this.world.users(room).filter((u) => u.joinedAt <= m && m < u.leftAt).length, 0);
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
    const t = this.minuteTally(appId, m, roomId)[sdkType];
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
    const t = this.minuteTally(appId, m, roomId)[sdkType];
    return metric.includes('Upstream') ? percent(t.usersClean, t.userSamples) : percent(t.pairsClean, t.pairSamples);
  }

  /** Sums of the tallies of the app's (or the room's) rooms in minute m, per sdk type. */
  private minuteTally(appId: string, m: number, roomId?: string): Record<SdkType, Tally> {
    if (roomId !== undefined) return this.sumTallies(appId, m, roomId);
    const key = `${appId}|${m}`;
    let sums = this.appTallies.get(key);
    if (!sums) remember(this.appTallies, key, (sums = this.sumTallies(appId, m)));
    return sums;
  }

  private sumTallies(appId: string, m: number, roomId?: string): Record<SdkType, Tally> {
    const sums: Record<SdkType, Tally> = { native: emptyTally(), webrtc: emptyTally() };
    // Rooms in the world's order, so that the floating-point sums are the same whatever is cached.
    for (const room of this.world.roomsOf(appId, m, m + MINUTE_MS, roomId)) {
      const tally = this.tally(room, m);
      for (const sdk of ['native', 'webrtc'] as const) {
        const sum = sums[sdk];
        const t = tally[sdk];
        for (const k of Object.keys(sum) as Array<keyof Tally>) sum[k] += t[k];
      }
    }
    return sums;
  }

  /**
   * Counts of one room's minute [m, m + 1 min): join attempts by outcome, and the
   * samples the qos API serves at the minute's point times (a user is present at t
   * when joinedAt <= t < leftAt, a downlink pair when both are, exactly as
   * qos/details serves them), per sdk type of the user (the receiver of a pair).
   */
  private tally(room: Room, m: number): Record<SdkType, Tally> {
    const key = `${room.roomId}|${m}`;
    const cached = this.roomTallies.get(key);
    if (cached) return cached;
    const world = this.world;
    const tally: Record<SdkType, Tally> = { native: emptyTally(), webrtc: emptyTally() };
    const users = world.users(room);
    const points = world.pointTimes(m, m + MINUTE_MS - 1);
    const present = (p: Presence, t: number) => p.joinedAt <= t && t < p.leftAt;
    for (const u of users) {
      const mine = tally[world.sdkType(room, u.uid)];
      for (const a of world.joinAttempts(room, u, m, m + MINUTE_MS)) {
        mine.attempts++;
        if (a.outcome !== 'failed') mine.joined++;
        if (a.outcome === 'joined') mine.joinedIn5s++;
      }
      for (const t of points) {
        if (!present(u, t)) continue;
        const upBad = world.isSpiking(room, u.uid, t);
        mine.userSamples++;
        if (!upBad) mine.usersClean++;
        for (const p of users) {
          if (p === u || !present(p, t)) continue;
          mine.pairSamples++;
          mine.vblockSum += world.value(room, u.uid, p.uid, 'vblock', t);
          mine.ablockSum += world.value(room, u.uid, p.uid, 'ablock', t);
          if (!upBad && !world.isSpiking(room, p.uid, t)) mine.pairsClean++;
        }
      }
    }
    remember(this.roomTallies, key, tally);
    return tally;
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, value);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** num / den in percent with 2 decimals; undefined for an empty denominator. */
function percent(num: number, den: number): number | undefined {
  return den === 0 ? undefined : round2((100 * num) / den);
}
