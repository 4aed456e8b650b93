// What a pod of the chart would see, rebuilt from the objects a real API server stored: its
// environment (literal values, the pod name, the Secret's keys through envFrom/secretKeyRef)
// and its ConfigMap/Secret volumes as files. With no kubelet to run the pod, the exporter's
// --config.check runs on this view instead: the mount paths live under a directory of the
// test's, and every mention of them in the args and in the mounted files points there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface StoredObjects {
  configMap(name: string): Record<string, string>;
  /** The Secret's data, decoded. */
  secret(name: string): Record<string, string>;
}

export interface PodView {
  env: Record<string, string>;
  /** The container's args, $(VAR) expanded and mount paths rewritten. */
  args: string[];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Kubernetes' $(VAR) expansion of args; $$(VAR) stays literal, unknown $(VAR) stay as written. */
function expand(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? m)));
}

/**
 * Writes the volumes of `containerName` under `root` and returns its environment and args.
 * `podName` is what the downward API gives metadata.name.
 */
export function podView(workload: Obj, containerName: string, podName: string, stored: StoredObjects, root: string): PodView {
  const spec = workload.spec.template.spec as Obj;
  const c = (spec.containers as Obj[]).find((x) => x.name === containerName);
  if (c === undefined) throw new Error(`no container ${containerName}`);

  const env: Record<string, string> = {};
  for (const from of (c.envFrom ?? []) as Obj[]) {
    if (from.secretRef) Object.assign(env, stored.secret(from.secretRef.name));
    if (from.configMapRef) Object.assign(env, stored.configMap(from.configMapRef.name));
  }
  for (const e of (c.env ?? []) as Obj[]) {
    if (e.value !== undefined) env[e.name] = expand(String(e.value), env);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = stored.secret(e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key] ?? '';
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = stored.configMap(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key] ?? '';
    else throw new Error(`env ${e.name}: a source this view does not model`);
  }

  const mounts = (c.volumeMounts ?? []) as Obj[];
  // One pass, longest first, and only whole path segments: /tmp must not rewrite /tmpfoo, and a
  // rewritten path must not be rewritten again.
  const paths = mounts.map((m) => m.mountPath as string).sort((a, b) => b.length - a.length);
  const mountRe = new RegExp(`(${paths.map(escapeRegExp).join('|')})(?=/|$|[^A-Za-z0-9._-])`, 'g');
  const rewrite = (text: string) => (paths.length === 0 ? text : text.replace(mountRe, (p) => join(root, p)));

  const volumes = new Map(((spec.volumes ?? []) as Obj[]).map((v) => [v.name as string, v]));
  for (const m of mounts) {
    const v = volumes.get(m.name);
    if (v === undefined) throw new Error(`volumeMount ${m.name}: no such volume`);
    const files = v.configMap ? stored.configMap(v.configMap.name) : v.secret ? stored.secret(v.secret.secretName) : undefined;
    const target = join(root, m.mountPath);
    if (files === undefined) {
      mkdirSync(target, { recursive: true }); // emptyDir and the like
      continue;
    }
    const items = (v.configMap?.items ?? v.secret?.items) as Array<{ key: string; path: string }> | undefined;
    const layout = items ? items.map((i) => [i.path, files[i.key] ?? '']) : Object.entries(files);
    if (m.subPath) {
      const entry = layout.find(([path]) => path === m.subPath);
      if (entry === undefined) throw new Error(`volumeMount ${m.name}: subPath ${m.subPath} is not in the volume`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, rewrite(entry[1]!));
      continue;
    }
    for (const [path, content] of layout) {
      mkdirSync(dirname(join(target, path!)), { recursive: true });
      writeFileSync(join(target, path!), rewrite(content!));
    }
  }
  return { env, args: ((c.args ?? []) as string[]).map((a) => rewrite(expand(a, env))) };
}
