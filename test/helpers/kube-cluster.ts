// A real Kubernetes control plane on loopback for the chart tests: Debian's etcd and a
// kube-apiserver (with kubectl) built by .ci/kube-tools.sh. No kubelet, scheduler or
// controllers: objects are validated, admitted and stored exactly as in a cluster, and no
// pod ever runs.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { makeTestPki } from './test-pki.js';

export interface KubeTools {
  kubeApiserver: string;
  kubectl: string;
  /** The prometheus-operator CRDs (ServiceMonitor, PrometheusRule). */
  crds: string[];
}

/** Where .ci/kube-tools.sh put its build: $KUBE_TOOLS_DIR, or an error that says how to get one. */
export function kubeTools(): KubeTools {
  const dir = process.env['KUBE_TOOLS_DIR'];
  const how = 'run `export KUBE_TOOLS_DIR=$(bash .ci/kube-tools.sh)` first (it builds kube-apiserver and kubectl; ~15 minutes once, then cached)';
  if (dir === undefined || dir === '') throw new Error(`KUBE_TOOLS_DIR is not set: ${how}`);
  const tools = {
    kubeApiserver: join(dir, 'bin', 'kube-apiserver'),
    kubectl: join(dir, 'bin', 'kubectl'),
    crds: [join(dir, 'crds', 'servicemonitors.yaml'), join(dir, 'crds', 'prometheusrules.yaml')],
  };
  for (const file of [tools.kubeApiserver, tools.kubectl, ...tools.crds]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: ${how}`);
  }
  return tools;
}

export interface KubeCluster {
  kubeconfig: string;
  /** Runs kubectl against the cluster; never throws (look at status). */
  kubectl(args: readonly string[], input?: string): SpawnSyncReturns<string>;
  /** Environment for helm and kubectl: KUBECONFIG, and a HOME of the cluster's own. */
  env: NodeJS.ProcessEnv;
  /** What etcd and kube-apiserver printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

interface Started {
  child: ChildProcess;
  out: () => string;
}

function start(command: string, args: readonly string[]): Started {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Keep the tail only: kube-apiserver is chatty at start.
  const add = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  child.on('error', (err) => (out += `\n${command} failed to start: ${err.message}`));
  return { child, out: () => out };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** GET `path` with the token; the status code, or 0 when nothing answers yet. */
function get(url: string, ca: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts etcd and kube-apiserver in `dir` (certificates by openssl, a static token for the
 * one admin user), waits until /readyz answers 200 and the prometheus-operator CRDs are
 * established. Stop it with stop(), also when the test fails.
 */
export async function startKubeCluster(dir: string, tools: KubeTools = kubeTools()): Promise<KubeCluster> {
  mkdirSync(join(dir, 'pki'), { recursive: true });
  const pki = makeTestPki(join(dir, 'pki'));
  const saKey = join(dir, 'pki', 'service-accounts.key');
  const saPub = join(dir, 'pki', 'service-accounts.pub');
  spawnSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', saKey], { stdio: 'ignore' });
  spawnSync('openssl', ['pkey', '-in', saKey, '-pubout', '-out', saPub], { stdio: 'ignore' });
  const token = randomBytes(24).toString('hex');
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `${token},ci-admin,ci-admin,"system:masters"\n`, { mode: 0o600 });

  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcd = start('etcd', [
    '--name=ci',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-cluster=ci=http://127.0.0.1:${etcdPeerPort}`,
    '--log-level=warn',
  ]);
  const apiserver = start(tools.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--tls-cert-file=${pki.server.cert}`,
    `--tls-private-key-file=${pki.server.key}`,
    `--token-auth-file=${tokens}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://127.0.0.1:${apiPort}`,
    `--service-account-key-file=${saPub}`,
    `--service-account-signing-key-file=${saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // No kubelet or controller manager: nothing would keep the kubernetes Service's endpoints.
    '--endpoint-reconciler-type=none',
    '--v=0',
  ]);
  const output = () => `--- etcd ---\n${etcd.out()}\n--- kube-apiserver ---\n${apiserver.out()}`;
  const stop = async () => {
    await stopProcess(apiserver.child);
    await stopProcess(etcd.child);
  };

  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: ci, cluster: {server: "' + server + '", certificate-authority: "' + pki.ca.cert + '"}}]',
      'users: [{name: ci-admin, user: {token: "' + token + '"}}]',
      'contexts: [{name: ci, context: {cluster: ci, user: ci-admin}}]',
      'current-context: ci',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'helm-cache'),
    HELM_CONFIG_HOME: join(home, 'helm-config'),
    HELM_DATA_HOME: join(home, 'helm-data'),
  };
  const kubectl = (args: readonly string[], input?: string) => spawnSync(tools.kubectl, args, { env, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });

  try {
    const caText = readFileSync(pki.ca.cert, 'utf8');
    // Real time: two real processes start (2-6 s measured).
    const deadline = Date.now() + 90_000;
    while ((await get(`${server}/readyz`, caText, token)) !== 200) {
      if (apiserver.child.exitCode !== null || etcd.child.exitCode !== null) throw new Error('etcd or kube-apiserver exited');
      if (Date.now() > deadline) throw new Error('kube-apiserver not ready after 90 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const crds = kubectl(['create', ...tools.crds.flatMap((f) => ['-f', f])]);
    if (crds.status !== 0) throw new Error(`creating the prometheus-operator CRDs failed:\n${crds.stderr}`);
    const established = kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/servicemonitors.monitoring.coreos.com',
      'crd/prometheusrules.monitoring.coreos.com',
    ]);
    if (established.status !== 0) throw new Error(`the CRDs were not established:\n${established.stderr}`);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output()}`);
  }
  return { kubeconfig, kubectl, env, output, stop };
}
