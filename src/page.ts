// The page of one source, assembled incrementally. Lines are grouped by
// family (the text format wants a family's lines together); within a family,
// keys fall into buckets by a hash of the key, and each (family, bucket) is a
// block with its own bytes, CRC and deflate stream. A refreshed key makes only
// its blocks dirty, so a scrape while keys trickle in re-joins and recompresses
// a few small blocks, not the page; after a full refresh every block is rebuilt
// once, in slices that yield to the event loop.
import { crc32 } from 'node:zlib';
import { deflatePart, type DeflatedPart } from './gzip-member.js';
import type { RenderedFamily, RenderedSeries } from './series-writer.js';
import { TimeSlices } from './slices.js';
import type { FamilySpec } from './source.js';

/** Text of a block aimed at when choosing the number of buckets: big enough to compress well, small enough to rebuild cheaply. */
const BLOCK_TARGET_CHARS = 32 * 1024;
const MAX_BUCKETS = 1024;

/** HELP escaping: backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** FNV-1a over the key's UTF-16 code units: a stable bucket, the same on every run. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Part of the page: its text (as the pieces it was joined from), and its bytes, CRC and deflate stream. */
export class Block {
  readonly crc: number;
  readonly length: number;
  private bytes: Buffer | undefined;
  private deflated: Buffer | undefined;

  constructor(
    private readonly pieces: readonly string[],
    readonly series: number,
  ) {
    const bytes = Buffer.from(pieces.length === 1 ? pieces[0]! : pieces.join(''), 'utf8');
    this.crc = crc32(bytes);
    this.length = bytes.length;
    this.bytes = bytes;
  }

  /** Compressed (once); the raw bytes are let go then, unless asked for since. */
  get compressed(): boolean {
    return this.deflated !== undefined;
  }

  deflate(): Buffer {
    if (!this.deflated) {
      this.deflated = deflatePart(this.bytes ?? this.encode());
      if (!this.keepBytes) this.bytes = undefined;
    }
    return this.deflated;
  }

  part(): DeflatedPart {
    return { crc: this.crc, length: this.length, deflated: this.deflate() };
  }

  private keepBytes = false;

  /** The raw bytes, for an uncompressed scrape; kept from then on (few clients ask). */
  raw(): Buffer {
    this.keepBytes = true;
    return (this.bytes ??= this.encode());
  }

  get text(): string {
    return this.pieces.join('');
  }

  private encode(): Buffer {
    return Buffer.from(this.pieces.join(''), 'utf8');
  }
}

interface KeyEntry {
  rendered: RenderedSeries;
  bucket: number;
}

export interface SourcePageBuild {
  /** In page order: per family (sorted) its HELP/TYPE block, then its blocks by bucket. */
  blocks: readonly Block[];
  series: number;
  /** Series left out by max_series in this build. */
  dropped: number;
}

/**
 * One source's keys as blocks. `set` records a key's new series (or its
 * removal); `build` rebuilds what changed. At most `maxSeries` series are on
 * the page, keys taken in sorted order, so which series survive the cap is
 * stable from one refresh to the next.
 */
export class SourcePage {
  private readonly keys = new Map<string, KeyEntry>();
  private buckets = 1;
  /** Keys per bucket; sorted when a block of the bucket is built. */
  private members: Set<string>[] = [new Set()];
  private readonly blocks = new Map<string, Block>();
  private readonly headers = new Map<string, Block>();
  private readonly specs = new Map<string, FamilySpec>();
  private readonly dirty = new Set<string>();
  /** Lines allowed for keys the cap cuts (0: left out); absent: all. */
  private allowed = new Map<string, number>();
  private capStale = true;
  private totalChars = 0;
  private totalSeries = 0;
  private last: SourcePageBuild = { blocks: [], series: 0, dropped: 0 };

  constructor(private readonly maxSeries: number) {}

  get changed(): boolean {
    return this.dirty.size > 0 || this.capStale;
  }

  /** A key's series after a refresh, or undefined when the key left. */
  set(key: string, rendered: RenderedSeries | undefined): void {
    const old = this.keys.get(key);
    if (old) {
      this.markDirty(old.bucket, old.rendered.families);
      this.totalChars -= charsOf(old.rendered);
      this.totalSeries -= old.rendered.series;
    }
    if (!rendered) {
      if (old) {
        this.keys.delete(key);
        this.members[old.bucket]!.delete(key);
        this.capStale = true;
      }
      return;
    }
    const bucket = hashKey(key) % this.buckets;
    this.keys.set(key, { rendered, bucket });
    if (!old) this.members[bucket]!.add(key);
    this.markDirty(bucket, rendered.families);
    this.totalChars += charsOf(rendered);
    this.totalSeries += rendered.series;
    if (rendered.series !== old?.rendered.series) this.capStale = true;
  }

  private markDirty(bucket: number, families: readonly RenderedFamily[]): void {
    for (const f of families) {
      this.specs.set(f.spec.name, f.spec);
      this.dirty.add(blockId(f.spec.name, bucket));
    }
  }

  /** Rebuilds what changed, yielding to the event loop every few milliseconds. */
  async build(): Promise<SourcePageBuild> {
    const slices = new TimeSlices();
    while (this.step()) if (slices.due()) await slices.yieldNow();
    return this.last;
  }

  /** The same, at once (tests, and a scrape's synchronous view). */
  buildNow(): SourcePageBuild {
    while (this.step());
    return this.last;
  }

  /** Rebuilds one block; false when nothing is left. Builds started by either method share the steps. */
  private step(): boolean {
    if (!this.steps) {
      if (!this.changed) return false;
      this.steps = this.rebuild();
    }
    if (this.steps.next().done) this.steps = undefined;
    return true;
  }

  private steps: Generator<void, void> | undefined;

  /** One step per block rebuilt. A key set meanwhile marks its blocks again: they are rebuilt in this pass or the next. */
  private *rebuild(): Generator<void, void> {
    this.resizeBuckets();
    const dropped = this.applyCap();
    for (const id of this.dirty) {
      this.dirty.delete(id);
      const [family, bucketText] = splitBlockId(id);
      const pieces: string[] = [];
      let series = 0;
      for (const key of [...this.members[Number(bucketText)]!].sort()) {
        const piece = this.pieceOf(key, family);
        if (piece) {
          pieces.push(piece.text);
          series += piece.series;
        }
      }
      if (pieces.length === 0) this.blocks.delete(id);
      else this.blocks.set(id, new Block(pieces, series));
      yield;
    }
    this.last = { blocks: this.ordered(), series: this.totalSeries - dropped, dropped };
  }

  /** A key's lines of one family, as far as the cap allows. */
  private pieceOf(key: string, family: string): { text: string; series: number } | undefined {
    const { rendered } = this.keys.get(key)!;
    const limit = this.allowed.get(key);
    let before = 0;
    for (const f of rendered.families) {
      if (f.spec.name === family) {
        if (limit === undefined || before + f.series <= limit) return f;
        const keep = Math.max(0, limit - before);
        if (keep === 0) return undefined;
        let end = 0;
        for (let n = 0; n < keep; n++) end = f.text.indexOf('\n', end) + 1;
        return { text: f.text.slice(0, end), series: keep };
      }
      before += f.series;
    }
    return undefined;
  }

  /** Keys in sorted order keep their series until maxSeries is reached; returns how many series are left out. */
  private applyCap(): number {
    if (!this.capStale) return Math.max(0, this.totalSeries - this.maxSeries);
    this.capStale = false;
    const next = new Map<string, number>();
    if (this.totalSeries > this.maxSeries) {
      let budget = this.maxSeries;
      for (const key of [...this.keys.keys()].sort()) {
        const { series } = this.keys.get(key)!.rendered;
        if (series > budget) next.set(key, budget);
        budget = Math.max(0, budget - series);
      }
    }
    for (const key of new Set([...this.allowed.keys(), ...next.keys()])) {
      const entry = this.keys.get(key);
      if (entry && this.allowed.get(key) !== next.get(key)) this.markDirty(entry.bucket, entry.rendered.families);
    }
    this.allowed = next;
    return Math.max(0, this.totalSeries - this.maxSeries);
  }

  /** Picks the number of buckets for blocks of about BLOCK_TARGET_CHARS; a change (by 4× or more) rebuilds every block. */
  private resizeBuckets(): void {
    const families = Math.max(1, this.specs.size);
    const ideal = Math.min(MAX_BUCKETS, 2 ** Math.round(Math.log2(Math.max(1, this.totalChars / families / BLOCK_TARGET_CHARS))));
    if (ideal < this.buckets * 4 && ideal > this.buckets / 4) return;
    this.buckets = ideal;
    this.members = Array.from({ length: ideal }, () => new Set<string>());
    this.blocks.clear();
    this.dirty.clear();
    for (const [key, entry] of this.keys) {
      entry.bucket = hashKey(key) % ideal;
      this.members[entry.bucket]!.add(key);
      this.markDirty(entry.bucket, entry.rendered.families);
    }
  }

  private ordered(): Block[] {
    const byFamily = new Map<string, { bucket: number; block: Block }[]>();
    for (const [id, block] of this.blocks) {
      const [family, bucket] = splitBlockId(id);
      let list = byFamily.get(family);
      if (!list) byFamily.set(family, (list = []));
      list.push({ bucket: Number(bucket), block });
    }
    const out: Block[] = [];
    for (const family of [...byFamily.keys()].sort()) {
      out.push(this.headerOf(family));
      for (const { block } of byFamily.get(family)!.sort((a, b) => a.bucket - b.bucket)) out.push(block);
    }
    for (const family of this.headers.keys()) if (!byFamily.has(family)) this.headers.delete(family);
    return out;
  }

  private headerOf(family: string): Block {
    let header = this.headers.get(family);
    if (!header) {
      const spec = this.specs.get(family)!;
      header = new Block([`# HELP ${family} ${escapeHelp(spec.help)}\n# TYPE ${family} ${spec.type}\n`], 0);
      this.headers.set(family, header);
    }
    return header;
  }
}

const charsOf = (r: RenderedSeries) => r.families.reduce((n, f) => n + f.text.length, 0);
// A metric name never holds a space: the id splits at the first one.
const blockId = (family: string, bucket: number) => `${family} ${bucket}`;
const splitBlockId = (id: string): [string, string] => {
  const at = id.indexOf(' ');
  return [id.slice(0, at), id.slice(at + 1)];
};
