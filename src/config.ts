// Config loading, in a fixed order: YAML → ${VAR} substitution in strings →
// *_file secrets → strict zod schema → rules across sections. Every error
// names the key or line and the fix; no input makes it throw anything else.
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { CONFIG_FILE_MAX_BYTES, FileRefused, readRegularFile, VALUE_FILE_MAX_BYTES } from './config-file.js';
import { MAX_DEPTH, parseYaml } from './config-yaml.js';
import { ProxyUrl } from './proxy-url.js';
import { durationDefault, durationOrZero, isSecretPath, Secret, type SourceCommon } from './schema.js';
import type { SourceDefinition } from './source.js';

export { ConfigError };

const coreShape = {
  refresh: z
    .strictObject({
      /** How often a key is refreshed (the step of its grid) unless its source sets refresh_interval. */
      interval: durationOrZero.default(60_000),
      /** Longest a scrape waits for refreshes before serving the last good data. */
      max_scrape_wait: durationDefault('10s'),
      backoff_initial: durationDefault('10s'),
      backoff_max: durationDefault('5m'),
    })
    .prefault({})
    .refine((r) => r.backoff_initial <= r.backoff_max, {
      message: 'must not exceed refresh.backoff_max; lower it or raise backoff_max',
      path: ['backoff_initial'],
    }),
  /** Longest graceful shutdown waits for in-flight scrapes. */
  shutdown_timeout: durationDefault('10s'),
};

export type CoreConfig = z.output<ReturnType<typeof z.strictObject<typeof coreShape>>>;

export interface Config extends CoreConfig {
  /** Parsed config of each configured source (common keys included), by source name. */
  sources: Map<string, SourceCommon>;
}

/** The whole file's schema: the core's keys and each source's block. */
export function configSchema(sources: readonly SourceDefinition[]) {
  return z.strictObject({
    ...coreShape,
    ...Object.fromEntries(sources.map((d) => [d.name, d.schema.optional()])),
  });
}

export interface LoadedConfig {
  config: Config;
  /** Every value the schemas mark as secret, and every value read from a *_file, for redaction wherever text leaves the process. */
  secrets: string[];
}

export function loadConfigFile(path: string, sources: readonly SourceDefinition[], env = process.env): LoadedConfig {
  let text: string;
  try {
    text = readRegularFile(path, CONFIG_FILE_MAX_BYTES);
  } catch (err) {
    if (!(err instanceof FileRefused)) throw err;
    throw new ConfigError([`${path}: cannot read the config file (${err.message}); check --config.file`]);
  }
  return parseConfig(text, { sources, env, name: path, baseDir: dirname(resolve(path)) });
}

export interface ParseOptions {
  sources: readonly SourceDefinition[];
  env?: NodeJS.ProcessEnv;
  /** For messages: the file name. */
  name?: string;
  /** Where relative *_file paths start. */
  baseDir?: string;
}

export function parseConfig(text: string, opts: ParseOptions): LoadedConfig {
  const name = opts.name ?? 'config';
  const raw: unknown = parseYaml(text, name) ?? {};
  if (!isObject(raw)) throw new ConfigError([`${name}: the top level must be a mapping of keys, not ${describe(raw)}`]);

  const schema = configSchema(opts.sources);
  const problems: string[] = [];
  const fileValues: string[] = [];
  const resolved = resolveValues(raw, [], {
    env: opts.env ?? process.env,
    baseDir: opts.baseDir ?? process.cwd(),
    problems,
    fileValues,
    isSecret: (path) => isSecretPath(schema, path),
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const result = schema.safeParse(resolved, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => formatIssue(issue)));
  const parsed = result.data as Record<string, unknown>;
  const sources = new Map<string, SourceCommon>();
  for (const d of opts.sources) if (parsed[d.name] !== undefined) sources.set(d.name, parsed[d.name] as SourceCommon);
  if (![...sources.values()].some((c) => c.enabled)) {
    // An exporter with nothing to export would look healthy and page nobody.
    const names = opts.sources.map((d) => `${d.name}:`).join(' or ');
    throw new ConfigError([
      `${name}: no source is enabled; enable at least one source: add a ${names} block (see config.example.yaml) or set its enabled: true`,
    ]);
  }
  const core = { refresh: parsed.refresh, shutdown_timeout: parsed.shutdown_timeout } as CoreConfig;
  // A file is how Kubernetes mounts a Secret: whatever key reads one, its content is treated as a credential.
  return { config: { ...core, sources }, secrets: [...new Set([...collectSecrets(parsed), ...fileValues])] };
}

/**
 * A string equal for two parsed configs exactly when they would run the same:
 * secrets compared by value (serialising alone would print them all as
 * [REDACTED]), maps in order. Never logged or shown: it holds the secrets.
 */
export function configFingerprint(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, serialised: unknown) {
    // `this[key]` is the value before its toJSON ran.
    const raw = this[key];
    if (raw instanceof Secret) return { secret: raw.reveal() };
    if (raw instanceof ProxyUrl) return { proxy: raw.origin, authorization: raw.authorization() };
    if (raw instanceof Map) return { map: [...raw] };
    return serialised;
  });
}

/** The values of every Secret in the parsed config, and the password of every proxy URL in each form it is sent. */
function collectSecrets(value: unknown, found: string[] = []): string[] {
  if (value instanceof Secret) found.push(value.reveal());
  else if (value instanceof ProxyUrl) found.push(...value.credentials());
  else if (Array.isArray(value)) for (const v of value) collectSecrets(v, found);
  else if (isObject(value)) for (const v of Object.values(value)) collectSecrets(v, found);
  return found;
}

interface ResolveContext {
  env: NodeJS.ProcessEnv;
  baseDir: string;
  problems: string[];
  /** Whether the schema marks this path secret(): no default is suggested for it. */
  isSecret: (path: string[]) => boolean;
  /** Contents of every *_file read. */
  fileValues: string[];
}

/** Keys that would reach an object's prototype (or look like they do) in JavaScript. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Substitutes ${VAR} in strings and reads *_file keys, depth first. */
function resolveValues(value: unknown, path: string[], ctx: ResolveContext): unknown {
  if (typeof value === 'string') return substitute(value, path, ctx);
  if (path.length > MAX_DEPTH && typeof value === 'object' && value !== null) {
    // Aliases can nest what the YAML check saw as shallow.
    ctx.problems.push(`${path.join('.')}: nested deeper than ${MAX_DEPTH} levels; flatten the file`);
    return undefined;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveValues(v, [...path, String(i)], ctx));
  if (!isObject(value)) return value;
  // No prototype: whatever the keys, nothing reaches Object.prototype.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) {
    const here = [...path, key];
    if (FORBIDDEN_KEYS.has(key)) {
      ctx.problems.push(`${here.join('.')}: "${key}" is not allowed as a key; remove it`);
      continue;
    }
    const resolvedValue = resolveValues(v, here, ctx);
    if (key.endsWith('_file') && typeof resolvedValue === 'string') {
      const target = key.slice(0, -'_file'.length);
      if (target in value) {
        ctx.problems.push(`${here.join('.')}: set ${target} or ${key}, not both; remove one`);
        continue;
      }
      const content = readValueFile(resolvedValue, here, ctx);
      if (content !== undefined) out[target] = content;
      continue;
    }
    out[key] = resolvedValue;
  }
  return out;
}

function readValueFile(file: string, path: string[], ctx: ResolveContext): string | undefined {
  try {
    // Trailing newlines are what editors and `echo` leave behind, never part of a credential.
    const content = readRegularFile(resolve(ctx.baseDir, file), VALUE_FILE_MAX_BYTES).replace(/[\r\n]+$/, '');
    if (content.length === 0) ctx.problems.push(`${path.join('.')}: file ${file} is empty; put the value in it`);
    else ctx.fileValues.push(content);
    return content;
  } catch (err) {
    if (!(err instanceof FileRefused)) throw err;
    ctx.problems.push(`${path.join('.')}: cannot read file ${file} (${err.message}); create it or fix the path`);
    return undefined;
  }
}

const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substitute(text: string, path: string[], ctx: ResolveContext): string {
  return text.replace(VAR, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const v = ctx.env[name!];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    // A credential has no sensible default: never suggest one for a secret() key.
    const fix = ctx.isSecret(path) ? 'set it (or use the same key with _file and a path)' : `set it, or write \${${name}:-default}`;
    ctx.problems.push(`${path.join('.')}: environment variable ${name} is not set; ${fix}`);
    return '';
  });
}

/** A zod issue as "key: what is wrong; the fix"; `reference` is where the user can look keys up. */
export function formatIssue(issue: z.core.$ZodIssue, reference = 'config.example.yaml'): string[] {
  const at = issue.path.map(String).join('.') || '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => `${issue.path.length ? `${at}.` : ''}${k}: unknown key; remove it or fix its spelling (see ${reference})`);
    case 'invalid_type':
      if (issue.input === undefined) return [`${at}: missing; add it (see ${reference})`];
      return [`${at}: expected ${issue.expected}, got ${describe(issue.input)}; change the value`];
    case 'invalid_value':
      return [`${at}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`];
    case 'too_small':
    case 'too_big':
      return [`${at}: ${issue.message}; change the value`];
    default:
      return [`${at}: ${issue.message}`];
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
