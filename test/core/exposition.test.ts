import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, gunzipSync } from 'node:zlib';
import { CachedPage, escapeLabelValue, formatValue } from '../../src/exposition.js';
import { crc32Combine } from '../../src/gzip-member.js';
import { SourcePage } from '../../src/page.js';
import { LabelNames, renderSamples, SeriesWriter } from '../../src/series-writer.js';
import { GAUGE, sample } from '../helpers/fakes.js';

const COUNTER = { name: 'test_bytes_total', help: 'Bytes.\nSecond line with \\ backslash.', type: 'counter' } as const;

function pageOf(keys: Record<string, ReturnType<typeof renderSamples>>, maxSeries = 1_000_000) {
  const page = new SourcePage(maxSeries);
  for (const [key, r] of Object.entries(keys)) page.set(key, r);
  return page;
}
const textOf = (page: SourcePage) => new CachedPage(page.buildNow().blocks).text;

describe('exposition', () => {
  it('escapes quote, backslash and newline in label values and keeps unicode as is', () => {
    assert.equal(escapeLabelValue('a"b'), 'a\\"b');
    assert.equal(escapeLabelValue('a\\b'), 'a\\\\b');
    assert.equal(escapeLabelValue('a\nb'), 'a\\nb');
    assert.equal(escapeLabelValue('房间-1 🎥'), '房间-1 🎥');
    const { families } = renderSamples([sample({ room: 'x"y\\z\nw', user: '用户' }, 1)]);
    assert.equal(families[0]!.text, 'test_value{room="x\\"y\\\\z\\nw",user="用户"} 1\n');
    assert.equal(new LabelNames('room', 'user').render('x"y\\z\nw', '\ud800'), 'room="x\\"y\\\\z\\nw",user="\ufffd"');
  });

  it('spells NaN and infinities the way Prometheus parses them', () => {
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(0.25), '0.25');
    assert.equal(formatValue(1e21), '1e+21');
  });

  it('rejects invalid metric and label names instead of emitting a broken page', () => {
    assert.throws(() => renderSamples([sample({ 'bad-name': 'x' }, 1)]), /invalid label name/);
    assert.throws(() => new LabelNames('__reserved'), /invalid label name/);
    assert.throws(() => renderSamples([sample({}, 1, { name: '9bad', help: '', type: 'gauge' })]), /invalid metric name/);
  });

  it('keeps the first of two samples of one series and counts the other', () => {
    const out = new SeriesWriter();
    out.add(GAUGE, 'k="a"', 1);
    out.add(GAUGE, 'k="a"', 2);
    out.add(GAUGE, 'k="b"', 3);
    const r = out.done();
    assert.equal(r.families[0]!.text, 'test_value{k="a"} 1\ntest_value{k="b"} 3\n');
    assert.deepEqual([r.series, r.duplicates], [2, 1]);
  });

  it('writes HELP and TYPE once per family, with series of every key grouped under it', () => {
    const page = pageOf({
      b: renderSamples([sample({ k: 'b' }, 2), sample({ k: 'b' }, 5, COUNTER)]),
      a: renderSamples([sample({ k: 'a' }, 1), sample({ k: 'a' }, 4, COUNTER)]),
    });
    assert.equal(
      textOf(page),
      [
        '# HELP test_bytes_total Bytes.\\nSecond line with \\\\ backslash.',
        '# TYPE test_bytes_total counter',
        'test_bytes_total{k="a"} 4',
        'test_bytes_total{k="b"} 5',
        '# HELP test_value A test gauge.',
        '# TYPE test_value gauge',
        'test_value{k="a"} 1',
        'test_value{k="b"} 2',
        '',
      ].join('\n'),
    );
    assert.deepEqual([page.buildNow().series, page.buildNow().dropped], [4, 0]);
  });

  it('drops series over max_series and counts them, keeping the same ones each time', () => {
    const keys = Object.fromEntries(['c', 'a', 'b'].map((k) => [k, renderSamples([sample({ k, n: '1' }, 1), sample({ k, n: '2' }, 2)])]));
    const page = pageOf(keys, 3);
    const first = page.buildNow();
    const text = new CachedPage(first.blocks).text;
    assert.deepEqual([first.series, first.dropped], [3, 3]);
    assert.match(text, /k="a",n="1"/);
    assert.match(text, /k="a",n="2"/);
    assert.match(text, /k="b",n="1"/);
    assert.doesNotMatch(text, /k="b",n="2"|k="c"/);
    page.set('b', keys.b);
    assert.equal(textOf(page), text);
    // Room again: the cut key comes back whole.
    page.set('a', undefined);
    assert.match(textOf(page), /k="b",n="2"/);
  });

  it('rebuilds only the blocks of a changed key, and the page reads as if built anew', () => {
    // 400 keys of 40 series in 4 families: enough text for many buckets.
    const FAMILIES = ['a', 'b', 'c', 'd'].map((n) => ({ name: `test_${n}`, help: n, type: 'gauge' as const }));
    const render = (key: string, v: number) => {
      const out = new SeriesWriter();
      for (let i = 0; i < 40; i++) out.add(FAMILIES[i % 4]!, `key="${key}",i="${i}",pad="${'x'.repeat(60)}"`, v);
      return out.done();
    };
    const keys = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, render(`k${i}`, 1)]));
    const page = pageOf(keys);
    const before = page.buildNow().blocks;
    assert.ok(before.length > 40, `${before.length} blocks`);
    page.set('k7', render('k7', 2));
    const after = page.buildNow().blocks;
    const rebuilt = after.filter((b) => !before.includes(b));
    assert.equal(rebuilt.length, 4, 'one block per family of the key');
    const fresh = pageOf({ ...keys, k7: render('k7', 2) });
    assert.equal(new CachedPage(after).text, new CachedPage(fresh.buildNow().blocks).text);
  });

  it('gzips the blocks plus a per-scrape tail as one gzip member, and serves them unzipped too', async () => {
    const keys = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, renderSamples([sample({ k: `k${i}`, pad: 'y'.repeat(200) }, i)])]));
    const page = new CachedPage(pageOf(keys).buildNow().blocks);
    assert.ok(page.blocks.length > 2);
    for (const tail of ['self 1\n', 'self 2\n']) {
      const gz = Buffer.concat(page.gzipWith(tail));
      assert.equal(gunzipSync(gz).toString(), page.text + tail);
      // A single member: the trailer (CRC and size) sits at the very end and covers all bytes.
      assert.equal(gz.readUInt32LE(gz.length - 4), Buffer.byteLength(page.text + tail));
      assert.equal(Buffer.concat(page.rawWith(tail)).toString(), page.text + tail);
    }
    assert.equal(gunzipSync(Buffer.concat(new CachedPage().gzipWith('only\n'))).toString(), 'only\n');
  });

  it('combines CRC-32s as zlib computes them over the joined bytes', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 256;
    for (const [a, b] of [
      [0, 0],
      [0, 5],
      [7, 0],
      [1, 1],
      [100, 3000],
      [65_537, 12],
    ] as const) {
      const x = Buffer.from(Array.from({ length: a }, rand));
      const y = Buffer.from(Array.from({ length: b }, rand));
      assert.equal(crc32Combine(crc32(x), crc32(y), y.length), crc32(Buffer.concat([x, y])), `${a} + ${b}`);
    }
  });
});
