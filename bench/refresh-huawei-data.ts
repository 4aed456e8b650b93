// The SparkRTC answers of bench/refresh.ts, shared by its fake upstream (which
// serves them) and its JSON.parse floor (which parses exactly the same bytes).
//
// A room has 4 users; each user has 7 uplink entries (peerid "0") and, about
// each of the 3 others, 6 downlink entries: 100 qos/details entries, each with
// up to 51 points 10 s apart (a 10-minute lookback minus the 90 s data lag, as
// the project's simulator serves; fewer when the query starts later), newest first. So a room is 100 series plus its
// two freshness gauges. Answers are built from a few templates per data time
// (the room id substituted), so the fake stays small and cheap at 10,000
// rooms; the data time follows the request's end_time, so values and times
// change from one refresh to the next, as they would upstream.

import { stableHash } from '../src/shard.js';
import { unitMix } from '../src/sim/noise.js';

export const PROJECT_ID = 'bench-project';
export const APP_ID = 'bench-app';
const UPLINK_MIDS = ['appcpu', 'syscpu', 'abit', 'vbit', 'vfps', 'vwidth', 'vheight'] as const;
const DOWNLINK_MIDS = ['ajitter', 'vjitter', 'artt', 'vrtt', 'aloss', 'vloss'] as const;
const USERS = 4;
export const ENTRIES_PER_ROOM = USERS * (UPLINK_MIDS.length + (USERS - 1) * DOWNLINK_MIDS.length);
/** Every entry is a series, plus the room's last-sample and last-refresh gauges. */
export const SERIES_PER_ROOM = ENTRIES_PER_ROOM + 2;
/** Downlink jitter entries per room: one family's lines, to count on a page. */
export const AUDIO_JITTER_PER_ROOM = USERS * (USERS - 1);
const POINTS = 51;
const SPACING_MS = 10_000;
const LAG_MS = 90_000;
const TEMPLATES = 8;

export const roomId = (i: number) => `room-${String(i).padStart(5, '0')}`;

/** The newest point of an answer to a query ending at `endMs`: the lag, on the 10 s grid. */
export const newestPointMs = (endMs: number) => Math.floor((endMs - LAG_MS) / SPACING_MS) * SPACING_MS;

/** Value ranges per mid (upstream units), and how many decimals upstream prints. */
const RANGES: Record<string, { lo: number; hi: number; decimals: number }> = {
  appcpu: { lo: 4, hi: 45, decimals: 1 },
  syscpu: { lo: 15, hi: 85, decimals: 1 },
  abit: { lo: 24, hi: 64, decimals: 0 },
  vbit: { lo: 300, hi: 2500, decimals: 0 },
  vfps: { lo: 12, hi: 30, decimals: 0 },
  ajitter: { lo: 2, hi: 60, decimals: 0 },
  vjitter: { lo: 5, hi: 120, decimals: 0 },
  artt: { lo: 20, hi: 300, decimals: 0 },
  vrtt: { lo: 20, hi: 350, decimals: 0 },
  aloss: { lo: 0, hi: 5, decimals: 1 },
  vloss: { lo: 0, hi: 8, decimals: 1 },
};

const apiTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** One template's 100 entries with `points` points each, as JSON text each. */
function entriesJson(template: number, newestMs: number, points: number): string[] {
  const epoch = newestMs / SPACING_MS;
  const times = Array.from({ length: points }, (_, k) => apiTime(newestMs - k * SPACING_MS));
  const uids = Array.from({ length: USERS }, (_, u) => String(10_000 + template * 10 + u));
  const out: string[] = [];
  const entry = (e: number, uid: string, peerid: string, mid: string, userIndex: number) => {
    const texts: string[] = [];
    for (let k = 0; k < points; k++) {
      let value: string;
      if (k > 0 && unitMix(template * 4096 + e, (epoch * 64 + k) * 4 + 1) < 0.02) value = 'null';
      // Even users send landscape 1280×720, odd ones portrait 720×1280.
      else if (mid === 'vwidth' || mid === 'vheight') value = String((userIndex % 2 === 0) === (mid === 'vwidth') ? 1280 : 720);
      else {
        const r = RANGES[mid]!;
        const base = r.lo + (r.hi - r.lo) * unitMix(template * 4096 + e, 2);
        const v = Math.min(r.hi, Math.max(r.lo, base + (r.hi - r.lo) * 0.2 * (unitMix(template * 4096 + e, (epoch * 64 + k) * 4 + 3) - 0.5)));
        value = String(Number(v.toFixed(r.decimals)));
      }
      texts.push(`{"time":"${times[k]}","value":${value}}`);
    }
    out.push(`{"uid":"${uid}","peerid":"${peerid}","mid":"${mid}","data":[${texts.join(',')}]}`);
  };
  uids.forEach((uid, u) => {
    for (const mid of UPLINK_MIDS) entry(out.length, uid, '0', mid, u);
    uids.forEach((peer, p) => {
      if (p !== u) for (const mid of DOWNLINK_MIDS) entry(out.length, uid, peer, mid, u);
    });
  });
  return out;
}

/** qos/details answers, by template and data time (a handful cached). */
export class QosAnswers {
  private readonly cache = new Map<string, { entries: string[]; whole: Buffer }>();

  /** The answer for one room, as Buffers to write in order: `{"room_id":…,"data":[…]}`; points within [startMs, endMs − lag]. */
  answer(room: string, startMs: number, endMs: number, offset: number, limit: number): Buffer[] {
    const template = stableHash(room) % TEMPLATES;
    const newestMs = newestPointMs(endMs);
    const points = Math.min(POINTS, Math.floor((newestMs - startMs) / SPACING_MS) + 1);
    const head = Buffer.from(`{"room_id":${JSON.stringify(room)},"data":[`);
    if (points <= 0) return [head, Buffer.from(']}')];
    const t = this.template(template, newestMs, points);
    if (offset === 0 && limit >= t.entries.length) return [head, t.whole];
    return [head, Buffer.from(`${t.entries.slice(offset, offset + limit).join(',')}]}`)];
  }

  private template(template: number, newestMs: number, points: number): { entries: string[]; whole: Buffer } {
    const key = `${newestMs}:${template}:${points}`;
    let t = this.cache.get(key);
    if (!t) {
      const entries = entriesJson(template, newestMs, points);
      t = { entries, whole: Buffer.from(`${entries.join(',')}]}`) };
      this.cache.set(key, t);
      // A few data times and window lengths' worth: a refresh never spans more.
      if (this.cache.size > 4 * TEMPLATES) this.cache.delete(this.cache.keys().next().value!);
    }
    return t;
  }
}

/** A page of GET …/rtc/rooms: `rooms` running rooms in all. */
export function roomsPage(rooms: number, offset: number, limit: number): string {
  const list = [];
  for (let i = offset; i < Math.min(rooms, offset + limit); i++) list.push({ room_id: roomId(i), state: 'RUNNING' });
  return JSON.stringify({ total: rooms, limit, offset, room_info_list: list });
}
