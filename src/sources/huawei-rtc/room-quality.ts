// Per-user call quality of one room: the latest point of every (uid, peerid,
// mid) series of a qos/details answer, converted to base units and written
// straight to the page's lines.
import { tupleKey, wellFormed } from '../../labels.js';
import { joinLabels, LabelNames, SeriesWriter, type RenderedSeries } from '../../series-writer.js';
import { convert, ROOM_LAST_REFRESH, ROOM_LAST_SAMPLE, UNKNOWN_MID_FAMILY, type MidFamily } from './families.js';
import type { QosLatest } from './qos-page.js';

const ROOM = new LabelNames('app_id', 'room_id');
const USER = new LabelNames('uid', 'peerid');
const UNKNOWN_USER = new LabelNames('uid', 'peerid', 'mid');

export interface RoomSeries {
  series: RenderedSeries;
  /** Series not exported because their user left the call. */
  departed: number;
  /** The room's newest usable point (ms), if any: series older than it by departedAfterMs are never exported again. */
  newestMs: number | undefined;
}

/**
 * Latest point per (uid, peerid, mid), converted; plus the room's freshness
 * gauges. Every series carries the key's (app_id, room_id), so two keys never
 * render the same series. A series whose latest point trails the room's newest
 * by more than departedAfterMs has left the call and is not exported: measured
 * against the room, not the clock, so the API's lag never empties a room.
 */
export function roomSeries(
  room: { app_id: string; room_id: string },
  entries: readonly QosLatest[],
  o: { families: ReadonlyMap<string, MidFamily>; departedAfterMs: number; nowMs: number },
): RoomSeries {
  // An entry repeated (on a later page) keeps its latest point; times compare as strings (one fixed format).
  const latest = new Map<string, QosLatest>();
  let newest: string | undefined;
  for (const e of entries) {
    if (e.time === undefined) continue;
    const id = tupleKey(wellFormed(e.uid), wellFormed(e.peerid), wellFormed(e.mid));
    const seen = latest.get(id);
    if (!seen || e.time > seen.time!) latest.set(id, e);
    if (newest === undefined || e.time > newest) newest = e.time;
  }
  const out = new SeriesWriter();
  const roomLabels = ROOM.render(room.app_id, room.room_id);
  const newestMs = newest === undefined ? undefined : Date.parse(newest);
  const departedBefore = newestMs === undefined ? 0 : newestMs - o.departedAfterMs;
  let departed = 0;
  for (const e of latest.values()) {
    if (Date.parse(e.time!) < departedBefore) {
      departed++;
      continue;
    }
    const known = o.families.get(e.mid);
    if (known) out.add(known.spec, joinLabels(roomLabels, USER.render(e.uid, e.peerid)), convert(e.value, known.factor));
    else out.add(UNKNOWN_MID_FAMILY, joinLabels(roomLabels, UNKNOWN_USER.render(e.uid, e.peerid, e.mid)), e.value);
  }
  if (newestMs !== undefined) out.add(ROOM_LAST_SAMPLE, roomLabels, newestMs / 1000);
  out.add(ROOM_LAST_REFRESH, roomLabels, o.nowMs / 1000);
  return { series: out.done(), departed, newestMs };
}
