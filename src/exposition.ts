// Prometheus text format (version 0.0.4): escaping, number formatting, and the
// page served from cache on every scrape.
import { crc32Combine, finalPart, GZIP_HEADER, gzipTrailer } from './gzip-member.js';
import type { Block } from './page.js';
import { TimeSlices } from './slices.js';

/** Label value escaping per the text format: backslash, double quote, line feed. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * The page served: every source's blocks, then (per scrape) the exporter's own
 * metrics. Served as a list of buffers written one after the other, never
 * copied into one: gzipped, the blocks' cached deflate streams between a gzip
 * header and a trailer whose CRC is combined from theirs.
 */
export class CachedPage {
  private compressed: { deflated: Buffer[]; crc: number; length: number } | undefined;

  constructor(readonly blocks: readonly Block[] = []) {}

  /** The page's text (tests, debugging). */
  get text(): string {
    return this.blocks.map((b) => b.text).join('');
  }

  /** Compresses every block not compressed yet, in time slices (a scrape after it finds all done). */
  async prepare(): Promise<void> {
    const slices = new TimeSlices();
    for (const b of this.blocks) {
      if (b.compressed) continue;
      if (slices.due()) await slices.yieldNow();
      b.deflate();
    }
  }

  /** The uncompressed body: the blocks' bytes, then `tail`. */
  rawWith(tail: string): Buffer[] {
    return [...this.blocks.map((b) => b.raw()), Buffer.from(tail, 'utf8')];
  }

  /** One gzip member: header, the blocks' deflate streams, `tail` compressed now, trailer. */
  gzipWith(tail: string): Buffer[] {
    // Once per page, not per scrape: the blocks' deflate streams and their combined CRC.
    this.compressed ??= this.combine();
    const head = this.compressed;
    const last = finalPart(tail);
    return [GZIP_HEADER, ...head.deflated, last.deflated, gzipTrailer(crc32Combine(head.crc, last.crc, last.length), head.length + last.length)];
  }

  private combine(): { deflated: Buffer[]; crc: number; length: number } {
    const parts = this.blocks.map((b) => b.part());
    let crc = 0;
    let length = 0;
    for (const p of parts) {
      crc = crc32Combine(crc, p.crc, p.length);
      length += p.length;
    }
    return { deflated: parts.map((p) => p.deflated), crc, length };
  }
}
