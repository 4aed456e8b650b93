// npm run bench: 100,000 hostile upstream ids through both sources, the page
// read back by the independent parser and promtool. Counts and time only.
import { spawnSync } from 'node:child_process';
import { hostileValues, parsePage, runLabelFuzz } from '../test/helpers/label-fuzz.js';

const VALUES = 100_000;

async function main() {
  const values = hostileValues(VALUES, 20261123);
  let t = performance.now();
  const r = await runLabelFuzz(values);
  console.log(
    `label fuzz: ${r.values} hostile ids → ${r.seen.length} upstream series (${r.expected.size} expected), page ${(r.page.length / 1e6).toFixed(1)} MB in ${(performance.now() - t).toFixed(0)} ms`,
  );
  t = performance.now();
  const series = parsePage(r.page);
  const unique = new Set(series.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`)).size;
  console.log(`parsed back: ${series.length} series, ${series.length - unique} duplicates, in ${(performance.now() - t).toFixed(0)} ms`);
  const seen = new Set(r.seen);
  const missing = [...r.expected].filter((id) => !seen.has(id)).length;
  console.log(`round trip: ${missing} expected series missing, ${r.seen.filter((id) => !r.expected.has(id)).length} unexpected`);
  t = performance.now();
  const check = spawnSync('promtool', ['check', 'metrics'], { input: r.page, encoding: 'utf8', maxBuffer: 1 << 28 });
  const findings = `${check.stdout}${check.stderr}`.split('\n').filter(Boolean);
  console.log(
    `promtool check metrics: ${check.error ? `not runnable (${check.error.message})` : `${findings.length} findings besides pending renames`} in ${(performance.now() - t).toFixed(0)} ms`,
  );
}

void main();
