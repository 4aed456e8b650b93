// The shipped alert rules: valid for Prometheus, and each alert proven by
// promtool both to fire on the series it is for and to stay quiet on others.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = `${root}helm/rtc-cdn-exporter/files/alerts.yaml`;
const TESTS = `${root}test/rules/alerts.test.yaml`;
const RUNBOOKS = `${root}docs/runbooks.md`;
const RUNBOOK_BASE = 'https://github.com/rtc-cdn-exporter/rtc-cdn-exporter/blob/main/docs/runbooks.md';

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  input_series: unknown[];
  alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }>;
}

function promtool(...args: string[]) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: root });
  assert.equal(r.error, undefined, `promtool not runnable (install Debian's prometheus package): ${r.error}`);
  return r;
}

const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

describe('alert rules', () => {
  it('pass promtool check rules', () => {
    const r = promtool('check', 'rules', RULES);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('pass their promtool unit tests', () => {
    const r = promtool('test', 'rules', TESTS);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('give every alert a severity, a summary, a description, a runbook_url and a for: duration', () => {
    assert.ok(rules.length >= 13);
    for (const r of rules) {
      assert.match(r.labels?.severity ?? '', /^(critical|warning)$/, r.alert);
      assert.match(r.annotations?.runbook_url ?? '', /^https:\/\/\S+#[a-z0-9_-]+$/, `${r.alert} has no runbook_url with an anchor`);
      assert.ok(r.annotations?.summary, `${r.alert} has no summary`);
      assert.ok((r.annotations?.description ?? '').length > 80, `${r.alert} has no useful description`);
      assert.match(r.for ?? '', /^\d+m$/, `${r.alert} fires on a single evaluation`);
    }
  });

  it('test every alert with a case that fires and a case that must not', () => {
    const cases = (parse(readFileSync(TESTS, 'utf8')) as { tests: RuleTest[] }).tests;
    for (const { alert } of rules) {
      const mine = cases.flatMap((c) => c.alert_rule_test.filter((t) => t.alertname === alert).map((t) => ({ t, c })));
      assert.ok(
        mine.some(({ t }) => t.exp_alerts.length > 0),
        `${alert}: no firing case`,
      );
      const quiet = mine.some(({ t, c }) => t.exp_alerts.length === 0 || c.input_series.length > t.exp_alerts.length);
      assert.ok(quiet, `${alert}: no case where it must stay quiet`);
    }
  });

  it('link every alert to its own section of docs/runbooks.md, and every section to an alert', () => {
    const headings = [...readFileSync(RUNBOOKS, 'utf8').matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim());
    const anchors = new Set(headings.map(anchor));
    for (const r of rules) {
      const url = r.annotations?.runbook_url ?? '';
      assert.ok(url.startsWith(`${RUNBOOK_BASE}#`), `${r.alert}: runbook_url ${url} is not under ${RUNBOOK_BASE}`);
      const a = url.slice(url.indexOf('#') + 1);
      assert.ok(anchors.has(a), `${r.alert}: docs/runbooks.md has no heading with anchor #${a}`);
      assert.equal(a, anchor(r.alert), `${r.alert}: its runbook section is named after another alert`);
    }
    const alerts = new Set(rules.map((r) => r.alert));
    for (const h of headings) assert.ok(alerts.has(h), `docs/runbooks.md: section "${h}" has no alert`);
    assert.equal(alerts.size, rules.length, 'alert names are unique');
  });

  it('page (critical) per room, stream, domain or target: no paging case in the promtool tests names a user', () => {
    const severity = new Map(rules.map((r) => [r.alert, r.labels?.severity]));
    const cases = (parse(readFileSync(TESTS, 'utf8')) as { tests: RuleTest[] }).tests;
    for (const t of cases.flatMap((c) => c.alert_rule_test))
      for (const a of t.exp_alerts as Array<{ exp_labels?: Record<string, string> }>)
        if (severity.get(t.alertname) === 'critical') assert.ok(!('uid' in (a.exp_labels ?? {})), `${t.alertname} pages per user`);
  });
});
