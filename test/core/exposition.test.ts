import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { assembleSource, CachedPage, escapeLabelValue, formatValue, renderKey, type RenderedKey } from '../../src/exposition.js';
import { GAUGE, sample } from '../helpers/fakes.js';

const COUNTER = { name: 'test_bytes_total', help: 'Bytes.\nSecond line with \\ backslash.', type: 'counter' } as const;

describe('exposition', () => {
  it('escapes quote, backslash and newline in label values and keeps unicode as is', () => {
    assert.equal(escapeLabelValue('a"b'), 'a\\"b');
    assert.equal(escapeLabelValue('a\\b'), 'a\\\\b');
    assert.equal(escapeLabelValue('a\nb'), 'a\\nb');
    assert.equal(escapeLabelValue('房间-1 🎥'), '房间-1 🎥');
    const { families } = renderKey([sample({ room: 'x"y\\z\nw', user: '用户' }, 1)]);
    assert.deepEqual(families.get('test_value')!.lines, ['test_value{room="x\\"y\\\\z\\nw",user="用户"} 1']);
  });

  it('spells NaN and infinities the way Prometheus parses them', () => {
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(0.25), '0.25');
    assert.equal(formatValue(1e21), '1e+21');
  });

  it('rejects invalid metric and label names instead of emitting a broken page', () => {
    assert.throws(() => renderKey([sample({ 'bad-name': 'x' }, 1)]), /invalid label name/);
    assert.throws(() => renderKey([sample({}, 1, { name: '9bad', help: '', type: 'gauge' })]), /invalid metric name/);
  });

  it('writes HELP and TYPE once per family, with series of every key grouped under it', () => {
    const keys = new Map<string, RenderedKey>([
      ['b', renderKey([sample({ k: 'b' }, 2), sample({ k: 'b' }, 5, COUNTER)])],
      ['a', renderKey([sample({ k: 'a' }, 1), sample({ k: 'a' }, 4, COUNTER)])],
    ]);
    const { text, series, dropped } = assembleSource(keys, 100);
    assert.equal(
      text,
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
    assert.equal(series, 4);
    assert.equal(dropped, 0);
  });

  it('drops series over max_series and counts them, keeping the same ones each time', () => {
    const keys = new Map<string, RenderedKey>();
    for (const k of ['c', 'a', 'b']) keys.set(k, renderKey([sample({ k, n: '1' }, 1), sample({ k, n: '2' }, 2)]));
    const first = assembleSource(keys, 3);
    assert.equal(first.series, 3);
    assert.equal(first.dropped, 3);
    assert.match(first.text, /k="a",n="1"/);
    assert.match(first.text, /k="a",n="2"/);
    assert.match(first.text, /k="b",n="1"/);
    assert.doesNotMatch(first.text, /k="c"/);
    assert.equal(assembleSource(keys, 3).text, first.text);
    assert.equal(GAUGE.type, 'gauge');
  });

  it('gzips the cached page plus a per-scrape tail as one gzip member', async () => {
    const page = new CachedPage('upstream 1\n'.repeat(10_000));
    for (const tail of ['self 1\n', 'self 2\n']) {
      const gz = await page.gzipWith(tail);
      assert.equal(gunzipSync(gz).toString(), page.text + tail);
      // A single member: the trailer (CRC and size) sits at the very end and covers all bytes.
      assert.equal(gz.readUInt32LE(gz.length - 4), Buffer.byteLength(page.text + tail));
    }
    assert.equal(gunzipSync(await new CachedPage('').gzipWith('only\n')).toString(), 'only\n');
  });
});
