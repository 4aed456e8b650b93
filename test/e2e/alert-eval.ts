// Evaluates the shipped alert rules over recorded scrapes with a real Prometheus:
// the scraped pages become a TSDB (`promtool tsdb create-blocks-from openmetrics`),
// Prometheus serves it, and each rule's expression is evaluated through the query
// API every 30 s (a rule group's default evaluation in kube-prometheus), applying
// `for:` exactly as the rule manager does: firing at the first evaluation at least
// `for` after the expression started returning the series.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parse } from 'yaml';
import { parseDuration } from '../../src/duration.js';
import { startPrometheus } from './prometheus-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const EVAL_MS = 30_000;

export interface Rule {
  alert: string;
  expr: string;
  for?: string;
}

/** The shipped rules, by alert name. */
export function shippedRule(name: string): Rule {
  const groups = (parse(readFileSync(join(root, 'helm/rtc-cdn-exporter/files/alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups;
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === name);
  assert.ok(rule, `no shipped alert ${name}`);
  return rule;
}

export const forMs = (rule: Rule) => (rule.for ? parseDuration(rule.for.split(' ')[0]!)! : 0);

/**
 * Scraped pages → OpenMetrics with timestamps. Gauges and counters; a counter
 * goes in as `unknown` under its full name (OpenMetrics would want the family
 * name without `_total`), which queries read the same.
 */
export function toOpenMetrics(scrapes: ReadonlyArray<{ at: number; text: string }>): string {
  const families = new Map<string, { type: string; series: Map<string, string[]> }>();
  const types = new Map<string, string>();
  for (const { at, text } of scrapes) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (gauge|counter)$/.exec(line);
      if (type) types.set(type[1]!, type[2] === 'gauge' ? 'gauge' : 'unknown');
      if (!line || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$/.exec(line)!;
      const type2 = types.get(m[1]!);
      if (!type2) continue;
      let family = families.get(m[1]!);
      if (!family) families.set(m[1]!, (family = { type: type2, series: new Map() }));
      const id = m[2] ?? '';
      let samples = family.series.get(id);
      if (!samples) family.series.set(id, (samples = []));
      samples.push(`${m[1]}${id} ${m[3]} ${at / 1000}`);
    }
  }
  const out: string[] = [];
  for (const [name, { type, series }] of families) {
    out.push(`# TYPE ${name} ${type}`);
    for (const samples of series.values()) out.push(...samples);
  }
  out.push('# EOF', '');
  return out.join('\n');
}

export interface AlertEvaluator {
  /** When the rule first fires between `fromMs` and `toMs` (for a series with the labels `only`, if given), and for which series. */
  firstFiring(rule: Rule, fromMs: number, toMs: number, only?: Record<string, string>): Promise<{ atMs: number; labels: Record<string, string> } | undefined>;
  stop(): Promise<void>;
}

/** Loads the scrapes into a TSDB and serves it with a real Prometheus. Scrapes must lie within the last days. */
export async function evaluatorOver(scrapes: ReadonlyArray<{ at: number; text: string }>): Promise<AlertEvaluator> {
  const dir = mkdtempSync(join(tmpdir(), 'alert-eval-'));
  try {
    writeFileSync(join(dir, 'scrapes.om'), toOpenMetrics(scrapes));
    const blocks = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'scrapes.om'), join(dir, 'data')], { encoding: 'utf8' });
    assert.equal(blocks.status, 0, `promtool tsdb create-blocks-from: ${blocks.error ?? ''}${blocks.stdout}${blocks.stderr}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const prometheus = await startPrometheus(dir, 'global: {evaluation_interval: 30s}\n', ['--storage.tsdb.retention.time=30d']);

  async function queryRange(expr: string, startMs: number, endMs: number) {
    const q = new URLSearchParams({ query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: `${EVAL_MS / 1000}s` });
    const res = await request(`${prometheus.url}/api/v1/query_range?${q}`);
    const body = (await res.body.json()) as {
      status: string;
      error?: string;
      data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
    };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  }

  return {
    async firstFiring(rule, fromMs, toMs, only = {}) {
      let first: { atMs: number; labels: Record<string, string> } | undefined;
      for (const s of await queryRange(rule.expr, fromMs, toMs)) {
        if (Object.entries(only).some(([k, v]) => s.metric[k] !== v)) continue;
        let activeAt: number | undefined;
        let last = -Infinity;
        for (const [ts] of s.values) {
          const t = Math.round(ts * 1000);
          if (activeAt === undefined || t - last > EVAL_MS) activeAt = t; // a gap resets the pending alert
          last = t;
          if (t - activeAt >= forMs(rule)) {
            if (!first || t < first.atMs) first = { atMs: t, labels: s.metric };
            break;
          }
        }
      }
      return first;
    },
    async stop() {
      await prometheus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
