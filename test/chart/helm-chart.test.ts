// The Helm chart, rendered with each ci/*-values.yaml: what breaks silently when a
// template and the exporter drift apart (ports, probe paths, secrets, rules, shards).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import { parseListenAddress } from '../../src/listen-address.js';
import { parseFlags } from '../../src/flags.js';
import { FakeSource, fakeExporter } from '../helpers/fakes.js';
import { CHART, CI_FILES, KUBE_VERSION, RELEASE, container, flag, helm, one, render, renderFails, workload, type Obj } from './render.js';

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The values a ci file puts in secret.data. */
function secretValues(file: string): string[] {
  const values = parse(readFileSync(join(CHART, 'ci', file), 'utf8')) as Obj;
  return Object.values((values.secret?.data ?? {}) as Record<string, unknown>).map(String);
}

/** The Secret's keys and values as the pod sees them, or undefined for an existingSecret. */
function secretEnv(docs: Obj[]): Record<string, string> | undefined {
  const secret = docs.find((d) => d.kind === 'Secret');
  if (!secret) return undefined;
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

// The chart's substitution markers in files/alerts.yaml (the alertRules helper of _helpers.tpl).
const NUM = '[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?';
const DUR = '[0-9]+(?:ms|[smhdwy])(?:[0-9]+(?:ms|[smhdwy]))*';
/** A number at the end of an expression line: "0.1 # threshold: key". */
const lineNumber = (key = '[A-Za-z][A-Za-z0-9]*') => new RegExp(`(^|[^0-9A-Za-z_.])(${NUM})(\\s+#\\s*threshold:\\s*(${key})\\s*)$`, 'gm');
/** A number opening a template action in a description: "{{ 0.1 | humanizeDuration }}{{/* threshold: key *\/}}". */
const inlineNumber = (key = '[A-Za-z][A-Za-z0-9]*') =>
  new RegExp(`(\\{\\{\\s*)(${NUM})((?:\\s*\\|[^{}]*)?\\s*\\}\\}[^{}\\s]*\\{\\{/\\*\\s*threshold:\\s*(${key})\\s*\\*/\\}\\})`, 'g');
/** "for: 2m # for: key" on a rule. */
const lineFor = (key = '[A-Za-z][A-Za-z0-9]*') => new RegExp(`^(\\s*for:\\s*)(\\S+)(\\s+#\\s*for:\\s*(${key})\\s*)$`, 'gm');
/** "2m{{/* for: key *\/}}" in a description. */
const inlineFor = (key = '[A-Za-z][A-Za-z0-9]*') => new RegExp(`()(${DUR})(\\{\\{/\\*\\s*for:\\s*(${key})\\s*\\*/\\}\\})`, 'g');
const alertsText = () => readFileSync(join(CHART, 'files', 'alerts.yaml'), 'utf8');

/** Marked numbers and durations of files/alerts.yaml, in expressions and descriptions: key → texts as written. */
function markers(): { thresholds: Map<string, string[]>; durations: Map<string, string[]> } {
  const text = alertsText();
  const collect = (res: RegExp[]) => {
    const found = new Map<string, string[]>();
    for (const re of res) for (const m of text.matchAll(re)) found.set(m[4]!, [...(found.get(m[4]!) ?? []), m[2]!]);
    return found;
  };
  return { thresholds: collect([lineNumber(), inlineNumber()]), durations: collect([lineFor(), inlineFor()]) };
}

/** files/alerts.yaml with the given threshold and duration values substituted, as the chart should. */
function substituted(thresholds: Record<string, string>, durations: Record<string, string>): string {
  let text = alertsText();
  for (const [k, v] of Object.entries(thresholds)) text = text.replace(lineNumber(k), `$1${v}$3`).replace(inlineNumber(k), `$1${v}$3`);
  for (const [k, v] of Object.entries(durations)) text = text.replace(lineFor(k), `$1${v}$3`).replace(inlineFor(k), `$1${v}$3`);
  return text;
}

describe('helm chart', () => {
  it('has the ci values files of the realistic installs, and each passes helm lint --strict', () => {
    for (const f of ['defaults-values.yaml', 'demo-values.yaml', 'existingsecret-values.yaml', 'sharded-values.yaml', 'monitoring-values.yaml']) {
      assert.ok(CI_FILES.includes(f), `ci/${f} missing`);
    }
    for (const f of CI_FILES) {
      const r = helm(['lint', '--strict', CHART, '-f', join(CHART, 'ci', f), '--kube-version', KUBE_VERSION]);
      assert.equal(r.status, 0, `helm lint --strict -f ci/${f}:\n${r.stdout}${r.stderr}`);
    }
  });

  it('container port = --web.listen-address port = Service targetPort = ServiceMonitor port', () => {
    for (const f of CI_FILES) {
      const docs = render([f], ['serviceMonitor.enabled=true']);
      const c = container(workload(docs));
      const listen = flag(c.args, 'web.listen-address');
      assert.ok(listen, `${f}: --web.listen-address is passed`);
      const { port } = parseListenAddress(listen);
      const http = (c.ports as Obj[]).find((p) => p.name === 'http');
      assert.equal(http?.containerPort, port, `${f}: containerPort ${http?.containerPort} vs listen port ${port}`);
      const svc = one(docs, 'Service', `${RELEASE}-rtc-cdn-exporter`);
      for (const sp of svc.spec.ports as Obj[]) {
        const target = typeof sp.targetPort === 'string' ? (c.ports as Obj[]).find((p) => p.name === sp.targetPort)?.containerPort : sp.targetPort;
        assert.equal(target, port, `${f}: Service port ${sp.name} reaches ${target}, the exporter listens on ${port}`);
      }
      const sm = one(docs, 'ServiceMonitor');
      for (const ep of sm.spec.endpoints as Obj[])
        assert.ok(
          (svc.spec.ports as Obj[]).some((p) => p.name === ep.port),
          `${f}: ServiceMonitor port ${ep.port} not on the Service`,
        );
      // The ServiceMonitor must select exactly one Service, or every pod is scraped twice.
      const selected = docs.filter((d) => d.kind === 'Service' && matches(sm.spec.selector.matchLabels, d.metadata.labels));
      assert.deepEqual(
        selected.map((s) => s.metadata.name),
        [svc.metadata.name],
        `${f}: ServiceMonitor selects ${selected.length} Services`,
      );
      // Every Service, the PDB and the NetworkPolicy select the pods.
      const podLabels = workload(docs).spec.template.metadata.labels as Record<string, string>;
      for (const d of docs.filter((x) => x.kind === 'Service'))
        assert.ok(matches(d.spec.selector, podLabels), `${f}: Service ${d.metadata.name} selects no pod`);
      for (const d of docs.filter((x) => x.kind === 'PodDisruptionBudget' || x.kind === 'NetworkPolicy')) {
        const sel = d.kind === 'NetworkPolicy' ? d.spec.podSelector.matchLabels : d.spec.selector.matchLabels;
        assert.ok(matches(sel, podLabels), `${f}: ${d.kind} selects no pod`);
      }
    }
  });

  it('probe paths are served by the exporter: liveness 200, readiness 503 then 200', async () => {
    const docs = render(['defaults-values.yaml']);
    const c = container(workload(docs));
    const paths = { liveness: c.livenessProbe.httpGet.path, readiness: c.readinessProbe.httpGet.path, startup: c.startupProbe.httpGet.path };
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe])
      assert.ok(probe.httpGet.port === 'http' || probe.httpGet.port === (c.ports as Obj[])[0]!.containerPort);
    const source = new FakeSource();
    let releaseListing!: () => void;
    const listed = new Promise<void>((r) => (releaseListing = r));
    const listKeys = source.listKeys.bind(source);
    source.listKeys = async () => {
      await listed;
      return listKeys();
    };
    const { exporter } = fakeExporter([source]);
    try {
      const collecting = exporter.scheduler.collect(5_000);
      await request(exporter.app).get(paths.liveness).expect(200);
      await request(exporter.app).get(paths.startup).expect(200);
      await request(exporter.app).get(paths.readiness).expect(503);
      releaseListing();
      await collecting;
      await request(exporter.app).get(paths.readiness).expect(200);
    } finally {
      await exporter.shutdown();
    }
  });

  // That each ci file's config passes --config.check as its pod sees it, from the objects a real
  // API server stored: test/chart/kube-apiserver.test.ts.
  it('no secret value appears outside the Secret, and the Secret holds exactly secret.data', () => {
    for (const f of CI_FILES) {
      const docs = render([f]);
      const secrets = secretValues(f);
      const env = secretEnv(docs);
      if (env) assert.deepEqual(Object.values(env).sort(), [...secrets].sort(), `${f}: the Secret holds secret.data`);
      for (const d of docs.filter((x) => x.kind !== 'Secret')) {
        const text = JSON.stringify(d);
        for (const s of secrets) assert.ok(!text.includes(s), `${f}: ${d.kind} ${d.metadata.name} contains a secret value`);
      }
    }
  });

  it('takes config whole: a user config replaces the default, so no default credential key is merged into it', () => {
    const configOf = (docs: Obj[]) => parse(one(docs, 'ConfigMap', `${RELEASE}-rtc-cdn-exporter`).data['config.yaml'] as string) as Obj;
    const defaults = configOf(render(['defaults-values.yaml']));
    assert.deepEqual(defaults, parse(readFileSync(join(CHART, 'files', 'default-config.yaml'), 'utf8')), 'empty config: files/default-config.yaml');
    const aksk = configOf(render(['existingsecret-values.yaml']));
    assert.deepEqual(aksk, (parse(readFileSync(join(CHART, 'ci', 'existingsecret-values.yaml'), 'utf8')) as Obj).config, 'a set config: exactly itself');
    assert.deepEqual(Object.keys(aksk.wangsu_cdn.auth as Obj).sort(), ['access_key', 'mode', 'secret_key_file']);
    assert.deepEqual(Object.keys(aksk.huawei_rtc.auth.aksk as Obj).sort(), ['access_key', 'secret_key_file']);
  });

  it('refuses at render time the credential mixes the exporter would refuse in a crash-looping pod, naming the key', () => {
    const cases: Array<[string, RegExp]> = [
      ['config.wangsu_cdn.auth.username=u', /config\.wangsu_cdn\.auth: mode aksk takes access_key and secret_key .*; remove username/],
      ['config.wangsu_cdn.auth.secret_key=k', /config\.wangsu_cdn\.auth: set secret_key or secret_key_file, not both/],
      ['config.wangsu_cdn.auth.mode=basic', /config\.wangsu_cdn\.auth\.mode: "basic" is not a mode; set api_key .* or aksk/],
      ['config.huawei_rtc.auth.token=t', /config\.huawei_rtc\.auth: set exactly one of aksk, token \(or token_file\), iam; found aksk, token/],
      ['config.huawei_rtc.auth=null', /config\.huawei_rtc\.auth: missing/],
      ['config.huawei_rtc.apps[0].app_id_file=/x', /config\.huawei_rtc\.apps\[0\]: set app_id or app_id_file, not both/],
    ];
    for (const [set, message] of cases) assert.match(renderFails(['existingsecret-values.yaml'], [set]), message, set);
  });

  it('refuses to render a config whose ${VAR}s nothing provides, naming them', () => {
    const err = renderFails([], ['secret.data.HUAWEI_RTC_PROJECT_ID=p']);
    assert.match(err, /config references .*HUAWEI_RTC_ACCESS_KEY/);
    assert.doesNotMatch(err, /HUAWEI_RTC_PROJECT_ID,/);
    assert.match(renderFails(['existingsecret-values.yaml'], ['secret.data.X=1']), /either existingSecret or secret\.data/);
  });

  it('the PrometheusRule carries exactly files/alerts.yaml with default values', () => {
    const file = parse(readFileSync(join(CHART, 'files', 'alerts.yaml'), 'utf8')) as Obj;
    const rule = one(render(['monitoring-values.yaml']), 'PrometheusRule');
    assert.deepEqual(rule.spec.groups, file.groups);
  });

  it("values.yaml and values.schema.json list exactly the alert file's markers, with its defaults", () => {
    const { thresholds, durations } = markers();
    assert.ok(thresholds.size > 0 && durations.size > 0);
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Obj;
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Obj;
    const pr = schema.properties.prometheusRule.properties;
    assert.deepEqual(Object.keys(values.prometheusRule.thresholds).sort(), [...thresholds.keys()].sort());
    assert.deepEqual(Object.keys(values.prometheusRule.for).sort(), [...durations.keys()].sort());
    assert.deepEqual(Object.keys(pr.thresholds.properties).sort(), [...thresholds.keys()].sort());
    assert.deepEqual(Object.keys(pr.for.properties).sort(), [...durations.keys()].sort());
    for (const [k, texts] of thresholds) for (const t of texts) assert.equal(values.prometheusRule.thresholds[k], Number(t), `threshold ${k}`);
    for (const [k, texts] of durations) for (const t of texts) assert.equal(values.prometheusRule.for[k], t, `for ${k}`);
  });

  it('an overridden threshold or duration changes exactly that number, in expressions and descriptions, and the result is valid for promtool', () => {
    const file = parse(alertsText()) as Obj;
    const { thresholds, durations } = markers();
    const [key, [old]] = [...thresholds.entries()].find(([, t]) => Number(t[0]) !== 0.25) as [string, string[]];
    const [bigKey] = [...thresholds.keys()].filter((k) => k !== key);
    const [forKey] = [...durations.keys()];
    const rule = one(
      render(
        ['monitoring-values.yaml'],
        [`prometheusRule.thresholds.${key}=0.25`, `prometheusRule.thresholds.${bigKey}=20000000000`, `prometheusRule.for.${forKey}=7m`],
      ),
      'PrometheusRule',
    );
    const expected = (parse(substituted({ [key]: '0.25', [bigKey!]: '20000000000' }, { [forKey!]: '7m' })) as Obj).groups as Obj[];
    const changed = (field: (r: Obj) => unknown) =>
      expected.flatMap((g, i) => (g.rules as Obj[]).filter((r, j) => JSON.stringify(field(r)) !== JSON.stringify(field(file.groups[i].rules[j])))).length;
    assert.ok(old !== undefined && changed((r) => r.expr) >= 2, 'the overrides change expressions');
    assert.ok(changed((r) => r.annotations.description) >= 2, 'the overrides change descriptions');
    assert.deepEqual(rule.spec.groups, expected);
    assert.notDeepEqual(rule.spec.groups, file.groups);

    // promtool (needed by npm test anyway) accepts the substituted rules.
    const dir = mkdtempSync(join(tmpdir(), 'chart-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), JSON.stringify({ groups: rule.spec.groups }));
    const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check rules: ${check.error?.message ?? ''}${check.stdout}${check.stderr}`);
  });

  it('every number and duration a description states is a marked one, so a tuned chart cannot contradict it', () => {
    for (const g of (parse(alertsText()) as Obj).groups as Obj[]) {
      for (const r of g.rules as Obj[]) {
        // Drop the marked values and $value / $labels; what remains must hold no digits but names.
        const rest = (r.annotations.description as string)
          .replace(inlineNumber(), '')
          .replace(inlineFor(), '')
          .replace(/\{\{[^{}]*\}\}/g, '')
          // Fixed windows of the expression ("30-minute average" for [30m]) are not tunable.
          .replace(/\b(\d+)[- ]minutes?\b/g, (m: string, n: string) => ((r.expr as string).includes(`[${n}m`) ? '' : m))
          .replace(/\b[A-Za-z_]+[0-9]+[A-Za-z0-9_]*\b/g, '');
        assert.doesNotMatch(rest, /[0-9]/, `${r.alert}: an unmarked number in its description: ${rest}`);
      }
    }
  });

  it('a tuned threshold and duration appear in the expression and in the description promtool renders', () => {
    const rule = one(
      render(['monitoring-values.yaml'], ['prometheusRule.thresholds.rtcAudioJitterSeconds=0.08', 'prometheusRule.for.rtcRoomJitterSpike=3m']),
      'PrometheusRule',
    );
    const jitter = (rule.spec.groups as Obj[]).flatMap((g) => g.rules as Obj[]).find((r) => r.alert === 'RtcRoomJitterSpike')!;
    assert.match(jitter.expr, /> 0\.08 # threshold: rtcAudioJitterSeconds$/m);
    assert.doesNotMatch(jitter.expr, /> 0\.1 # threshold: rtcAudioJitterSeconds/);
    assert.equal(jitter.for, '3m');
    assert.match(jitter.annotations.description, /\{\{ 0\.08 \| humanizeDuration \}\}/);
    assert.match(jitter.annotations.description, /for 3m\{\{/);

    // Jitter of 90 ms: above the tuned 80 ms, below the default 100 ms. The alert fires after the
    // tuned 3 minutes and its description says 80ms and 3m.
    const dir = mkdtempSync(join(tmpdir(), 'chart-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), JSON.stringify({ groups: rule.spec.groups }));
    const series = [1, 2, 3].map((u) => ({
      series: `huaweicloud_rtc_audio_jitter_seconds{app_id="a1",room_id="r1",uid="u${u}",peerid="0"}`,
      values: '0.02x30 0.09x10',
    }));
    const description =
      "3 users of room r1 (app a1) have audio jitter on their own link above the absolute threshold (audio 80ms, video 150ms) and above 2 times the room's 30-minute average, for 3m; that is at least 3 users and 30% of the room. Several users at once point to a shared cause (region, ISP, Huawei edge node), not to one home network.";
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series,
          alert_rule_test: [
            { eval_time: '33m', alertname: 'RtcRoomJitterSpike', exp_alerts: [] },
            {
              eval_time: '35m',
              alertname: 'RtcRoomJitterSpike',
              exp_alerts: [
                {
                  exp_labels: { severity: 'critical', app_id: 'a1', room_id: 'r1', media: 'audio' },
                  exp_annotations: {
                    summary: '3 users in room r1 have a audio jitter spike',
                    description,
                    runbook_url: 'https://github.com/rtc-cdn-exporter/rtc-cdn-exporter/blob/main/docs/runbooks.md#rtcroomjitterspike',
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yaml'), JSON.stringify(tests));
    const r = spawnSync('promtool', ['test', 'rules', join(dir, 'tests.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool test rules: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  });

  it('runbookBaseUrl and the exporter job regex reach every runbook_url and every selector of the exporter alerts', () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Obj;
    const base = values.prometheusRule.runbookBaseUrl as string;
    const file = parse(alertsText()) as Obj;
    for (const g of file.groups as Obj[])
      for (const r of g.rules as Obj[])
        assert.ok(r.annotations.runbook_url.startsWith(`${base}#`), `${r.alert}: runbook_url is not under values' runbookBaseUrl`);

    const dir = mkdtempSync(join(tmpdir(), 'chart-values-'));
    writeFileSync(
      join(dir, 'v.yaml'),
      'prometheusRule:\n  runbookBaseUrl: https://wiki.example.com/sre/rtc-runbooks\n  regexes:\n    exporterJob: prod-rtc\\.exporter|"quoted"\n',
    );
    const r = helm(['template', RELEASE, CHART, '--kube-version', KUBE_VERSION, '-f', join(CHART, 'ci', 'monitoring-values.yaml'), '-f', join(dir, 'v.yaml')]);
    assert.equal(r.status, 0, r.stderr);
    const rule = one(
      parseAllDocuments(r.stdout)
        .map((d) => d.toJS() as Obj | null)
        .filter((d): d is Obj => d !== null),
      'PrometheusRule',
    );
    const rules = (rule.spec.groups as Obj[]).flatMap((g) => g.rules as Obj[]);
    for (const x of rules) assert.match(x.annotations.runbook_url, new RegExp(`^https://wiki\\.example\\.com/sre/rtc-runbooks#${x.alert.toLowerCase()}$`));
    const jobRules = rules.filter((x) => /# regex: exporterJob/.test(x.expr));
    assert.deepEqual(jobRules.map((x) => x.alert).sort(), ['RtcCdnExporterAbsent', 'RtcCdnExporterShardMissing', 'RtcCdnExporterTargetDown']);
    for (const x of jobRules) {
      const selectors = (x.expr as string).match(/job=~/g)!.length;
      assert.equal(x.expr.split('job=~"prod-rtc\\\\.exporter|\\"quoted\\""').length - 1, selectors, x.expr);
    }
    writeFileSync(join(dir, 'rules.yaml'), JSON.stringify({ groups: rule.spec.groups }));
    const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check rules: ${check.stdout}${check.stderr}`);
  });

  it('rejects an unknown threshold key, a non-number threshold and a bad duration', () => {
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.thresholds.rtcRttSecond=1']), /rtcRttSecond/);
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.thresholds.rtcRttSeconds=high']), /rtcRttSeconds/);
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.for.rtcUserQuality=5 minutes']), /rtcUserQuality/);
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.regexes.exporterJobs=x']), /exporterJobs/);
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.runbookBaseUrl=wiki/runbooks']), /runbookBaseUrl/);
    assert.match(renderFails(['defaults-values.yaml'], ['image.tagg=1']), /tagg/);
  });

  it('the StatefulSet gives each pod a distinct shard: --shard.count = replicas, --shard.index from the pod name', () => {
    const docs = render(['sharded-values.yaml']);
    const sts = one(docs, 'StatefulSet');
    const replicas = sts.spec.replicas as number;
    assert.equal(replicas, 3);
    const c = container(sts);
    const podName = (c.env as Obj[]).find((e) => e.name === 'POD_NAME');
    assert.equal(podName?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    assert.equal(flag(c.args, 'shard.index'), '$(POD_NAME)');
    const shards = new Set<number>();
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      // What the kubelet passes: $(POD_NAME) expanded to the StatefulSet pod's name.
      const args = (c.args as string[]).map((a) => a.replaceAll('$(POD_NAME)', `${sts.metadata.name}-${ordinal}`));
      const flags = parseFlags(args);
      assert.equal(flags.shardCount, replicas);
      assert.equal(flags.shardIndex, ordinal);
      shards.add(flags.shardIndex);
    }
    assert.equal(shards.size, replicas);
    const headless = one(docs, 'Service', sts.spec.serviceName);
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(docs.filter((d) => d.kind === 'Deployment').length, 0);

    // Unsharded: one Deployment replica, no shard flags.
    const dep = one(render(['defaults-values.yaml']), 'Deployment');
    assert.equal(dep.spec.replicas, 1);
    assert.equal(flag(container(dep).args, 'shard.count'), undefined);
  });

  it('every pod runs hardened: non-root numeric UID of the image, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, no API token', () => {
    const imageUser = /^USER\s+(\d+)/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    for (const f of CI_FILES) {
      const pod = workload(render([f])).spec.template.spec;
      const sc = container({ spec: { template: { spec: pod } } }).securityContext;
      assert.equal(pod.securityContext.runAsNonRoot, true, f);
      assert.equal(pod.securityContext.runAsUser, Number(imageUser), `${f}: runAsUser matches the Dockerfile's USER`);
      assert.ok(Number.isInteger(pod.securityContext.runAsGroup) && pod.securityContext.runAsGroup > 0, f);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', f);
      assert.equal(sc.runAsNonRoot, true, f);
      assert.equal(sc.readOnlyRootFilesystem, true, f);
      assert.equal(sc.allowPrivilegeEscalation, false, f);
      assert.equal(sc.privileged, false, f);
      assert.deepEqual(sc.capabilities.drop, ['ALL'], f);
      assert.equal(sc.capabilities.add, undefined, f);
      assert.equal(sc.seccompProfile.type, 'RuntimeDefault', f);
      assert.equal(pod.automountServiceAccountToken, false, f);
      assert.equal(pod.hostNetwork, undefined, f);
    }
  });

  it('checksum annotations change with the config and the secret, and only then', () => {
    const annotations = (sets: string[]) => workload(render(['defaults-values.yaml'], sets)).spec.template.metadata.annotations as Record<string, string>;
    const base = annotations([]);
    assert.match(base['checksum/config'] ?? '', /^[0-9a-f]{64}$/);
    assert.match(base['checksum/secret'] ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(annotations([]), base, 'deterministic');
    const config = annotations(['config.refresh.interval=30s']);
    assert.notEqual(config['checksum/config'], base['checksum/config']);
    assert.equal(config['checksum/secret'], base['checksum/secret']);
    const secret = annotations(['secret.data.WANGSU_API_KEY=rotated']);
    assert.equal(secret['checksum/config'], base['checksum/config']);
    assert.notEqual(secret['checksum/secret'], base['checksum/secret']);
    assert.deepEqual(annotations(['logLevel=debug']), base);
  });

  it('one dashboard ConfigMap per files/dashboards/*.json, labelled for the Grafana sidecar, byte for byte', () => {
    const files = readdirSync(join(CHART, 'files', 'dashboards')).filter((f) => f.endsWith('.json'));
    const docs = render(['monitoring-values.yaml'], ['dashboards.label=my_dashboards', 'dashboards.labelValue=yes']);
    const cms = docs.filter((d) => d.kind === 'ConfigMap' && d.metadata.labels.my_dashboards === 'yes');
    assert.equal(cms.length, files.length);
    for (const f of files) {
      const cm = cms.find((c) => c.data[f] !== undefined);
      assert.ok(cm, `no ConfigMap for ${f}`);
      assert.equal(cm.data[f], readFileSync(join(CHART, 'files', 'dashboards', f), 'utf8'));
      assert.match(cm.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      JSON.parse(cm.data[f] as string);
    }
    const defaults = render(['monitoring-values.yaml']).filter((d) => d.kind === 'ConfigMap' && d.metadata.labels.grafana_dashboard === '1');
    assert.equal(defaults.length, files.length);
    assert.equal(render(['defaults-values.yaml']).filter((d) => d.kind === 'ConfigMap').length, 1, 'dashboards are off by default');
  });

  it('the NetworkPolicy admits the metrics port and lets out only DNS and HTTPS', () => {
    const np = one(render(['existingsecret-values.yaml']), 'NetworkPolicy');
    assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(np.spec.ingress[0].ports, [{ port: 'http', protocol: 'TCP' }]);
    assert.ok(np.spec.ingress[0].from.length > 0);
    const ports = (np.spec.egress as Obj[]).flatMap((e) => (e.ports as Obj[]).map((p) => `${p.protocol}/${p.port}`)).sort();
    assert.deepEqual(ports, ['TCP/443', 'TCP/53', 'UDP/53']);
  });
});
