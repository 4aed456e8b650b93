import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMidFamilies, convert } from '../../../src/sources/huawei-rtc/families.js';
import { readQosPage } from '../../../src/sources/huawei-rtc/qos-page.js';
import { JsonReadError } from '../../../src/upstream/json-reader.js';

const FAMILIES = buildMidFamilies();
const API_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;

/** What the page must read as, computed the plain way: JSON.parse, then every point judged in turn. */
function expected(text: string) {
  const page = JSON.parse(text) as {
    data?: { uid: string | number; peerid: string | number; mid: string; data?: { time: string; value: number | null }[] | null }[];
  };
  const dropped = new Map<string, number>();
  const drop = (r: string) => dropped.set(r, (dropped.get(r) ?? 0) + 1);
  let usable = 0;
  const entries = (page.data ?? []).map((e) => {
    let best: { time: string; value: number } | undefined;
    if (!e.data) drop('no_points');
    for (const p of e.data ?? []) {
      if (p.value === null) continue;
      const known = FAMILIES.get(e.mid);
      if (!API_TIME.test(p.time)) drop('bad_time');
      else if (!Number.isFinite(p.value)) drop('not_finite');
      else if (known && (p.value < 0 || convert(p.value, known.factor) > known.max)) drop('out_of_range');
      else {
        usable++;
        if (!best || p.time > best.time) best = { time: p.time, value: p.value };
      }
    }
    return { uid: String(e.uid), peerid: String(e.peerid), mid: e.mid, time: best?.time, value: best?.value ?? 0 };
  });
  return { entries, dropped, usable };
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const TIMES = [
  '2026-11-22T12:00:00Z',
  '2026-11-22T12:00:10Z',
  '2026-11-22T11:59:50Z',
  '2026-11-22T12:01:00Z',
  '2026-13-01T00:00:00Z',
  '2026-11-22T12:00:00.000Z',
  'yesterday',
  '2026-11-22T24:00:00Z',
  '2026-11-22 12:00:00Z',
  '2026-11-31T23:59:59Z',
];
const VALUES = [
  '0',
  '-0',
  '12.3',
  '99.99',
  '100',
  '100.0000000000001',
  '-1',
  '1e2',
  '0.5e-1',
  '1234567890123456',
  '1e999',
  'null',
  '0.1',
  '3.14159265358979',
  '7.',
];

describe('qos/details page reader', () => {
  it('reads 2,000 random pages as JSON.parse plus a plain judgement of every point would, compact or spaced out', () => {
    const rand = rng(3);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    for (let n = 0; n < 2000; n++) {
      const entries = Array.from({ length: Math.floor(rand() * 5) }, () => {
        const points = Array.from({ length: Math.floor(rand() * 6) }, () => `{"time":"${pick(TIMES)}","value":${pick(VALUES).replace('7.', '7')}}`);
        const data = rand() < 0.1 ? 'null' : `[${points.join(',')}]`;
        const mid = pick(['aloss', 'ajitter', 'vbit', 'netscore']);
        const fields = [
          `"uid":${rand() < 0.5 ? '"u1"' : '10001'}`,
          `"peerid":"${pick(['0', 'p'])}"`,
          `"mid":"${mid}"`,
          `"data":${data}`,
          '"extra":{"time":"x","data":[1]}',
        ];
        // Key order varies: points before the mid are read once the mid is known.
        if (rand() < 0.3) fields.reverse();
        return `{${fields.join(',')}}`;
      });
      const compact = `{"room_id":"r","data":[${entries.join(',')}]}`;
      const want = expected(compact);
      // Spacing the compact layout (no string holds `,` or `":`) sends every point through the general reader.
      const spaced = compact.replaceAll(',', ' ,\n ').replaceAll('":', '" : ');
      for (const text of [compact, spaced]) {
        const got = readQosPage(Buffer.from(text), FAMILIES);
        assert.deepEqual({ entries: got.entries, dropped: got.dropped, usable: got.usable }, want, text);
      }
    }
  });

  it('refuses pages that are not the documented shape', () => {
    for (const bad of [
      '{"data":null}',
      '{"data":[{"peerid":"0","mid":"aloss","data":[]}]}',
      '{"data":[{"uid":"u","peerid":"0","mid":"aloss","data":[{"value":1}]}]}',
      '{"data":[{"uid":"u","peerid":"0","mid":"aloss","data":[{"time":"2026-11-22T12:00:00Z","value":"1"}]}]}',
      '{"data":[{"uid":"u","peerid":"0","mid":"aloss","data":[{"time":"2026-11-22T12:00:00Z","value":1}]}]',
      '{"data":[{"uid":"u","peerid":"0","mid":"aloss","data":[{"time":"2026-11-22T12:00:00Z","value":01}]}]}',
    ])
      assert.throws(() => readQosPage(Buffer.from(bad), FAMILIES), JsonReadError, bad);
    assert.deepEqual(readQosPage(Buffer.from('{"room_id":"r"}'), FAMILIES).entries, [], 'no data: an empty room');
  });
});
