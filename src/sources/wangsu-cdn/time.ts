// Wangsu's times: request dates as `yyyy-MM-ddTHH:mm:ss+08:00`, slice times as
// `yyyy-MM-dd HH:mm` in the zone of the X-Time-Zone header (`GMT+08:00`).
// Zones are fixed offsets, so no DST rules are involved.

/** Offset in minutes east of UTC for a header like `GMT+08:00`; undefined if malformed. */
export function parseZoneHeader(header: string): number | undefined {
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(header);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 14 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function offsetSuffix(offsetMin: number): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Wall-clock fields of `ms` in a zone `offsetMin` east of UTC. */
function wallClock(ms: number, offsetMin: number) {
  const d = new Date(ms + offsetMin * 60_000);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    hm: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
    s: pad(d.getUTCSeconds()),
  };
}

/** `2019-09-18T14:00:00+08:00`: the request's dateFrom / dateTo. */
export function formatRequestDate(ms: number, offsetMin: number): string {
  const w = wallClock(ms, offsetMin);
  return `${w.date}T${w.hm}:${w.s}${offsetSuffix(offsetMin)}`;
}

/** `2019-09-18 14:05`: a slice time as Wangsu prints it. */
export function formatSliceTime(ms: number, offsetMin: number): string {
  const w = wallClock(ms, offsetMin);
  return `${w.date} ${w.hm}`;
}

/** `GMT+08:00` for an offset in minutes. */
export function formatZoneHeader(offsetMin: number): string {
  return `GMT${offsetSuffix(offsetMin)}`;
}

const SLICE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Parses a slice time (`yyyy-MM-dd HH:mm`, the seed's example also shows
 * `:ss`) in the zone `offsetMin` east of UTC; undefined if malformed.
 */
export function parseSliceTime(text: string, offsetMin: number): number | undefined {
  const m = SLICE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 2019-02-30 over to March; Wangsu never sends that, so refuse it.
  if (new Date(utc).getUTCDate() !== d) return undefined;
  return utc - offsetMin * 60_000;
}

const REQUEST_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-]\d{2}:\d{2}|Z)$/;

/** Parses a request date (`2019-09-18T14:00:00+08:00`); undefined if malformed. */
export function parseRequestDate(text: string): number | undefined {
  const m = REQUEST_DATE.exec(text);
  if (!m) return undefined;
  const offset = m[7] === 'Z' ? 0 : parseZoneHeader(`GMT${m[7]}`);
  if (offset === undefined) return undefined;
  return parseSliceTime(`${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`, offset);
}

/** The end of the latest slice that ends at or before `ms`. */
export function floorToSlice(ms: number, sliceMs: number): number {
  return Math.floor(ms / sliceMs) * sliceMs;
}
