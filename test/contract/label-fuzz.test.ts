// Label integrity by construction: 10,000 hostile upstream ids (lone surrogates,
// separators, escapes, long, emoji, combining, RTL, empty, surrogate twins)
// through both sources' parsing, read back by promtool and by an independent
// parser. Fixed seed: a failure reproduces.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { hostileValues, parsePage, runLabelFuzz } from '../helpers/label-fuzz.js';

const VALUES = 10_000;

it('10,000 hostile ids: promtool accepts the page, every series is unique and every label round-trips well-formed', async () => {
  const values = hostileValues(VALUES, 20261123);
  assert.ok(values.some((v) => /\p{Surrogate}/u.test(v)) && values.includes('') && values.some((v) => v.includes('\u001f')));
  const r = await runLabelFuzz(values);

  const check = spawnSync('promtool', ['check', 'metrics'], { input: r.page, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(check.error, undefined, `promtool not runnable: ${check.error}`);
  const findings = `${check.stdout}${check.stderr}`.split('\n').filter(Boolean);
  assert.deepEqual(findings.slice(0, 5), [], 'promtool findings');
  assert.equal(check.status, 0);

  const unique = new Set(parsePage(r.page).map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`));
  assert.equal(unique.size, parsePage(r.page).length, 'a series appears twice on the page');

  const seen = new Set(r.seen);
  assert.equal(seen.size, r.seen.length);
  const missing = [...r.expected].filter((id) => !seen.has(id));
  const extra = r.seen.filter((id) => !r.expected.has(id));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} expected series missing`);
  assert.deepEqual(extra.slice(0, 5), [], `${extra.length} unexpected series`);
  assert.ok(r.seen.length > VALUES, `only ${r.seen.length} series`);
  assert.match(r.page, /^rtc_cdn_exporter_series_duplicate_total\{source="huawei_rtc"\} 0$/m);
  assert.match(r.page, /^rtc_cdn_exporter_up\{source="wangsu_cdn"\} 1$/m);
  assert.match(r.page, /^rtc_cdn_exporter_up\{source="huawei_rtc"\} 1$/m);
});
