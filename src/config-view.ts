// The config in force, as YAML for /config: defaults applied, durations written
// back as durations, every credential masked. Secret (and any value with toJSON,
// such as a proxy URL that hides its password) prints what its toJSON gives.
import { stringify } from 'yaml';
import { configSchema, type Config } from './config.js';
import { formatDuration } from './duration.js';
import { isDurationPath } from './schema.js';
import type { SourceDefinition } from './source.js';

/**
 * `config` as YAML. `mask` is the secret registry's: every *_file value counts as
 * a credential whatever key read it, and only the registry knows them all.
 */
export function effectiveConfigYaml(config: Config, sources: readonly SourceDefinition[], mask: (text: string) => string): string {
  const { sources: bySource, ...core } = config;
  const tree: Record<string, unknown> = { ...core };
  for (const d of sources) if (bySource.has(d.name)) tree[d.name] = bySource.get(d.name);
  const schema = configSchema(sources);
  const plain = toPlain(tree, [], (path) => isDurationPath(schema, path), mask);
  return mask(`# The config in force: defaults applied, credentials shown as [REDACTED].\n${stringify(plain, { lineWidth: 0 })}`);
}

/** The value as JSON would see it (toJSON honoured, undefined dropped), with durations as text and strings masked. */
function toPlain(value: unknown, path: string[], isDuration: (path: string[]) => boolean, mask: (text: string) => string): unknown {
  const v = hasToJSON(value) ? value.toJSON() : value;
  if (typeof v === 'string') return mask(v);
  if (typeof v === 'number') return isDuration(path) ? formatDuration(v) : v;
  if (v instanceof Map) return toPlain(Object.fromEntries(v), path, isDuration, mask);
  if (Array.isArray(v)) return v.map((item, i) => toPlain(item, [...path, String(i)], isDuration, mask));
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(v)) if (item !== undefined) out[key] = toPlain(item, [...path, key], isDuration, mask);
  return out;
}

function hasToJSON(v: unknown): v is { toJSON(): unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function';
}
