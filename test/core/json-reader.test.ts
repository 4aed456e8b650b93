import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { END, JsonFields, JsonReader, JsonReadError, OTHER } from '../../src/upstream/json-reader.js';

const ANY = new JsonFields([]);

/** Rebuilds any value through the reader, keys and all: what it reads must be what JSON.parse reads. */
function readAny(r: JsonReader): unknown {
  switch (r.kind()) {
    case 'object': {
      const out: Record<string, unknown> = {};
      r.openObject();
      // Keys are read through a field list holding every key seen so far, and decoded for the rest.
      while (r.nextField(ANY) !== END) {
        const key = JSON.parse(r.bytes.toString('utf8', r.spanStart - 1, r.spanEnd + 1)) as string;
        out[key] = readAny(r);
      }
      return out;
    }
    case 'array': {
      const out: unknown[] = [];
      r.openArray();
      while (r.nextItem()) out.push(readAny(r));
      return out;
    }
    case 'string':
      return r.string();
    case 'number':
      return r.number();
    case 'boolean':
      return r.boolean();
    default:
      assert.ok(r.isNull());
      return null;
  }
}

function readAll(text: string, how: 'read' | 'skip'): unknown {
  const r = new JsonReader(Buffer.from(text, 'utf8'));
  const v = how === 'read' ? readAny(r) : (r.skip(), 'skipped');
  r.end();
  return v;
}

/** A seeded generator of JSON texts, valid and then broken. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ['', 'a', 'time', 'value', 'é', '中文', '\u2028', '"', '\\', '/', '\n\t\b\f\r', '\u0001', '\ud83d\ude00', '\ud800', 'x'.repeat(40)];
const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '12.3',
  '0.1',
  '0.000123',
  '1e3',
  '1E-3',
  '-2.5e+10',
  '123456789012345',
  '1234567890123456789',
  '0.1234567890123456789',
  '1e999',
  '-1e-999',
  '9007199254740993',
  '3.14159265358979323846',
  '100',
  '1.10',
];

function genValue(rand: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const ws = () => pick(['', '', ' ', '\n  ', '\t', '\r\n']);
  const r = depth > 4 ? rand() * 0.6 : rand();
  if (r < 0.15) return JSON.stringify(pick(STRINGS));
  if (r < 0.3) return pick(NUMBERS);
  if (r < 0.35) return pick(['true', 'false', 'null']);
  if (r < 0.4) return `"${pick(['\\u00e9', '\\uD83D\\uDE00', '\\/', '\\"', 'plain'])}"`;
  if (r < 0.7) {
    const n = Math.floor(rand() * 4);
    return `[${ws()}${Array.from({ length: n }, () => genValue(rand, depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
  }
  const n = Math.floor(rand() * 4);
  return `{${ws()}${Array.from({ length: n }, () => `${JSON.stringify(pick(STRINGS))}${ws()}:${ws()}${genValue(rand, depth + 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
}

const BREAKS = [
  (t: string, at: number) => t.slice(0, at), // truncated
  (t: string, at: number) => `${t.slice(0, at)},${t.slice(at)}`,
  (t: string, at: number) => `${t.slice(0, at)}]${t.slice(at)}`,
  (t: string, at: number) => `${t.slice(0, at)}\\x${t.slice(at)}`,
  (t: string, at: number) => `${t.slice(0, at)}01${t.slice(at)}`,
  (t: string, at: number) => `${t.slice(0, at)}tru${t.slice(at)}`,
  (t: string, at: number) => `${t.slice(0, at)}\u0001${t.slice(at)}`,
];

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    return err instanceof JsonReadError || err instanceof SyntaxError ? 'error' : err;
  }
}

describe('JsonReader', () => {
  it('reads 5,000 random JSON texts exactly as JSON.parse does, and skips each of them whole', () => {
    const rand = rng(13);
    for (let n = 0; n < 5000; n++) {
      const text = genValue(rand, 0);
      const expected = JSON.parse(text) as unknown;
      assert.deepEqual(readAll(text, 'read'), expected, text);
      assert.equal(readAll(text, 'skip'), 'skipped', text);
    }
  });

  it('refuses what JSON.parse refuses (5,000 broken texts), reading or skipping', () => {
    const rand = rng(7);
    let broken = 0;
    for (let n = 0; n < 5000; n++) {
      const text = genValue(rand, 0);
      // Through UTF-8 and back: a break inside a surrogate pair leaves halves that bytes cannot carry.
      const bad = Buffer.from(BREAKS[n % BREAKS.length]!(text, Math.floor(rand() * (text.length + 1))), 'utf8').toString('utf8');
      const parsed = outcome(() => JSON.parse(bad));
      if (parsed === 'error') broken++;
      assert.deepEqual(
        outcome(() => readAll(bad, 'read')),
        parsed,
        bad,
      );
      assert.equal(outcome(() => readAll(bad, 'skip')) === 'error', parsed === 'error', bad);
    }
    assert.ok(broken > 3000, `only ${broken} texts were broken`);
  });

  it('reads numbers to the same double as JSON.parse, fast path and slow', () => {
    const rand = rng(5);
    for (let n = 0; n < 20000; n++) {
      const digits = String(Math.floor(rand() * 1e15)).slice(0, 1 + Math.floor(rand() * 15));
      const point = Math.floor(rand() * (digits.length + 1));
      const text = `${rand() < 0.3 ? '-' : ''}${digits.slice(0, point) || '0'}${point < digits.length ? `.${digits.slice(point)}` : ''}`;
      assert.ok(Object.is(new JsonReader(Buffer.from(text)).number(), JSON.parse(text)), text);
    }
  });

  it('matches keys on their bytes, escaped keys included, and says which were asked for', () => {
    const fields = new JsonFields(['time', 'value']);
    const r = new JsonReader(Buffer.from('{"value": 1, "other": {"time": 2}, "ti\\u006de": "x"}'));
    r.openObject();
    assert.equal(r.nextField(fields), 1);
    assert.equal(r.number(), 1);
    assert.equal(r.nextField(fields), OTHER);
    r.skip();
    assert.equal(r.nextField(fields), 0);
    assert.equal(r.string(), 'x');
    assert.equal(r.nextField(fields), END);
    r.end();
  });

  it('skips 100,000 nested arrays without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assert.equal(readAll(deep, 'skip'), 'skipped');
    assert.throws(() => readAll(deep.slice(0, -1), 'skip'), JsonReadError);
  });

  it('decodes invalid UTF-8 as U+FFFD, as decoding the body to text did', () => {
    const bytes = Buffer.concat([Buffer.from('["a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"]')]);
    const r = new JsonReader(bytes);
    r.openArray();
    assert.ok(r.nextItem());
    assert.equal(r.string(), JSON.parse(bytes.toString('utf8'))[0]);
  });
});
