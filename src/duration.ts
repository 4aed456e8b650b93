// Durations as Prometheus reads them (model.ParseDuration in prometheus/common), so a value
// copied from a Prometheus config or an exporter's flags means the same here: whole numbers,
// units y (365d), w (7d), d, h, m, s, ms, each at most once and largest first, "0" alone,
// and no more than an int64 of nanoseconds (about 292 years).

/** Each unit in nanoseconds, in the only order they may appear. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['y', 365n * 86_400n * 1_000_000_000n],
  ['w', 7n * 86_400n * 1_000_000_000n],
  ['d', 86_400n * 1_000_000_000n],
  ['h', 3_600n * 1_000_000_000n],
  ['m', 60n * 1_000_000_000n],
  ['s', 1_000_000_000n],
  ['ms', 1_000_000n],
]);
const UNIT_ORDER = [...UNITS.keys()];
const MAX_NANOSECONDS = 2n ** 63n - 1n;
/** The longest duration, written as Prometheus would print it. */
export const LONGEST_DURATION = '292y24w3d23h47m16s854ms';

/** One number and the non-digits after it: Prometheus reads every non-digit run as a unit name. */
const TERM = /(\d*)(\D*)/y;
const HOW = 'write it like "30s", "5m" or "1h30m": whole numbers, units y w d h m s ms, each once and largest first';

export type DurationReading = { ms: number; problem?: undefined } | { ms?: undefined; problem: string };

/** Reads a duration into milliseconds, or says why the text is not one. */
export function readDuration(text: string): DurationReading {
  if (text === '0') return { ms: 0 };
  if (text === '') return { problem: `is empty; ${HOW}` };
  const invalid = { problem: `"${text}" is not a duration; ${HOW}` };
  const outOfRange = { problem: `"${text}" is out of range: a duration is at most ${LONGEST_DURATION} (an int64 of nanoseconds)` };
  let total = 0n;
  let last = -1;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const [, digits, unit] = TERM.exec(text)!;
    if (!digits || !unit) return invalid;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank < 0) return { problem: `"${text}" is not a duration: unknown unit "${unit}"; ${HOW}` };
    if (rank <= last) return invalid;
    last = rank;
    // More than 20 significant digits overflows whatever the unit; BigInt() of a huge run would only cost time.
    if (digits.replace(/^0+/, '').length > 20) return outOfRange;
    total += BigInt(digits) * UNITS.get(unit)!;
    if (total > MAX_NANOSECONDS) return outOfRange;
  }
  return { ms: Number(total / 1_000_000n) };
}

/** Milliseconds, or undefined where Prometheus would refuse the text. */
export function parseDuration(text: string): number | undefined {
  return readDuration(text).ms;
}

/** Milliseconds written back as Prometheus prints a duration, largest units first: 90000 → "1m30s", 0 → "0s". */
export function formatDuration(ms: number): string {
  let rest = BigInt(Math.round(ms)) * 1_000_000n;
  let text = '';
  for (const [unit, size] of UNITS) {
    const n = rest / size;
    if (n > 0n) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text || '0s';
}
