// Which rooms to refresh first: those whose abnormal events repeat. One event
// in a room is common background (a phone's CPU, one bad network) and, with
// thousands of users, arrives faster than the budget refreshes rooms; several
// events in a room within a few minutes (a freeze for every peer of a bad
// sender, a user who keeps freezing) are what the per-user data should show now.

/** Events count towards a room's trouble for this long after they are counted. */
export const TROUBLE_MEMORY_MS = 5 * 60_000;

interface RoomTrouble {
  /** When each recent event was counted, oldest first. */
  counted: number[];
  /** When the room's last successful refresh asked for its data. */
  refreshedFrom: number;
}

export class TroubledRooms {
  private readonly rooms = new Map<string, RoomTrouble>();

  constructor(private readonly minEvents: number) {}

  /** Events counted now for a room. */
  add(key: string, events: number, now: number): void {
    let t = this.rooms.get(key);
    if (!t) this.rooms.set(key, (t = { counted: [], refreshedFrom: -Infinity }));
    for (let i = 0; i < events; i++) t.counted.push(now);
    this.forgetOld(t, now);
  }

  /** The room has minEvents recent events, and one of them was counted after its last refresh asked for data. */
  isTroubled(key: string, now: number): boolean {
    const t = this.rooms.get(key);
    if (!t) return false;
    this.forgetOld(t, now);
    return t.counted.length >= this.minEvents && t.counted[t.counted.length - 1]! > t.refreshedFrom;
  }

  /** A refresh that asked for the room's data at `askedAt` succeeded: events counted before it are in its data. */
  refreshed(key: string, askedAt: number): void {
    const t = this.rooms.get(key);
    if (t) t.refreshedFrom = Math.max(t.refreshedFrom, askedAt);
  }

  /** Forgets rooms that are no longer listed or have no recent events. */
  retain(keys: ReadonlySet<string>, now: number): void {
    for (const [key, t] of this.rooms) {
      this.forgetOld(t, now);
      if (!keys.has(key) || t.counted.length === 0) this.rooms.delete(key);
    }
  }

  private forgetOld(t: RoomTrouble, now: number): void {
    let drop = 0;
    while (drop < t.counted.length && t.counted[drop]! <= now - TROUBLE_MEMORY_MS) drop++;
    if (drop > 0) t.counted.splice(0, drop);
  }
}
