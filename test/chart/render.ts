// Rendering the chart with `helm template` for the chart tests, and finding things in the result.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const CHART = 'helm/rtc-cdn-exporter';
export const RELEASE = 'rel';
export const KUBE_VERSION = '1.31.0';
export const CI_FILES = readdirSync(join(CHART, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function helm(args: string[]) {
  const r = spawnSync('helm', args, { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'helm is not on PATH. Install it as .ci/run does: GOBIN=/tmp/gobin go install helm.sh/helm/v3/cmd/helm@v3.22.0 && export PATH=/tmp/gobin:$PATH',
    );
  }
  return r;
}

/** A ci/ file name, an absolute path, or values as an object (written to a temporary file). */
export type Values = string | Obj;

function valuesPath(v: Values): string {
  if (typeof v !== 'string') {
    const file = join(mkdtempSync(join(tmpdir(), 'chart-values-')), 'values.yaml');
    writeFileSync(file, stringify(v));
    return file;
  }
  return isAbsolute(v) ? v : join(CHART, 'ci', v);
}

/** Parsed YAML documents, empty ones left out. */
export const parseDocs = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);

/** `helm template` → the parsed manifests. */
export function render(valueFiles: Values[], sets: string[] = []): Obj[] {
  const args = ['template', RELEASE, CHART, '--namespace', 'monitoring', '--kube-version', KUBE_VERSION];
  for (const f of valueFiles) args.push('-f', valuesPath(f));
  for (const s of sets) args.push('--set', s);
  const r = helm(args);
  assert.equal(r.status, 0, `helm ${args.join(' ')} failed:\n${r.stderr}`);
  return parseDocs(r.stdout);
}

export function renderFails(valueFiles: Values[], sets: string[]): string {
  const args = ['template', RELEASE, CHART, '--kube-version', KUBE_VERSION];
  for (const f of valueFiles) args.push('-f', valuesPath(f));
  for (const s of sets) args.push('--set', s);
  const r = helm(args);
  assert.notEqual(r.status, 0, `helm ${args.join(' ')} should fail`);
  return r.stderr;
}

export const one = (docs: Obj[], kind: string, name?: string): Obj => {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  assert.equal(found.length, 1, `exactly one ${kind}${name ? ` ${name}` : ''}, got ${found.length}`);
  return found[0]!;
};
export const workload = (docs: Obj[]): Obj => {
  const w = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
  assert.equal(w.length, 1, 'one Deployment or StatefulSet');
  return w[0]!;
};
/** The exporter's container (extraContainers may add sidecars beside it). */
export const container = (w: Obj): Obj => {
  const cs = (w.spec.template.spec.containers as Obj[]).filter((c) => c.name === 'exporter');
  assert.equal(cs.length, 1, 'one container named exporter');
  return cs[0]!;
};
export const flag = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
