// The Helm chart, rendered with each ci/*-values.yaml: what breaks silently when a
// template and the exporter drift apart (ports, probe paths, secrets, rules, shards).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config.js';
import { parseListenAddress } from '../../src/listen-address.js';
import { parseFlags } from '../../src/flags.js';
import { sources } from '../../src/sources/index.js';
import { EXAMPLE_ENV } from '../helpers/example-env.js';
import { FakeSource, fakeExporter } from '../helpers/fakes.js';

const CHART = 'helm/rtc-cdn-exporter';
const RELEASE = 'rel';
const KUBE_VERSION = '1.31.0';
const CI_FILES = readdirSync(join(CHART, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function helm(args: string[]) {
  const r = spawnSync('helm', args, { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'helm is not on PATH. Install it as .ci/run does: GOBIN=/tmp/gobin go install helm.sh/helm/v3/cmd/helm@v3.22.0 && export PATH=/tmp/gobin:$PATH',
    );
  }
  return r;
}

/** `helm template` → the parsed manifests. */
function render(valueFiles: string[], sets: string[] = []): Obj[] {
  const args = ['template', RELEASE, CHART, '--namespace', 'monitoring', '--kube-version', KUBE_VERSION];
  for (const f of valueFiles) args.push('-f', join(CHART, 'ci', f));
  for (const s of sets) args.push('--set', s);
  const r = helm(args);
  assert.equal(r.status, 0, `helm ${args.join(' ')} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
}

function renderFails(valueFiles: string[], sets: string[]): string {
  const args = ['template', RELEASE, CHART, '--kube-version', KUBE_VERSION];
  for (const f of valueFiles) args.push('-f', join(CHART, 'ci', f));
  for (const s of sets) args.push('--set', s);
  const r = helm(args);
  assert.notEqual(r.status, 0, `helm ${args.join(' ')} should fail`);
  return r.stderr;
}

const one = (docs: Obj[], kind: string, name?: string): Obj => {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  assert.equal(found.length, 1, `exactly one ${kind}${name ? ` ${name}` : ''}, got ${found.length}`);
  return found[0]!;
};
const workload = (docs: Obj[]): Obj => {
  const w = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
  assert.equal(w.length, 1, 'one Deployment or StatefulSet');
  return w[0]!;
};
const container = (w: Obj): Obj => {
  const cs = w.spec.template.spec.containers as Obj[];
  assert.equal(cs.length, 1);
  return cs[0]!;
};
const flag = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
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

/** Marked numbers and durations of files/alerts.yaml: key → text as written. */
function markers(): { thresholds: Map<string, string[]>; durations: Map<string, string[]> } {
  const text = readFileSync(join(CHART, 'files', 'alerts.yaml'), 'utf8');
  const thresholds = new Map<string, string[]>();
  const durations = new Map<string, string[]>();
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s+#\s*threshold:\s*([A-Za-z][A-Za-z0-9]*)\s*$/gm)) {
    thresholds.set(m[2]!, [...(thresholds.get(m[2]!) ?? []), m[1]!]);
  }
  for (const m of text.matchAll(/^\s*for:\s*(\S+)\s+#\s*for:\s*([A-Za-z][A-Za-z0-9]*)\s*$/gm)) {
    durations.set(m[2]!, [...(durations.get(m[2]!) ?? []), m[1]!]);
  }
  return { thresholds, durations };
}

describe('helm chart', () => {
  it('has the four ci values files, and each passes helm lint --strict', () => {
    for (const f of ['defaults-values.yaml', 'existingsecret-values.yaml', 'sharded-values.yaml', 'monitoring-values.yaml']) {
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

  it("no secret value appears in any ConfigMap, and the rendered config passes the exporter's own config check", () => {
    for (const f of CI_FILES) {
      const docs = render([f]);
      const secrets = secretValues(f);
      const env = secretEnv(docs);
      if (env) assert.deepEqual(Object.values(env).sort(), [...secrets].sort(), `${f}: the Secret holds secret.data`);
      for (const cm of docs.filter((d) => d.kind === 'ConfigMap')) {
        const text = JSON.stringify(cm);
        for (const s of secrets) assert.ok(!text.includes(s), `${f}: ConfigMap ${cm.metadata.name} contains a secret value`);
      }
      for (const d of docs.filter((x) => x.kind !== 'Secret')) {
        const text = JSON.stringify(d);
        for (const s of secrets) assert.ok(!text.includes(s), `${f}: ${d.kind} ${d.metadata.name} contains a secret value`);
      }

      // Materialize what the pod gets: env vars from the Secret, and its keys as files at the mount path.
      const w = workload(docs);
      const c = container(w);
      const podEnv = env ?? EXAMPLE_ENV;
      const secretVolume = (w.spec.template.spec.volumes as Obj[]).find((v) => v.secret);
      assert.ok(secretVolume, `${f}: the Secret is mounted`);
      assert.ok(
        (c.envFrom as Obj[]).some((e) => e.secretRef?.name === secretVolume.secret.secretName),
        `${f}: the Secret is passed as env`,
      );
      const mount = (c.volumeMounts as Obj[]).find((m) => m.name === secretVolume.name)!;
      const dir = mkdtempSync(join(tmpdir(), 'chart-secrets-'));
      mkdirSync(join(dir, 'secrets'));
      for (const [k, v] of Object.entries(podEnv)) writeFileSync(join(dir, 'secrets', k), v);
      const cm = one(docs, 'ConfigMap', `${RELEASE}-rtc-cdn-exporter`);
      const configPath = flag(c.args, 'config.file');
      const configMount = (c.volumeMounts as Obj[]).find((m) => m.mountPath === configPath);
      assert.ok(configMount, `${f}: --config.file=${configPath} is mounted`);
      const text = (cm.data[configMount.subPath] as string).replaceAll(`${mount.mountPath}/`, `${join(dir, 'secrets')}/`);
      assert.doesNotThrow(() => parseConfig(text, { sources: sources, env: podEnv, name: `${f} config` }), `${f}: the exporter refuses the rendered config`);
    }
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

  it('an overridden threshold or duration changes exactly that number, and the result is valid for promtool', () => {
    const file = parse(readFileSync(join(CHART, 'files', 'alerts.yaml'), 'utf8')) as Obj;
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
    const expected = structuredClone(file.groups) as Obj[];
    const numberBefore = (k: string) => new RegExp(`[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?(\\s+#\\s*threshold:\\s*${k}\\s*)$`, 'gm');
    let changedRules = 0;
    for (const g of expected) {
      for (const r of g.rules as Obj[]) {
        const before = JSON.stringify(r);
        r.expr = (r.expr as string).replace(numberBefore(key), '0.25$1').replace(numberBefore(bigKey!), '20000000000$1');
        const raw = readFileSync(join(CHART, 'files', 'alerts.yaml'), 'utf8');
        if (new RegExp(`- alert: ${r.alert}\\n(?:(?!- alert:)[\\s\\S])*# for: ${forKey}\\b`).test(raw)) r.for = '7m';
        if (JSON.stringify(r) !== before) changedRules++;
      }
    }
    assert.ok(old !== undefined && changedRules >= 2);
    assert.deepEqual(rule.spec.groups, expected);
    assert.notDeepEqual(rule.spec.groups, file.groups);

    // promtool (needed by npm test anyway) accepts the substituted rules.
    const dir = mkdtempSync(join(tmpdir(), 'chart-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), JSON.stringify({ groups: rule.spec.groups }));
    const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check rules: ${check.error?.message ?? ''}${check.stdout}${check.stderr}`);
  });

  it('rejects an unknown threshold key, a non-number threshold and a bad duration', () => {
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.thresholds.rtcRttSecond=1']), /rtcRttSecond/);
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.thresholds.rtcRttSeconds=high']), /rtcRttSeconds/);
    assert.match(renderFails(['monitoring-values.yaml'], ['prometheusRule.for.rtcRtt=5 minutes']), /rtcRtt/);
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
