// The chart's values users reach for (image registry, labels, extra objects, the web config, the
// ServiceMonitor's TLS, the alert switches), rendered with `helm template`; and every value
// documented in the chart README and typed in values.schema.json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CHART, container, flag, one, render, renderFails, workload, type Obj } from './render.js';

const CREDENTIALS = 'defaults-values.yaml';
const exporterProbes = (docs: Obj[]) => {
  const c = container(workload(docs));
  return [c.startupProbe, c.livenessProbe, c.readinessProbe] as Obj[];
};

describe('chart values', () => {
  it('global.imageRegistry wins over image.registry, which prefixes the repository; a digest replaces the tag', () => {
    const image = (values: Obj) => container(workload(render([CREDENTIALS, values]))).image as string;
    assert.equal(image({}), 'rtc-cdn-exporter:0.1.0');
    assert.equal(image({ image: { registry: 'registry.example.com' } }), 'registry.example.com/rtc-cdn-exporter:0.1.0');
    assert.equal(
      image({ global: { imageRegistry: 'mirror.example.com/team' }, image: { registry: 'registry.example.com' } }),
      'mirror.example.com/team/rtc-cdn-exporter:0.1.0',
    );
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.equal(image({ image: { registry: 'registry.example.com', digest } }), `registry.example.com/rtc-cdn-exporter@${digest}`);
  });

  it('commonLabels reach every object and the pods, never a selector', () => {
    const docs = render(['monitoring-values.yaml'], ['commonLabels.team=video', 'networkPolicy.enabled=true']);
    for (const d of docs) assert.equal(d.metadata.labels?.team, 'video', `${d.kind} ${d.metadata.name}`);
    const w = workload(docs);
    assert.equal(w.spec.template.metadata.labels.team, 'video');
    assert.equal(w.spec.selector.matchLabels.team, undefined);
    for (const s of docs.filter((d) => d.kind === 'Service')) assert.equal(s.spec.selector.team, undefined);
    assert.equal(one(docs, 'ServiceMonitor').spec.selector.matchLabels.team, undefined);
  });

  it('extraContainers, extraVolumes and extraManifests render with tpl; the exporter container stays first', () => {
    const docs = render([
      CREDENTIALS,
      {
        extraContainers: [{ name: 'sidecar', image: 'busybox', args: ['{{ .Release.Name }}'] }],
        extraVolumes: [{ name: 'scratch', emptyDir: {} }],
        extraVolumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
        extraManifests: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '{{ .Release.Name }}-object' } },
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-string\n',
        ],
        priorityClassName: 'critical',
        podLabels: { tier: 'monitoring' },
      },
    ]);
    const pod = workload(docs).spec.template;
    assert.deepEqual(
      (pod.spec.containers as Obj[]).map((c) => c.name),
      ['exporter', 'sidecar'],
    );
    assert.deepEqual(pod.spec.containers[1].args, ['rel']);
    assert.ok((pod.spec.volumes as Obj[]).some((v) => v.name === 'scratch'));
    assert.ok((container(workload(docs)).volumeMounts as Obj[]).some((m) => m.mountPath === '/scratch'));
    assert.equal(pod.spec.priorityClassName, 'critical');
    assert.equal(pod.metadata.labels.tier, 'monitoring');
    one(docs, 'ConfigMap', 'rel-object');
    one(docs, 'ConfigMap', 'rel-string');
  });

  describe('web config', () => {
    const tls = { cert_file: '/etc/rtc-cdn-exporter/web/tls.crt', key_file: '/etc/rtc-cdn-exporter/web/tls.key' };
    const hash = '$2b$10$y6IPdZ/avq8TLj9drfFEUeL8VhJFP8k7x71Jv8eVd6AV90k2.cX4y';

    it('is stored in a Secret, mounted, and passed as --web.config.file; no hash or key outside the Secret', () => {
      const key = '-----BEGIN PRIVATE KEY-----\nci-dummy\n-----END PRIVATE KEY-----\n';
      const docs = render([
        CREDENTIALS,
        { webConfig: { config: { tls_server_config: tls, basic_auth_users: { prometheus: hash } }, files: { 'tls.key': key } } },
      ]);
      const secret = one(docs, 'Secret', 'rel-rtc-cdn-exporter-web-config');
      const stored = (k: string) => Buffer.from(secret.data[k] as string, 'base64').toString('utf8');
      assert.deepEqual(parse(stored('web-config.yml')), { tls_server_config: tls, basic_auth_users: { prometheus: hash } });
      assert.equal(stored('tls.key'), key);
      const c = container(workload(docs));
      assert.equal(flag(c.args, 'web.config.file'), '/etc/rtc-cdn-exporter/web/web-config.yml');
      const mount = (c.volumeMounts as Obj[]).find((m) => m.mountPath === '/etc/rtc-cdn-exporter/web');
      assert.ok(mount && !mount.subPath, 'the directory is mounted (no subPath: the kubelet updates it, the exporter re-reads it)');
      const volume = (workload(docs).spec.template.spec.volumes as Obj[]).find((v) => v.name === mount.name);
      assert.equal(volume?.secret?.secretName, secret.metadata.name);
      for (const d of docs.filter((x) => x.kind !== 'Secret')) {
        const text = JSON.stringify(d);
        assert.ok(!text.includes(hash) && !text.includes('ci-dummy'), `${d.kind} ${d.metadata.name} holds a web config secret`);
      }
    });

    it('probes follow what the kubelet can do: HTTPS under TLS, tcpSocket under basic auth, required client certs or an unreadable existingSecret', () => {
      const cases: Array<[string, Obj, (p: Obj) => void]> = [
        ['no web config', {}, (p) => assert.deepEqual(p.httpGet.scheme, undefined)],
        ['TLS', { config: { tls_server_config: tls } }, (p) => assert.equal(p.httpGet.scheme, 'HTTPS')],
        [
          'TLS, optional client cert',
          { config: { tls_server_config: { ...tls, client_auth_type: 'VerifyClientCertIfGiven', client_ca_file: '/x' } } },
          (p) => assert.equal(p.httpGet.scheme, 'HTTPS'),
        ],
        ['basic auth', { config: { basic_auth_users: { prometheus: hash } } }, (p) => assert.deepEqual(p.tcpSocket, { port: 'http' })],
        [
          'required client cert',
          { config: { tls_server_config: { ...tls, client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: '/x' } } },
          (p) => assert.deepEqual(p.tcpSocket, { port: 'http' }),
        ],
        ['existingSecret', { existingSecret: 'my-web-config', tls: true }, (p) => assert.deepEqual(p.tcpSocket, { port: 'http' })],
      ];
      for (const [name, webConfig, check] of cases) {
        for (const p of exporterProbes(render([CREDENTIALS, { webConfig }]))) {
          if (p.tcpSocket) assert.equal(p.httpGet, undefined, name);
          check(p);
          assert.ok(p.periodSeconds > 0, `${name}: the timing stays`);
        }
      }
      // A probe of another kind is the user's and stays as written (httpGet: null, or Helm merges the default's in).
      const exec = { exec: { command: ['true'] }, periodSeconds: 7 };
      const probes = exporterProbes(render([CREDENTIALS, { webConfig: { existingSecret: 'w' }, livenessProbe: { ...exec, httpGet: null } }]));
      assert.deepEqual(probes[1], { ...exec, failureThreshold: 6, timeoutSeconds: 5 });
    });

    it('the ServiceMonitor scrapes https with the TLS and basic auth it is given; https by default when the web config serves TLS', () => {
      const endpoint = (values: Obj) => one(render([CREDENTIALS, { serviceMonitor: { enabled: true }, ...values }]), 'ServiceMonitor').spec.endpoints[0] as Obj;
      assert.equal(endpoint({}).scheme, undefined);
      assert.equal(endpoint({ webConfig: { config: { tls_server_config: tls } } }).scheme, 'https');
      assert.equal(endpoint({ webConfig: { existingSecret: 'w', tls: true } }).scheme, 'https');
      assert.equal(endpoint({ webConfig: { existingSecret: 'w' } }).scheme, undefined);
      const tlsConfig = { ca: { secret: { name: 's', key: 'ca.crt' } }, serverName: 'exporter.monitoring.svc' };
      const basicAuth = { username: { name: 's', key: 'u' }, password: { name: 's', key: 'p' } };
      const e = endpoint({ serviceMonitor: { enabled: true, scheme: 'https', tlsConfig, basicAuth } });
      assert.deepEqual([e.scheme, e.tlsConfig, e.basicAuth], ['https', tlsConfig, basicAuth]);
    });

    it('refuses config and existingSecret together, and files without config', () => {
      assert.match(
        renderFails([CREDENTIALS], ['webConfig.existingSecret=w', 'webConfig.config.basic_auth_users.a=b']),
        /webConfig: set either existingSecret or config/,
      );
      assert.match(renderFails([CREDENTIALS], ['webConfig.files.tls\\.crt=x']), /webConfig\.files: only stored beside webConfig\.config/);
      assert.match(renderFails([CREDENTIALS], ['webConfig.config.rate_limit.interval=1s']), /rate_limit/);
    });
  });

  describe('alert rules', () => {
    const rules = (values: Obj) =>
      (one(render(['monitoring-values.yaml', { prometheusRule: values }]), 'PrometheusRule').spec.groups as Obj[]).flatMap((g) => g.rules as Obj[]);
    const alert = (all: Obj[], name: string) => all.find((r) => r.alert === name);

    it('disabled switches single alerts off and keeps the others', () => {
      const all = rules({});
      const off = rules({ disabled: { LiveDomainBandwidthAboveCeiling: true, RtcUserCallQualityPoor: true, RtcRoomJitterSpike: false } });
      assert.ok(alert(all, 'LiveDomainBandwidthAboveCeiling') && alert(all, 'RtcUserCallQualityPoor'));
      assert.deepEqual(
        off.map((r) => r.alert),
        all.map((r) => r.alert).filter((a) => a !== 'LiveDomainBandwidthAboveCeiling' && a !== 'RtcUserCallQualityPoor'),
      );
    });

    it('labels: per alert over all alerts over the file; annotations added to all; an unknown alert name fails, naming the known ones', () => {
      const all = rules({
        additionalRuleLabels: { team: 'video', severity: 'page' },
        ruleLabels: { RtcUserCallQualityPoor: { severity: 'info', route: 'tickets' } },
        additionalRuleAnnotations: { dashboard: 'https://grafana.example.com/d/rtc' },
      });
      assert.deepEqual(alert(all, 'RtcUserCallQualityPoor')!.labels, { severity: 'info', team: 'video', route: 'tickets' });
      assert.deepEqual(alert(all, 'RtcRoomJitterSpike')!.labels, { severity: 'page', team: 'video' });
      for (const r of all) {
        assert.equal(r.annotations.dashboard, 'https://grafana.example.com/d/rtc', r.alert);
        assert.ok(r.annotations.runbook_url, r.alert);
      }
      for (const set of ['prometheusRule.disabled.NoSuchAlert=true', 'prometheusRule.ruleLabels.NoSuchAlert.team=x']) {
        assert.match(
          renderFails(['monitoring-values.yaml'], [set]),
          /prometheusRule: no alert NoSuchAlert in files\/alerts\.yaml \(known: .*RtcUserCallQualityPoor/,
        );
      }
    });

    it('additionalGroups are appended as written, and the whole passes promtool check rules', () => {
      const mine = {
        name: 'mine',
        rules: [{ alert: 'MyExporterRestarts', expr: 'changes(process_start_time_seconds[15m]) > 2', labels: { severity: 'warning' } }],
      };
      const docs = render([
        'monitoring-values.yaml',
        { prometheusRule: { additionalGroups: [mine], disabled: { RtcCdnExporterAbsent: true }, additionalRuleLabels: { team: 'video' } } },
      ]);
      const groups = one(docs, 'PrometheusRule').spec.groups as Obj[];
      assert.deepEqual(groups.at(-1), mine);
      const dir = mkdtempSync(join(tmpdir(), 'chart-rules-'));
      writeFileSync(join(dir, 'rules.yaml'), JSON.stringify({ groups }));
      const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    });
  });

  describe('documentation', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Obj;
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Obj;
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    // Kubernetes objects passed through whole: documented as one value, typed by Kubernetes.
    const passThrough = new Set(['podSecurityContext', 'securityContext', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'strategy']);

    /** The chart's own keys: every property, into the objects the schema closes (additionalProperties: false). */
    function schemaKeys(node: Obj, prefix = ''): string[] {
      const out: string[] = [];
      for (const [k, child] of Object.entries((node.properties ?? {}) as Record<string, Obj>)) {
        const path = prefix ? `${prefix}.${k}` : k;
        out.push(path);
        if (!passThrough.has(path) && child.properties && (child.additionalProperties === false || path === 'global')) out.push(...schemaKeys(child, path));
      }
      return out;
    }
    const keys = schemaKeys(schema);

    it('values.yaml and values.schema.json have the same keys, and the schema rejects unknown ones at every level it owns', () => {
      const valueKeys = (node: Obj, prefix = ''): string[] =>
        Object.entries(node).flatMap(([k, v]) => {
          const path = prefix ? `${prefix}.${k}` : k;
          const nested = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v as Obj).length > 0 && !passThrough.has(path);
          return nested ? [path, ...valueKeys(v as Obj, path)] : [path];
        });
      const fromValues = valueKeys(values).filter((k) => !k.startsWith('webConfig.config.'));
      assert.deepEqual(fromValues.sort(), keys.filter((k) => !k.startsWith('webConfig.config.')).sort());
      assert.equal(schema.additionalProperties, false);
      assert.match(renderFails([CREDENTIALS], ['serviceMonitor.schem=https']), /schem/);
    });

    it('every key has a description in the schema, and every leaf a row in the README table', () => {
      const node = (path: string) => path.split('.').reduce((n: Obj, k) => n.properties[k] as Obj, schema);
      const rows = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
      const leaves = keys.filter((k) => !keys.some((other) => other.startsWith(`${k}.`)));
      const undocumented = leaves.filter((k) => !rows.has(k));
      assert.deepEqual(undocumented, [], 'keys with no row in the chart README table');
      const undescribed = keys.filter((k) => typeof node(k).description !== 'string' || node(k).description === '');
      assert.deepEqual(undescribed, [], 'schema properties with no description');
    });
  });
});
