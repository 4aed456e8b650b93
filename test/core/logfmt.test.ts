// --log.format=logfmt: values quoted and escaped as go-logfmt writes them, every line
// readable by a logfmt parser, and the same fields, masked the same way, as the JSON line.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { jsonLineToLogfmt } from '../../src/logfmt.js';
import { createLogger } from '../../src/logger.js';
import { parseLogfmt } from '../helpers/logfmt.js';

/** The logfmt text of one field `v` holding `value`. */
const field = (value: unknown) => jsonLineToLogfmt(JSON.stringify({ v: value })).slice('v='.length, -1);

function captured(format: 'json' | 'logfmt', secrets: string[]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', format, secrets, secretHeaders: ['x-api-key'], destination }), lines };
}

describe('logfmt lines', () => {
  it('quotes and escapes values as go-logfmt does', () => {
    const cases: [unknown, string][] = [
      ['plain', 'plain'],
      ['', ''],
      ['two words', '"two words"'],
      ['a=b', '"a=b"'],
      ['say "hi"', '"say \\"hi\\""'],
      ['back\\slash', 'back\\slash'],
      ['back\\slash and space', '"back\\\\slash and space"'],
      ['line\nbreak', '"line\\nbreak"'],
      ['tab\there', '"tab\\there"'],
      ['cr\r', '"cr\\r"'],
      ['\u0001', '"\\u0001"'],
      ['del\u007f', '"del\\u007f"'],
      ['null', '"null"'],
      ['日本語-é', '日本語-é'],
      ['\ufffd', '"\\ufffd"'],
      ['lone \ud800 surrogate', '"lone \\ufffd surrogate"'],
      ['pair \ud83d\ude00', '"pair \ud83d\ude00"'],
      [42, '42'],
      [-1.5, '-1.5'],
      [true, 'true'],
      [null, 'null'],
      [['a', 'b c'], '"[\\"a\\",\\"b c\\"]"'],
      [[1, 2], '[1,2]'],
    ];
    for (const [value, expected] of cases) assert.equal(field(value), expected, JSON.stringify(value));
  });

  it('writes ts, level and msg first, nested objects as dotted keys, and drops characters a key may not hold', () => {
    const line = jsonLineToLogfmt(
      '{"level":"warn","time":"2026-11-22T12:00:00.000Z","name":"x","headers":{"date":"d","x-api-key":"[REDACTED]"},"empty":{},"bad key=":"v","msg":"refresh failed: 503"}\n',
    );
    assert.equal(
      line,
      'ts=2026-11-22T12:00:00.000Z level=warn msg="refresh failed: 503" name=x headers.date=d headers.x-api-key=[REDACTED] empty={} badkey=v\n',
    );
  });

  it('logs the same fields as JSON, secrets masked and credential headers redacted alike', () => {
    const secret = 'sk-"quoted"=and spaced\\-0123456789';
    const log = (logger: ReturnType<typeof createLogger>) => {
      logger.info({ url: `https://api.example.com/?key=${secret}`, headers: { 'x-api-key': 'k-plain-value', date: 'today' } }, `failed with ${secret}`);
      logger.child({ source: 'demo' }).error({ err: `echoed: ${secret}`, n: 3, ok: false }, 'refresh failed');
    };
    const json = captured('json', [secret]);
    const logfmt = captured('logfmt', [secret]);
    log(json.logger);
    log(logfmt.logger);
    assert.equal(logfmt.lines.length, 2);
    for (const [i, line] of logfmt.lines.entries()) {
      const { ts, ...record } = parseLogfmt(line);
      assert.match(ts ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const fromJson = JSON.parse(json.lines[i]!) as Record<string, unknown>;
      const { time: _time, headers, ...rest } = fromJson;
      const expected: Record<string, string> = {};
      for (const [k, v] of Object.entries(rest)) expected[k] = String(v);
      for (const [k, v] of Object.entries((headers ?? {}) as Record<string, string>)) expected[`headers.${k}`] = v;
      assert.deepEqual(record, expected);
    }
    const all = logfmt.lines.join('\n');
    assert.match(all, /msg="failed with \[REDACTED\]"/);
    assert.match(all, /headers\.x-api-key=\[REDACTED\]/);
    assert.doesNotMatch(all, /0123456789|k-plain-value|spaced/);

    // Without the registry the same call shows the secret: the masking above is what hid it.
    const bare = captured('logfmt', []);
    log(bare.logger);
    assert.equal(parseLogfmt(bare.lines[0]!).msg, `failed with ${secret}`);
  });
});
