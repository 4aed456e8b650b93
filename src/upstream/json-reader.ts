// A pull reader of JSON over the answer's bytes, for the large answers: the
// caller walks the structure it uses and skips the rest, so nothing is built
// that is not used (JSON.parse builds every object of every point; on a
// qos answer that is most of a refresh's cost). It checks the whole grammar,
// skipped values included, so a truncated or malformed body fails as
// JSON.parse would. Strings the caller reads are decoded as UTF-8 (invalid
// bytes become U+FFFD, as the text decoding before JSON.parse did).

/** A body that is not JSON, or not the JSON the caller expects. */
export class JsonReadError extends Error {
  override name = 'JsonReadError';
}

/** Bytes of the grammar. */
const C = {
  Tab: 0x09,
  Lf: 0x0a,
  Cr: 0x0d,
  Space: 0x20,
  Quote: 0x22,
  Plus: 0x2b,
  Comma: 0x2c,
  Minus: 0x2d,
  Dot: 0x2e,
  Zero: 0x30,
  One: 0x31,
  Nine: 0x39,
  Colon: 0x3a,
  UpperE: 0x45,
  OpenArray: 0x5b,
  Backslash: 0x5c,
  CloseArray: 0x5d,
  LowerE: 0x65,
  LowerF: 0x66,
  LowerN: 0x6e,
  LowerT: 0x74,
  OpenObject: 0x7b,
  CloseObject: 0x7d,
} as const;

/** What the next value is, by its first byte. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** `nextField` at the end of an object. */
export const END = -2;
/** `nextField` for a key the caller did not ask for: skip its value. */
export const OTHER = -1;

/** Keys a caller looks for in an object, matched on their bytes (no string per key). */
export class JsonFields {
  readonly names: readonly Uint8Array[];
  constructor(names: readonly string[]) {
    this.names = names.map((n) => Buffer.from(n, 'utf8'));
  }
}

/** Bytes after a backslash that make a two-byte escape; `u` starts \\uXXXX. */
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));
const LOWER_U = 0x75;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

const isDigit = (c: number) => c >= C.Zero && c <= C.Nine;
/** 10^k for the exact fast path of number parsing (k ≤ 22). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

export class JsonReader {
  private i = 0;
  /** The closing byte of every open container, innermost last. */
  private readonly open: number[] = [];
  /** The innermost container has no item yet. */
  private fresh = false;
  /** Bytes of the last string read by `stringSpan()`: [spanStart, spanEnd). */
  spanStart = 0;
  spanEnd = 0;

  /** Reads from `start` (a value's first byte, as `offset` gave it). */
  constructor(
    readonly bytes: Buffer,
    start = 0,
  ) {
    this.i = start;
  }

  /** Where the reader is, in bytes from the start. */
  get offset(): number {
    return this.i;
  }

  /**
   * Moves past a value the caller read from `bytes` itself (a fast path for a
   * layout it checked byte by byte): `to` is the byte after that value.
   */
  skipPast(to: number): void {
    this.i = to;
  }

  /** The byte the next token starts at (whitespace skipped). */
  get next(): number {
    this.peekByte();
    return this.i;
  }

  fail(what: string): never {
    throw new JsonReadError(`${what} at byte ${this.i}`);
  }

  /** Skips whitespace; the byte there (undefined at the end). */
  private peekByte(): number {
    const b = this.bytes;
    let i = this.i;
    let c = b[i]!;
    while (c === C.Space || c === C.Lf || c === C.Cr || c === C.Tab) c = b[++i]!;
    this.i = i;
    return c;
  }

  kind(): JsonKind {
    const c = this.peekByte();
    if (c === C.OpenObject) return 'object';
    if (c === C.OpenArray) return 'array';
    if (c === C.Quote) return 'string';
    if (c === C.Minus || isDigit(c)) return 'number';
    if (c === C.LowerT || c === C.LowerF) return 'boolean';
    if (c === C.LowerN) return 'null';
    return this.fail(c === undefined ? 'unexpected end' : 'unexpected byte');
  }

  openObject(): void {
    if (this.peekByte() !== C.OpenObject) this.fail('expected an object');
    this.i++;
    this.open.push(C.CloseObject);
    this.fresh = true;
  }

  openArray(): void {
    if (this.peekByte() !== C.OpenArray) this.fail('expected an array');
    this.i++;
    this.open.push(C.CloseArray);
    this.fresh = true;
  }

  /**
   * The next key of the open object: its index in `fields`, OTHER for any
   * other key (the caller skips its value), END when the object closes.
   */
  nextField(fields: JsonFields): number {
    if (!this.separator(C.CloseObject)) return END;
    if (this.peekByte() !== C.Quote) this.fail('expected a key');
    const escaped = this.stringSpan();
    let found = OTHER;
    if (escaped) {
      const key = this.decodeSpan(true);
      found = fields.names.findIndex((n) => Buffer.from(key, 'utf8').equals(n));
    } else {
      const b = this.bytes;
      const s = this.spanStart;
      const len = this.spanEnd - s;
      const names = fields.names;
      search: for (let k = 0; k < names.length; k++) {
        const n = names[k]!;
        if (n.length !== len) continue;
        for (let j = 0; j < len; j++) if (b[s + j] !== n[j]) continue search;
        found = k;
        break;
      }
    }
    if (this.peekByte() !== C.Colon) this.fail('expected :');
    this.i++;
    return found;
  }

  /** True when the open array has another item (then read or skip it). */
  nextItem(): boolean {
    return this.separator(C.CloseArray);
  }

  /** Before an item or key: consumes a comma (not before the first), or the closing byte (false). */
  private separator(close: number): boolean {
    const c = this.peekByte();
    if (this.open[this.open.length - 1] !== close) this.fail(close === C.CloseObject ? 'not in an object' : 'not in an array');
    if (c === close) {
      this.i++;
      this.open.pop();
      // Back in the outer container, which now has an item: the one just closed.
      this.fresh = false;
      return false;
    }
    if (this.fresh) this.fresh = false;
    else if (c === C.Comma) this.i++;
    else this.fail(c === undefined ? 'unexpected end' : `expected , or ${String.fromCharCode(close)}`);
    return true;
  }

  /**
   * Reads a string's bytes without decoding them: [spanStart, spanEnd).
   * Returns true when the string has escapes (then use `decodeSpan`).
   */
  stringSpan(): boolean {
    if (this.peekByte() !== C.Quote) this.fail('expected a string');
    const b = this.bytes;
    let i = this.i + 1;
    const start = i;
    let escaped = false;
    for (;;) {
      const c = b[i]!;
      if (c === C.Quote) break;
      if (c === C.Backslash) {
        escaped = true;
        const after = b[i + 1]!;
        if (after === LOWER_U) {
          for (let j = i + 2; j < i + 6; j++) if (!isHex(b[j]!)) this.fail('bad \\u escape in a string');
          i += 6;
        } else if (SIMPLE_ESCAPES.has(after)) i += 2;
        else this.fail('bad escape in a string');
        continue;
      }
      if (c < C.Space || c === undefined) {
        this.i = i;
        this.fail(c === undefined ? 'unterminated string' : 'control character in a string');
      }
      i++;
    }
    this.spanStart = start;
    this.spanEnd = i;
    this.i = i + 1;
    return escaped;
  }

  /** The last span as a string; `escaped` as `stringSpan` returned it. */
  decodeSpan(escaped: boolean): string {
    if (!escaped) return this.bytes.toString('utf8', this.spanStart, this.spanEnd);
    try {
      return JSON.parse(this.bytes.toString('utf8', this.spanStart - 1, this.spanEnd + 1)) as string;
    } catch {
      return this.fail('bad escape in a string');
    }
  }

  string(): string {
    return this.decodeSpan(this.stringSpan());
  }

  /** An id the API sends as a string or a number, as a string. */
  id(): string {
    return this.peekByte() === C.Quote ? this.string() : String(this.number());
  }

  number(): number {
    const b = this.bytes;
    const start = this.peekByte() === C.Minus ? this.i + 1 : this.i;
    let i = start;
    let c = b[i]!;
    let mantissa = 0;
    let digits = 0;
    let decimals = 0;
    if (c === C.Zero) c = b[++i]!;
    else if (c >= C.One && c <= C.Nine) {
      do {
        mantissa = mantissa * 10 + (c - C.Zero);
        digits++;
        c = b[++i]!;
      } while (isDigit(c));
    } else this.fail('expected a number');
    if (c === C.Dot) {
      c = b[++i]!;
      if (!isDigit(c)) this.fail('expected a digit');
      do {
        mantissa = mantissa * 10 + (c - C.Zero);
        if (mantissa !== 0) digits++;
        decimals++;
        c = b[++i]!;
      } while (isDigit(c));
    }
    let slow = digits > 15 || decimals > 22;
    if (c === C.LowerE || c === C.UpperE) {
      slow = true;
      c = b[++i]!;
      if (c === C.Plus || c === C.Minus) c = b[++i]!;
      if (!isDigit(c)) this.fail('expected a digit');
      while (isDigit(c)) c = b[++i]!;
    }
    const negative = start !== this.i;
    const text = this.i;
    this.i = i;
    // Up to 15 digits and 22 decimals, one division by an exact power of ten is correctly rounded: JSON.parse's value.
    if (slow) return Number(b.toString('latin1', text, i));
    const v = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
    return negative ? -v : v;
  }

  /** Consumes `null` if it is next. */
  isNull(): boolean {
    if (this.peekByte() !== C.LowerN) return false;
    this.literal('null');
    return true;
  }

  boolean(): boolean {
    const c = this.peekByte();
    if (c === C.LowerT) this.literal('true');
    else if (c === C.LowerF) this.literal('false');
    else this.fail('expected a boolean');
    return c === C.LowerT;
  }

  private literal(word: string): void {
    const b = this.bytes;
    for (let j = 0; j < word.length; j++) if (b[this.i + j] !== word.charCodeAt(j)) this.fail(`expected ${word}`);
    this.i += word.length;
  }

  /** Skips one value of any kind, checking its grammar; iterative, so no nesting depth overflows the stack. */
  skip(): void {
    const depth = this.open.length;
    for (;;) {
      const kind = this.kind();
      if (kind === 'object') this.openObject();
      else if (kind === 'array') this.openArray();
      else if (kind === 'string') this.stringSpan();
      else if (kind === 'number') this.number();
      else if (kind === 'boolean') this.boolean();
      else this.isNull();
      // Then to the next value inside what is open (a key first, in an object), closing what ends.
      for (;;) {
        if (this.open.length === depth) return;
        const more = this.open[this.open.length - 1] === C.CloseObject ? this.nextField(NO_FIELDS) !== END : this.nextItem();
        if (more) break;
      }
    }
  }

  /** Only whitespace after the value. */
  end(): void {
    if (this.peekByte() !== undefined) this.fail('unexpected data after the value');
  }
}

const NO_FIELDS = new JsonFields([]);
