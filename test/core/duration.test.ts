// The duration grammar must decide every string as Prometheus's model.ParseDuration does:
// a value copied from a Prometheus config or another exporter's flags means the same here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, readDuration } from '../../src/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** int64 nanoseconds, in whole milliseconds: 2^63 - 1 ns. */
const LONGEST_MS = 9_223_372_036_854;

const accepted: [string, number][] = [
  ['0', 0],
  ['0s', 0],
  ['0w', 0],
  ['0ms', 0],
  ['324ms', 324],
  ['3s', 3 * S],
  ['5m', 5 * M],
  ['90s', 90 * S],
  ['1h', H],
  ['1h30m', H + 30 * M],
  ['4d', 4 * D],
  ['4d1h', 4 * D + H],
  ['14d', 14 * D],
  ['1w', 7 * D],
  ['3w2d1h', 21 * D + 2 * D + H],
  ['2y', 2 * 365 * D],
  ['10y', 10 * 365 * D],
  ['1y1w1d1h1m1s1ms', 365 * D + 7 * D + D + H + M + S + 1],
  ['007s', 7 * S],
  ['24d20h31m23s647ms', 2 ** 31 - 1],
  ['292y24w3d23h47m16s854ms', LONGEST_MS],
  ['9223372036854ms', LONGEST_MS],
  ['106751d23h47m16s854ms', LONGEST_MS],
];

const refused: [string, RegExp][] = [
  ['', /^is empty/],
  ['1s1h', /"1s1h" is not a duration; .*largest first/],
  ['5m5m', /"5m5m" is not a duration/],
  ['1ms1s', /not a duration/],
  ['1m1d', /not a duration/],
  ['999999999999999999999h', /out of range/],
  ['292y24w3d23h47m16s855ms', /out of range: a duration is at most 292y24w3d23h47m16s854ms/],
  ['9223372036855ms', /out of range/],
  ['293y', /out of range/],
  ['18446744073709551616s', /out of range/],
  [`${'9'.repeat(400)}s`, /out of range/],
  ['00', /not a duration/],
  ['10', /not a duration/],
  ['s', /not a duration/],
  ['1.5h', /unknown unit "\."/],
  ['1M', /unknown unit "M"/],
  ['1us', /unknown unit "us"/],
  ['1ns', /unknown unit "ns"/],
  ['1sec', /unknown unit "sec"/],
  ['1 m', /unknown unit " m"/],
  [' 1m', /not a duration/],
  ['1m ', /unknown unit "m "/],
  ['1m\n', /unknown unit/],
  ['-5s', /not a duration/],
  ['+5s', /not a duration/],
  ['1h30', /not a duration/],
  ['١s', /not a duration/],
];

describe('durations (Prometheus grammar)', () => {
  for (const [text, ms] of accepted) {
    it(`accepts ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.deepEqual(readDuration(text), { ms });
      assert.equal(parseDuration(text), ms);
    });
  }
  for (const [text, problem] of refused) {
    it(`refuses ${JSON.stringify(text.length > 40 ? `${text.slice(0, 20)}…` : text)}`, () => {
      const reading = readDuration(text);
      assert.equal(reading.ms, undefined);
      assert.match(reading.problem ?? '', problem);
      assert.equal(parseDuration(text), undefined);
    });
  }
});
