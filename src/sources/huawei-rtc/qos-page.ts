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

/** The point's time is `YYYY-MM-DDThh:mm:ssZ` with plausible fields; positions of the digits. */
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
function isApiTime(b: Buffer, s: number, e: number): boolean {
  if (e - s !== 20 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x54 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a || b[s + 19] !== 0x5a)
    return false;
  for (let k = 0; k < DIGITS.length; k++) {
    const c = b[s + DIGITS[k]!]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  const month = two(b, s + 5);
  const day = two(b, s + 8);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && two(b, s + 11) <= 23 && two(b, s + 14) <= 59 && two(b, s + 17) <= 59;
}

const two = (b: Buffer, at: number) => (b[at]! - 0x30) * 10 + (b[at + 1]! - 0x30);

/** Byte order is time order for two API times. */
function later(b: Buffer, a: number, than: number): boolean {
  for (let j = 0; j < 19; j++) {
    const d = b[a + j]! - b[than + j]!;
    if (d !== 0) return d > 0;
  }
  return false;
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
  const latest = { time: -1, value: 0 };
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

/** `{"time":"` and `","value":`: the compact layout the API sends a point in. */
const POINT_OPEN = Buffer.from('{"time":"');
const POINT_VALUE = Buffer.from('","value":');
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * A point in the compact layout, `{"time":"<API time>","value":<decimal or null>}`,
 * read byte by byte (most of an answer is such points). Returns the byte after
 * it, or -1 for anything else (other spacing or key order, an odd time, an
 * exponent, many digits): the general reader takes those, to the same result.
 */
function compactPoint(b: Buffer, at: number, point: { time: number; value: number | null }): number {
  for (let k = 0; k < 9; k++) if (b[at + k] !== POINT_OPEN[k]) return -1;
  const time = at + 9;
  if (!isApiTime(b, time, time + 20)) return -1;
  for (let k = 0; k < 10; k++) if (b[time + 20 + k] !== POINT_VALUE[k]) return -1;
  let i = time + 30;
  let c = b[i]!;
  point.time = time;
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
  const v = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
  point.value = negative ? -v : v;
  return i + 1;
}

/** The points of one entry: `latest.time` becomes the offset of the newest usable point's time. */
function readPoints(r: JsonReader, known: MidFamily | undefined, page: QosPage, latest: { time: number; value: number }): void {
  const b = r.bytes;
  const compact = { time: 0, value: null as number | null };
  r.openArray();
  while (r.nextItem()) {
    const end = compactPoint(b, r.next, compact);
    if (end >= 0) {
      r.skipPast(end);
      if (compact.value !== null) judge(b, compact.time, compact.value, known, page, latest);
      continue;
    }
    let time = -2; // -2: no time key; -1: not an API time
    let value: number | null | undefined;
    r.openObject();
    for (let f; (f = r.nextField(POINT)) !== END;) {
      if (f === 0) {
        if (r.kind() !== 'string') r.fail('a point time that is not a string');
        r.stringSpan();
        time = isApiTime(b, r.spanStart, r.spanEnd) ? r.spanStart : -1;
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
    else judge(b, time, value, known, page, latest);
  }
}

/** A point with an API time at `time`: counted as usable (and kept if the latest) or dropped. */
function judge(b: Buffer, time: number, value: number, known: MidFamily | undefined, page: QosPage, latest: { time: number; value: number }): void {
  if (!Number.isFinite(value)) count(page.dropped, 'not_finite');
  // convert() rounds (toPrecision): only a product over the bound can be out of range.
  else if (known && (value < 0 || (value * known.factor > known.max && convert(value, known.factor) > known.max))) count(page.dropped, 'out_of_range');
  else {
    page.usable++;
    if (latest.time < 0 || later(b, time, latest.time)) {
      latest.time = time;
      latest.value = value;
    }
  }
}

function count(dropped: Map<string, number>, reason: string): void {
  dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
}
