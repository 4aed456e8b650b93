// Per-user call quality of one room: the latest point of every (uid, peerid,
// mid) series of a qos/details answer, converted to base units.
import { tupleKey, wellFormed } from '../../labels.js';
import type { Sample } from '../../source.js';
import type { QosEntry } from './client.js';
import { convert, ROOM_LAST_REFRESH, ROOM_LAST_SAMPLE, UNKNOWN_MID_FAMILY, type MidFamily } from './families.js';

export interface RoomSamples {
  samples: Sample[];
  /** Points dropped as unusable, by reason. */
  dropped: Map<string, number>;
  usable: number;
  /** Series not exported because their user left the call. */
  departed: number;
}

/**
 * Latest point per (uid, peerid, mid), converted; plus the room's freshness
 * gauges. Every series carries the key's (app_id, room_id), so two keys never
 * render the same series. A series whose latest point trails the room's newest
 * by more than departedAfterMs has left the call and is not exported: measured
 * against the room, not the clock, so the API's lag never empties a room.
 */
export function roomSamples(
  room: { app_id: string; room_id: string },
  entries: readonly QosEntry[],
  o: { families: ReadonlyMap<string, MidFamily>; departedAfterMs: number; nowMs: number },
): RoomSamples {
  const latest = new Map<string, { uid: string; peerid: string; mid: string; time: number; value: number }>();
  const dropped = new Map<string, number>();
  const drop = (reason: string) => dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  let usable = 0;
  let newest = 0;
  for (const entry of entries) {
    const uid = wellFormed(entry.uid);
    const peerid = wellFormed(entry.peerid);
    const mid = wellFormed(entry.mid);
    const id = tupleKey(uid, peerid, mid);
    if (!entry.data) {
      drop('no_points');
      continue;
    }
    const known = o.families.get(mid);
    for (const point of entry.data) {
      if (point.value === null) continue; // a gap in the series, not an error
      const time = Date.parse(point.time);
      if (!Number.isFinite(time)) drop('bad_time');
      else if (!Number.isFinite(point.value)) drop('not_finite');
      else if (known && (point.value < 0 || convert(point.value, known.factor) > known.max)) drop('out_of_range');
      else {
        usable++;
        if (time > newest) newest = time;
        const seen = latest.get(id);
        if (!seen || time > seen.time) latest.set(id, { uid, peerid, mid, time, value: point.value });
      }
    }
  }
  const samples: Sample[] = [];
  const departedBefore = newest - o.departedAfterMs;
  let departed = 0;
  for (const { uid, peerid, mid, time, value } of latest.values()) {
    if (time < departedBefore) {
      departed++;
      continue;
    }
    const labels = { ...room, uid, peerid };
    const known = o.families.get(mid);
    if (known) samples.push({ family: known.spec, labels, value: convert(value, known.factor) });
    else samples.push({ family: UNKNOWN_MID_FAMILY, labels: { ...labels, mid }, value });
  }
  if (newest > 0) samples.push({ family: ROOM_LAST_SAMPLE, labels: room, value: newest / 1000 });
  samples.push({ family: ROOM_LAST_REFRESH, labels: room, value: o.nowMs / 1000 });
  return { samples, dropped, usable, departed };
}
