// The chart against a real Kubernetes API server (etcd + kube-apiserver v1.33 on loopback,
// the prometheus-operator CRDs): every ci/*-values.yaml is validated strictly by the server,
// installed, upgraded, rolled back and uninstalled with helm, and the ConfigMap and Secret the
// server stored pass the exporter's --config.check as the pod would see them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse } from 'yaml';
import { startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { podView, type StoredObjects } from './pod-view.js';
import { CHART, CI_FILES, parseDocs as docs, type Obj } from './render.js';

const NAMESPACE = 'monitoring';

describe('the chart on a real kube-apiserver', () => {
  let cluster: KubeCluster;
  let work: string;
  /** The server's version, for `helm template` (which does not ask the server). */
  let kubeVersion: string;

  const kubectl = (args: readonly string[], input?: string) => {
    const r = cluster.kubectl(args, input);
    assert.equal(r.status, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  };
  const helm = (args: readonly string[]) => spawnSync('helm', args, { env: cluster.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const helmOk = (args: readonly string[]) => {
    const r = helm(args);
    assert.equal(r.status, 0, `helm ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  };
  const stored: StoredObjects = {
    configMap: (name) => (JSON.parse(kubectl(['get', 'configmap', name, '-n', NAMESPACE, '-o', 'json'])) as Obj).data ?? {},
    secret: (name) =>
      Object.fromEntries(
        Object.entries(((JSON.parse(kubectl(['get', 'secret', name, '-n', NAMESPACE, '-o', 'json'])) as Obj).data ?? {}) as Record<string, string>).map(
          ([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')],
        ),
      ),
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'chart-kube-'));
    cluster = await startKubeCluster(join(work, 'cluster'));
    kubectl(['create', 'namespace', NAMESPACE]);
    kubeVersion = (JSON.parse(kubectl(['version', '-o', 'json'])) as Obj).serverVersion.gitVersion as string;
  });
  after(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A Secret you would manage yourself, with a dummy value for every key the values' config names. */
  function createExistingSecret(name: string, valuesFile: string): void {
    const values = parse(readFileSync(valuesFile, 'utf8')) as Obj;
    const text = JSON.stringify(values.config ?? {});
    const keys = new Set<string>();
    for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) keys.add(m[1]!);
    const mountPath = (values.secretMountPath as string | undefined) ?? '/etc/rtc-cdn-exporter/secrets';
    for (const m of text.matchAll(new RegExp(`${mountPath}/([A-Za-z0-9_.-]+)`, 'g'))) keys.add(m[1]!);
    const args = ['create', 'secret', 'generic', name, '-n', NAMESPACE];
    for (const k of [...keys].sort()) args.push(`--from-literal=${k}=ci-dummy-${k.toLowerCase()}`);
    const exists = cluster.kubectl(['get', 'secret', name, '-n', NAMESPACE]).status === 0;
    if (!exists) kubectl(args);
  }

  /** Runs the exporter's --config.check on what each pod of `workload` would see. */
  function configCheck(t: TestContext, workload: Obj, label: string): void {
    const replicas = workload.kind === 'StatefulSet' ? (workload.spec.replicas as number) : 1;
    for (let i = 0; i < replicas; i++) {
      const podName = workload.kind === 'StatefulSet' ? `${workload.metadata.name}-${i}` : `${workload.metadata.name}-7d4b9c8f6d-x2x7q`;
      const root = mkdtempSync(join(work, 'pod-'));
      const view = podView(workload, 'exporter', podName, stored, root);
      const r = spawnSync(process.execPath, ['dist/src/main.js', ...view.args, '--config.check'], {
        env: { PATH: process.env['PATH'], ...view.env },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `${label}: pod ${podName}: --config.check refused what the pod would see:\n${r.stdout}${r.stderr}`);
      t.diagnostic(`${label}: pod ${podName}: ${r.stdout.trim().replaceAll('\n', '; ')}`);
    }
  }

  for (const file of CI_FILES) {
    it(`${file}: the server accepts every object strictly; install, upgrade, rollback and uninstall; the stored config passes --config.check`, (t) => {
      const valuesFile = join(CHART, 'ci', file);
      const release = `ci-${file.replace(/-values\.yaml$/, '')}`;
      const values = parse(readFileSync(valuesFile, 'utf8')) as Obj;
      if (values.existingSecret) createExistingSecret(values.existingSecret as string, valuesFile);

      // 1. What helm would send, validated strictly by the server without storing it.
      const rendered = helmOk(['template', release, CHART, '-n', NAMESPACE, '--kube-version', kubeVersion, '-f', valuesFile]);
      const renderedFile = join(work, `${release}.yaml`);
      writeFileSync(renderedFile, rendered);
      const accepted = kubectl(['create', '--dry-run=server', '--validate=strict', '-n', NAMESPACE, '-f', renderedFile, '-o', 'name'])
        .trim()
        .split('\n')
        .sort();
      const expected = docs(rendered)
        .map((d) => `${d.kind}/${d.metadata.name}`.toLowerCase())
        .sort();
      assert.deepEqual(
        accepted.map((n) => n.replace(/^([a-z]+)\.[^/]*\//, '$1/')).sort(),
        expected,
        `${file}: the server accepted exactly the rendered objects`,
      );
      t.diagnostic(`${file}: the API server accepted (strict): ${accepted.join(' ')}`);

      // 2. A real install: every object is stored.
      helmOk(['install', release, CHART, '-n', NAMESPACE, '-f', valuesFile]);
      const manifest = helmOk(['get', 'manifest', release, '-n', NAMESPACE]);
      writeFileSync(renderedFile, manifest);
      const storedNames = kubectl(['get', '-n', NAMESPACE, '-f', renderedFile, '-o', 'name']).trim().split('\n').sort();
      assert.deepEqual(storedNames, accepted, `${file}: helm install stored every object`);
      t.diagnostic(`${file}: installed: ${storedNames.join(' ')}`);

      // 3. The config the server stored, as the pod would see it.
      const workloadOf = () =>
        docs(kubectl(['get', '-n', NAMESPACE, 'deployments,statefulsets', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'yaml']))[0]!.items[0] as Obj;
      const workload = workloadOf();
      configCheck(t, workload, file);

      // 4. Upgrade, rollback, uninstall.
      const logLevel = () =>
        ((workloadOf().spec.template.spec.containers as Obj[]).find((c) => c.name === 'exporter')!.args as string[]).find((a) => a.startsWith('--log.level='));
      helmOk(['upgrade', release, CHART, '-n', NAMESPACE, '-f', valuesFile, '--set', 'logLevel=debug']);
      assert.equal(logLevel(), '--log.level=debug', `${file}: the upgrade reached the stored workload`);
      helmOk(['rollback', release, '1', '-n', NAMESPACE]);
      assert.equal(logLevel(), '--log.level=info', `${file}: the rollback restored revision 1`);
      const history = JSON.parse(helmOk(['history', release, '-n', NAMESPACE, '-o', 'json'])) as Obj[];
      assert.deepEqual(
        history.map((h) => [h.revision, h.status]),
        [
          [1, 'superseded'],
          [2, 'superseded'],
          [3, 'deployed'],
        ],
      );
      helmOk(['uninstall', release, '-n', NAMESPACE, '--wait', '--timeout=60s']);
      const left = cluster.kubectl(['get', '-n', NAMESPACE, '-f', renderedFile, '-o', 'name', '--ignore-not-found']);
      assert.equal(left.status, 0, left.stderr);
      assert.equal(left.stdout.trim(), '', `${file}: uninstall left objects behind`);
      t.diagnostic(`${file}: install, upgrade (revision 2), rollback (revision 3), uninstall: passed`);
    });
  }

  it('the strict check also refuses an unknown field in a prometheus-operator object (ServiceMonitor tlsConfig)', () => {
    const valuesFile = join(CHART, 'ci', 'defaults-values.yaml');
    const sets = ['serviceMonitor.enabled=true', 'serviceMonitor.tlsConfig.insecureSkipVerfy=true'];
    const rendered = helmOk([
      'template',
      'crtypo',
      CHART,
      '-n',
      NAMESPACE,
      '--kube-version',
      kubeVersion,
      '-f',
      valuesFile,
      ...sets.flatMap((s) => ['--set', s]),
    ]);
    const renderedFile = join(work, 'crtypo.yaml');
    writeFileSync(renderedFile, rendered);
    const strict = cluster.kubectl(['create', '--dry-run=server', '--validate=strict', '-n', NAMESPACE, '-f', renderedFile, '-o', 'name']);
    assert.notEqual(strict.status, 0, 'the strict check accepted an unknown field');
    assert.match(strict.stderr, /unknown field "spec\.endpoints\[0\]\.tlsConfig\.insecureSkipVerfy"/);
  });

  it('a typo inside the pod spec renders, is only dropped by a plain install, and is refused by the strict server check', () => {
    const valuesFile = join(CHART, 'ci', 'defaults-values.yaml');
    // `efect` for `effect`: a pass-through field the chart's schema cannot know, which would
    // make the toleration match every effect of the taint.
    const typo = ['tolerations[0].key=dedicated', 'tolerations[0].operator=Equal', 'tolerations[0].value=monitoring', 'tolerations[0].efect=NoSchedule'];
    const args = (cmd: string[]) => [...cmd, 'typo', CHART, '-n', NAMESPACE, '-f', valuesFile, ...typo.flatMap((s) => ['--set', s])];
    const rendered = helmOk(args(['template', '--kube-version', kubeVersion]));
    const renderedFile = join(work, 'typo.yaml');
    writeFileSync(renderedFile, rendered);

    const strict = cluster.kubectl(['create', '--dry-run=server', '--validate=strict', '-n', NAMESPACE, '-f', renderedFile, '-o', 'name']);
    assert.notEqual(strict.status, 0, 'the strict check accepted an unknown field');
    assert.match(strict.stderr, /unknown field "spec\.template\.spec\.tolerations\[0\]\.efect"/);

    // Why the strict check: helm itself only warns, and stores the object without the field.
    const install = helm(args(['install']));
    assert.equal(install.status, 0, install.stderr);
    assert.match(install.stderr, /unknown field \\?"spec\.template\.spec\.tolerations\[0\]\.efect\\?"/);
    const stored = docs(kubectl(['get', 'deployment', 'typo-rtc-cdn-exporter', '-n', NAMESPACE, '-o', 'yaml']))[0]!;
    assert.deepEqual(stored.spec.template.spec.tolerations, [{ key: 'dedicated', operator: 'Equal', value: 'monitoring' }]);
    helmOk(['uninstall', 'typo', '-n', NAMESPACE]);
  });
});
