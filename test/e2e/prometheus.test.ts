// End to end with a real Prometheus (Debian's `prometheus` package): the
// exporter in demo mode (spikes on), scraped every 2 s, the shipped alert rules
// evaluated every 2 s with their for: durations shortened. Asserts through the
// Prometheus HTTP API: target up, families and labels in base units, a single
// user's bad network giving one warning per room and no page, every rule
// evaluating without error, and data behind every dashboard query. How fast the
// pages arrive at default settings: alert-latency.test.ts.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { eventually, instantQuery, startPrometheus, type RunningPrometheus } from './prometheus-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const files = join(root, 'helm/rtc-cdn-exporter/files');
const children: ChildProcess[] = [];
let dir = '';
let promURL = '';
let exporterOutput = () => '';
let prometheus: RunningPrometheus | undefined;

function start(cmd: string, args: string[], name: string): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  child.on('error', (err) => (out += `\n${name} failed to start: ${err.message}`));
  return { child, output: () => out };
}

const query = (expr: string) => instantQuery(promURL, expr);

/**
 * Every PromQL expression of the shipped dashboards, with Grafana's variables
 * filled in: panel targets, and the series selector of each variable's
 * `label_values(selector, label)` query.
 */
function dashboardQueries(): Array<{ dashboard: string; panel: string; expr: string }> {
  const out: Array<{ dashboard: string; panel: string; expr: string }> = [];
  const fill = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replace(/\$[a-z_]+/g, '.*');
  for (const file of readdirSync(join(files, 'dashboards'))) {
    const dash = JSON.parse(readFileSync(join(files, 'dashboards', file), 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
      templating?: { list: Array<{ name: string; type: string; query?: { query?: string } | string }> };
    };
    for (const p of dash.panels) for (const t of p.targets ?? []) out.push({ dashboard: file, panel: p.title, expr: fill(t.expr) });
    for (const v of dash.templating?.list ?? []) {
      const query = typeof v.query === 'string' ? v.query : v.query?.query;
      const selector = v.type === 'query' ? /^label_values\((.+),\s*\w+\)$/.exec(query ?? '')?.[1] : undefined;
      if (v.type === 'query') assert.ok(selector, `${file}: variable ${v.name} is not label_values(selector, label): ${query}`);
      if (selector) out.push({ dashboard: file, panel: `variable $${v.name}`, expr: fill(selector) });
    }
  }
  return out;
}

describe('end to end with a real Prometheus', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-prom-'));
    const exporter = start(process.execPath, ['dist/src/main.js', '--demo', '--web.listen-address=127.0.0.1:0'], 'exporter');
    exporterOutput = exporter.output;
    await eventually(30, 'the exporter to listen', async () => /"msg":"listening"/.test(exporter.output()));
    const port = /"address":"127\.0\.0\.1:(\d+)"/.exec(exporter.output())![1];

    // The shipped rules, with every for: shortened so that a 2-minute test can see alerts fire.
    const rules = readFileSync(join(files, 'alerts.yaml'), 'utf8').replace(/for: \S+ # for: /g, 'for: 10s # for: ');
    writeFileSync(join(dir, 'alerts.yaml'), rules);
    prometheus = await startPrometheus(
      dir,
      [
        'global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s}',
        'rule_files: [alerts.yaml]',
        'scrape_configs:',
        '  - job_name: rtc-cdn-exporter',
        `    static_configs: [{targets: ["127.0.0.1:${port}"]}]`,
        '',
      ].join('\n'),
    );
    promURL = prometheus.url;
  });

  after(async () => {
    // The exporter's complaints during the run, if any, for whoever reads the CI log.
    const complaints = exporterOutput()
      .split('\n')
      .filter((l) => /"level":"(warn|error)"/.test(l));
    if (complaints.length > 0) console.log(`exporter warnings and errors during the run:\n${complaints.slice(0, 20).join('\n')}`);
    await prometheus?.stop();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the exporter: the target is up', async () => {
    await eventually(60, 'the target to be up', async () => (await query('up{job="rtc-cdn-exporter"} == 1')).length === 1);
  });

  it('stores the expected families and labels, in base units', async () => {
    const families = [
      'huaweicloud_rtc_audio_jitter_seconds',
      'huaweicloud_rtc_video_packet_loss_ratio',
      'huaweicloud_rtc_video_bitrate_bytes_per_second',
      'huaweicloud_rtc_room_last_refresh_timestamp_seconds',
      'wangsu_live_stream_bandwidth_bytes_per_second',
      'wangsu_live_stream_traffic_bytes_total',
      'wangsu_live_stream_online_users',
      'rtc_cdn_exporter_up',
    ];
    await eventually(60, 'every family', async () => {
      for (const f of families) if ((await query(f)).length === 0) return false;
      return true;
    });
    const [jitter] = await query('huaweicloud_rtc_audio_jitter_seconds');
    assert.deepEqual(Object.keys(jitter!.metric).sort(), ['__name__', 'app_id', 'instance', 'job', 'peerid', 'room_id', 'uid']);
    assert.ok((await query('huaweicloud_rtc_audio_jitter_seconds > 2')).length === 0, 'jitter in ms, not seconds');
    assert.ok((await query('huaweicloud_rtc_audio_packet_loss_ratio > 1')).length === 0, 'loss in percent, not a ratio');
    assert.ok((await query('huaweicloud_rtc_video_bitrate_bytes_per_second > 6000')).length > 0, 'bitrate in kbit/s, not bytes/s');
    const [bw] = await query('wangsu_live_stream_bandwidth_bytes_per_second');
    assert.deepEqual(Object.keys(bw!.metric).sort(), ['__name__', 'domain', 'instance', 'job', 'stream']);
    assert.ok((await query('wangsu_live_stream_bandwidth_bytes_per_second > 10000')).length > 0, 'bandwidth in Mbit/s, not bytes/s');
    assert.deepEqual(
      (await query('rtc_cdn_exporter_up')).map((r) => r.value[1]),
      ['1', '1'],
    );
  });

  it("one user's bad network is one warning for the room, never a page", async () => {
    // The demo spikes one user (10000) in the first room of each app: a per-user problem.
    const seen = new Map<string, Record<string, string>>();
    await eventually(240, 'RtcUserCallQualityPoor to fire', async () => {
      for (const r of await query('ALERTS{alertstate="firing"}')) seen.set(`${r.metric.alertname}/${r.metric.room_id ?? ''}`, r.metric);
      return [...seen.values()].some((m) => m.alertname === 'RtcUserCallQualityPoor');
    });
    console.log(`alerts fired: ${[...seen.keys()].sort().join(', ')}`);
    const poor = [...seen.values()].filter((m) => m.alertname === 'RtcUserCallQualityPoor');
    assert.ok(
      poor.every((m) => m.severity === 'warning' && /-room0-/.test(m.room_id ?? '') && m.uid === undefined),
      `one warning per spiking room, no uid label: ${JSON.stringify(poor)}`,
    );
    const pages = [...seen.values()].filter((m) => m.severity === 'critical' && m.alertname!.startsWith('RtcRoom'));
    assert.deepEqual(pages, [], 'a single bad user paged');
  });

  it('evaluates every shipped rule on real data without errors', async () => {
    const res = await request(`${promURL}/api/v1/rules`);
    const body = (await res.body.json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
    const rules = body.data.groups.flatMap((g) => g.rules);
    assert.ok(rules.length >= 14, `${rules.length} rules loaded`);
    const broken = rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
    assert.deepEqual(broken, []);
  });

  it('has data behind every dashboard query', async () => {
    const queries = dashboardQueries();
    assert.ok(queries.length >= 30, `only ${queries.length} dashboard queries found`);
    const empty: string[] = [];
    for (const q of queries) if ((await query(q.expr)).length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
    assert.deepEqual(empty, [], `dashboard queries without data:\n${empty.join('\n')}`);
  });
});
