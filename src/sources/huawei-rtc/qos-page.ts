// One page of qos/details, read from its bytes: each entry reduced to its
// latest usable point as the page is read (an entry has a point every few
// seconds of the lookback; only the newest is exported). Times are compared
// as the fixed-format strings the API documents (YYYY-MM-DDThh:mm:ssZ), byte
// by byte; a time in any other form is dropped as bad_time.
import { END, JsonFields, JsonReader } from '../../upstream/json-reader.js';
import { convert, type MidFamily } from './families.js';

/** One entry of the page: a (uid, peerid, mid) series and its latest usable point, if any. */
export interface QosLatest {
  readonly uid: string;
  readonly peerid: string;
  readonly mid: string;
  /** `YYYY-MM-DDThh:mm:ssZ` of the latest usable point; undefined when none was usable. */
  readonly time: string | undefined;
  readonly value: number;
}

export interface QosPage {
  readonly entries: QosLatest[];
  /** Points dropped as unusable, by reason; entries without points count as no_points. */
  readonly dropped: Map<string, number>;
  usable: number;
}

const PAGE = new JsonFields(['data']);
const ENTRY = new JsonFields(['uid', 'peerid', 'mid', 'data']);
const POINT = new JsonFields(['time', 'value']);

/** A digit's value, or a number over 9 for any other byte (unsigned). */
const digit = (b: Buffer, at: number) => (b[at]! - 0x30) >>> 0;

/**
 * The point's time, `YYYY-MM-DDThh:mm:ssZ` with plausible fields, as a number
 * that orders as the time does (each field in a radix above its range), read
 * in one pass; -1 for anything else. Comparing these is comparing the times.
 */
function apiTimeKey(b: Buffer, s: number, e: number): number {
  if (e - s !== 20 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x54 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a || b[s + 19] !== 0x5a) return -1;
  const y0 = digit(b, s);
  const y1 = digit(b, s + 1);
  const y2 = digit(b, s + 2);
  const y3 = digit(b, s + 3);
  const mo0 = digit(b, s + 5);
  const mo1 = digit(b, s + 6);
  const d0 = digit(b, s + 8);
  const d1 = digit(b, s + 9);
  const h0 = digit(b, s + 11);
  const h1 = digit(b, s + 12);
  const mi0 = digit(b, s + 14);
  const mi1 = digit(b, s + 15);
  const s0 = digit(b, s + 17);
  const s1 = digit(b, s + 18);
  if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || mo0 > 9 || mo1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 || mi0 > 9 || mi1 > 9 || s0 > 9 || s1 > 9) return -1;
  const month = mo0 * 10 + mo1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return -1;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  // At most 9999 × 2^26 + …: an exact integer in a double.
  return ((((year * 16 + month) * 32 + day) * 32 + hour) * 64 + minute) * 64 + second;
}

/**
 * Reads a page. The shape is checked as the API documents it (an entry needs
 * uid, peerid and mid; a point needs time and value): anything else fails
 * the whole answer. `data: null` for the page is unusable; missing, an empty room.
 */
export function readQosPage(bytes: Buffer, families: ReadonlyMap<string, MidFamily>): QosPage {
  const r = new JsonReader(bytes);
  const page: QosPage = { entries: [], dropped: new Map(), usable: 0 };
  r.openObject();
  for (let f; (f = r.nextField(PAGE)) !== END;) {
    if (f !== 0) r.skip();
    else if (r.kind() === 'null') r.fail('data is null');
    else {
      r.openArray();
      while (r.nextItem()) readEntry(r, families, page);
    }
  }
  r.end();
  return page;
}

function readEntry(r: JsonReader, families: ReadonlyMap<string, MidFamily>, page: QosPage): void {
  let uid: string | undefined;
  let peerid: string | undefined;
  let mid: string | undefined;
  let points = false;
  /** Where the points start when they come before the mid: read once the mid (its range) is known. */
  let pointsAt = -1;
  const latest: Latest = { time: -1, key: -1, value: 0 };
  r.openObject();
  for (let f; (f = r.nextField(ENTRY)) !== END;) {
    if (f === 0) uid = r.id();
    else if (f === 1) peerid = r.id();
    else if (f === 2) mid = r.string();
    else if (f !== 3) r.skip();
    else if (!r.isNull()) {
      points = true;
      if (mid !== undefined) readPoints(r, families.get(mid), page, latest);
      else {
        pointsAt = r.offset;
        r.skip();
      }
    }
  }
  if (uid === undefined || peerid === undefined || mid === undefined) r.fail('a qos entry without uid, peerid or mid');
  if (!points) count(page.dropped, 'no_points');
  else if (pointsAt >= 0) readPoints(new JsonReader(r.bytes, pointsAt), families.get(mid), page, latest);
  page.entries.push({ uid, peerid, mid, time: latest.time < 0 ? undefined : r.bytes.toString('latin1', latest.time, latest.time + 20), value: latest.value });
}

/** The newest usable point of an entry so far: its time's offset in the bytes (-1: none yet) and order key. */
interface Latest {
  time: number;
  key: number;
  value: number;
}

const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * A point in the compact layout, `{"time":"<API time>","value":<decimal or null>}`,
 * read byte by byte (most of an answer is such points). Returns the byte after
 * it, or -1 for anything else (other spacing or key order, an odd time, an
 * exponent, many digits): the general reader takes those, to the same result.
 */
function compactPoint(b: Buffer, at: number, point: { key: number; value: number | null }): number {
  // {"time":"
  if (b[at] !== 0x7b || b[at + 1] !== 0x22 || b[at + 2] !== 0x74 || b[at + 3] !== 0x69 || b[at + 4] !== 0x6d || b[at + 5] !== 0x65) return -1;
  if (b[at + 6] !== 0x22 || b[at + 7] !== 0x3a || b[at + 8] !== 0x22) return -1;
  const time = at + 9;
  const key = apiTimeKey(b, time, time + 20);
  if (key < 0) return -1;
  // ","value":
  const v = time + 20;
  if (b[v] !== 0x22 || b[v + 1] !== 0x2c || b[v + 2] !== 0x22 || b[v + 3] !== 0x76 || b[v + 4] !== 0x61 || b[v + 5] !== 0x6c) return -1;
  if (b[v + 6] !== 0x75 || b[v + 7] !== 0x65 || b[v + 8] !== 0x22 || b[v + 9] !== 0x3a) return -1;
  let i = v + 10;
  let c = b[i]!;
  point.key = key;
  if (c === 0x6e) {
    if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c || b[i + 4] !== 0x7d) return -1;
    point.value = null;
    return i + 5;
  }
  const negative = c === 0x2d;
  if (negative) c = b[++i]!;
  if (c < 0x30 || c > 0x39 || (c === 0x30 && b[i + 1]! >= 0x30 && b[i + 1]! <= 0x39)) return -1;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (;;) {
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 0x2e && decimals < 0) decimals = 0;
    else break;
    c = b[++i]!;
  }
  if (c !== 0x7d || decimals === 0 || digits > 15) return -1;
  const abs = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
  point.value = negative ? -abs : abs;
  return i + 1;
}

/** The points of one entry: `latest` becomes the newest usable point. */
function readPoints(r: JsonReader, known: MidFamily | undefined, page: QosPage, latest: Latest): void {
  const b = r.bytes;
  const compact = { key: 0, value: null as number | null };
  r.openArray();
  while (r.nextItem()) {
    const at = r.next;
    const end = compactPoint(b, at, compact);
    if (end >= 0) {
      r.skipPast(end);
      if (compact.value !== null) judge(at + 9, compact.key, compact.value, known, page, latest);
      continue;
    }
    let time = -2; // -2: no time key; -1: not an API time
    let key = -1;
    let value: number | null | undefined;
    r.openObject();
    for (let f; (f = r.nextField(POINT)) !== END;) {
      if (f === 0) {
        if (r.kind() !== 'string') r.fail('a point time that is not a string');
        r.stringSpan();
        key = apiTimeKey(b, r.spanStart, r.spanEnd);
        time = key < 0 ? -1 : r.spanStart;
      } else if (f === 1) {
        const kind = r.kind();
        if (kind === 'null') value = (r.isNull(), null);
        else if (kind === 'number') value = r.number();
        else r.fail('a point value that is not a number');
      } else r.skip();
    }
    if (time === -2 || value === undefined) r.fail('a point without time or value');
    if (value === null) continue; // a gap in the series, not an error
    if (time === -1) count(page.dropped, 'bad_time');
    else judge(time, key, value, known, page, latest);
  }
}

/** A point with an API time at `time` (order key `key`): counted as usable (and kept if the latest) or dropped. */
function judge(time: number, key: number, value: number, known: MidFamily | undefined, page: QosPage, latest: Latest): void {
  if (!Number.isFinite(value)) count(page.dropped, 'not_finite');
  // convert() rounds (toPrecision): only a product over the bound can be out of range.
  else if (known && (value < 0 || (value * known.factor > known.max && convert(value, known.factor) > known.max))) count(page.dropped, 'out_of_range');
  else {
    page.usable++;
    if (key > latest.key) {
      latest.time = time;
      latest.key = key;
      latest.value = value;
    }
  }
}

function count(dropped: Map<string, number>, reason: string): void {
  dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
}
