// One pino JSON line as a logfmt line, `ts=… level=… msg=… key=value …`, quoted and escaped
// as go-logfmt (the encoder behind Prometheus's --log.format=logfmt) does, so the same
// parsers read both. Nested objects become dotted keys, as Go's slog text handler writes them.

/** Fields written first, under the names Prometheus exporters use. */
const LEADING: readonly (readonly [from: string, to: string])[] = [
  ['time', 'ts'],
  ['level', 'level'],
  ['msg', 'msg'],
];

/** A JSON line (with or without its newline) as a logfmt line ending in a newline. */
export function jsonLineToLogfmt(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    // Not ours to reshape (pino only writes JSON): pass it on whole rather than lose it.
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return `${pair('msg', record)}\n`;
  const fields = record as Record<string, unknown>;
  const out: string[] = [];
  for (const [from, to] of LEADING) if (from in fields) out.push(pair(to, fields[from]));
  const leading = new Set(LEADING.map(([from]) => from));
  for (const [key, value] of Object.entries(fields)) if (!leading.has(key)) flatten(key, value, out);
  return `${out.join(' ')}\n`;
}

function flatten(key: string, value: unknown, out: string[]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.push(pair(key, '{}'));
    for (const [k, v] of entries) flatten(`${key}.${k}`, v, out);
    return;
  }
  out.push(pair(key, value));
}

function pair(key: string, value: unknown): string {
  // go-logfmt drops the characters a key may not hold; a key left empty is still worth a name.
  let k = '';
  for (let i = 0; i < key.length; i++) if (!special(key, i)) k += key[i];
  return `${k || '_'}=${formatValue(value)}`;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value === 'null' ? '"null"' : quoteIfNeeded(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Arrays: their JSON text, which says where each element ends.
  return quoteIfNeeded(JSON.stringify(value));
}

/**
 * Whether the UTF-16 unit at `i` makes go-logfmt quote a value (and drop it from a key):
 * space and control characters, '=', '"', DEL, U+FFFD, and an unpaired surrogate (Go's invalid UTF-8).
 */
function special(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c <= 0x20 || c === 0x3d || c === 0x22 || c === 0x7f || c === 0xfffd) return true;
  if (c >= 0xd800 && c <= 0xdbff) return !isLowSurrogate(s.charCodeAt(i + 1));
  if (isLowSurrogate(c)) return !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff);
  return false;
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

function quoteIfNeeded(value: string): string {
  let needed = false;
  for (let i = 0; i < value.length && !needed; i++) needed = special(value, i);
  if (!needed) return value;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short) out += short;
    else if (c < 0x20 || c === 0x7f) out += `\\u00${c.toString(16).padStart(2, '0')}`;
    // U+FFFD and an unpaired surrogate are written as the escape \ufffd, as Go writes invalid UTF-8.
    else if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff && special(value, i))) out += '\\ufffd';
    else out += value[i];
  }
  return `${out}"`;
}
