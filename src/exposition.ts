// Prometheus text format (version 0.0.4) for upstream data. A key's samples are
// rendered to lines once per refresh; the whole page is assembled once per
// change and served, with its gzip, from cache on every scrape.
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';
import { wellFormed } from './labels.js';
import type { FamilySpec, Sample } from './source.js';

const deflateRawAsync = promisify(deflateRaw);

/** Label value escaping per the text format: backslash, double quote, line feed. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

/** HELP escaping: backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The rendered lines of one key, grouped by family. */
export interface RenderedKey {
  readonly families: Map<string, { spec: FamilySpec; lines: string[] }>;
  readonly series: number;
  /** Samples dropped because an earlier sample of the key rendered to the same series. */
  readonly duplicates: number;
}

/**
 * Renders one key's samples. Invalid names are a source bug: thrown, so the
 * refresh fails loudly. A sample whose series (name and labels, as rendered)
 * was already rendered is dropped and counted: Prometheus rejects a whole page
 * that repeats a series. Label values are made well-formed here too, since
 * UTF-8 encoding would otherwise merge distinct values after the check.
 */
export function renderKey(samples: readonly Sample[]): RenderedKey {
  const families = new Map<string, { spec: FamilySpec; lines: string[] }>();
  const seen = new Set<string>();
  for (const s of samples) {
    let fam = families.get(s.family.name);
    if (!fam) {
      if (!METRIC_NAME.test(s.family.name)) throw new Error(`invalid metric name ${JSON.stringify(s.family.name)}`);
      fam = { spec: s.family, lines: [] };
      families.set(s.family.name, fam);
    }
    let labels = '';
    for (const name in s.labels) {
      if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(name)}`);
      labels += `${labels ? ',' : ''}${name}="${escapeLabelValue(wellFormed(s.labels[name]!))}"`;
    }
    // A family's samples come from one object literal in a source, so label order is stable within it.
    const series = labels ? `${s.family.name}{${labels}}` : s.family.name;
    if (seen.has(series)) continue;
    seen.add(series);
    fam.lines.push(`${series} ${formatValue(s.value)}`);
  }
  return { families, series: seen.size, duplicates: samples.length - seen.size };
}

export interface AssembledSource {
  text: string;
  series: number;
  dropped: number;
}

/**
 * Joins the rendered keys of one source into text with HELP and TYPE once per
 * family, keeping at most `maxSeries` series (keys in sorted order, so which
 * series survive the cap is stable from one refresh to the next).
 */
export function assembleSource(keys: ReadonlyMap<string, RenderedKey>, maxSeries: number): AssembledSource {
  const byFamily = new Map<string, { spec: FamilySpec; chunks: string[][] }>();
  let budget = maxSeries;
  let dropped = 0;
  for (const key of [...keys.keys()].sort()) {
    for (const [name, fam] of keys.get(key)!.families) {
      let lines = fam.lines;
      if (lines.length > budget) {
        dropped += lines.length - budget;
        lines = lines.slice(0, budget);
      }
      budget -= lines.length;
      if (lines.length === 0) continue;
      let entry = byFamily.get(name);
      if (!entry) byFamily.set(name, (entry = { spec: fam.spec, chunks: [] }));
      entry.chunks.push(lines);
    }
  }
  const parts: string[] = [];
  for (const name of [...byFamily.keys()].sort()) {
    const { spec, chunks } = byFamily.get(name)!;
    parts.push(`# HELP ${name} ${escapeHelp(spec.help)}\n# TYPE ${name} ${spec.type}\n`);
    for (const lines of chunks) parts.push(lines.join('\n'), '\n');
  }
  return { text: parts.join(''), series: maxSeries - budget, dropped };
}

// Fixed gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);

/**
 * The cached page of upstream data. Its deflate stream is computed once, on
 * first demand, ending in a sync flush so that each scrape can append the small
 * self-metrics text and close one gzip member, without compressing the large
 * part again. (Concatenated gzip members would be cheaper still, but curl and
 * some other clients stop after the first member.)
 */
export class CachedPage {
  private head: Promise<{ deflated: Buffer; crc: number; length: number }> | undefined;
  private utf8: Buffer | undefined;
  constructor(readonly text: string) {}

  /** The text as UTF-8, encoded once. */
  get bytes(): Buffer {
    return (this.utf8 ??= Buffer.from(this.text, 'utf8'));
  }

  async gzipWith(tail: string): Promise<Buffer> {
    this.head ??= (async () => {
      // Not kept: a page served gzipped (what Prometheus asks for) needs only its deflate.
      const raw = this.utf8 ?? Buffer.from(this.text, 'utf8');
      const deflated = await deflateRawAsync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
      return { deflated, crc: crc32(raw), length: raw.length };
    })();
    const head = await this.head;
    const tailRaw = Buffer.from(tail, 'utf8');
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(tailRaw, head.crc), 0);
    trailer.writeUInt32LE((head.length + tailRaw.length) % 2 ** 32, 4);
    return Buffer.concat([GZIP_HEADER, head.deflated, deflateRawSync(tailRaw), trailer]);
  }
}
