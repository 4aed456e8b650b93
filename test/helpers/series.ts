// Reads rendered series back, for tests that check values rather than text.
import { SeriesWriter, type RenderedSeries } from '../../src/series-writer.js';

export interface ReadSeries {
  name: string;
  /** The labels' text, as rendered: `a="x",b="y"`. */
  labels: string;
  value: number;
}

export function readSeries(r: RenderedSeries): ReadSeries[] {
  const out: ReadSeries[] = [];
  for (const f of r.families) {
    for (const line of f.text.split('\n')) {
      if (!line) continue;
      const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      out.push({ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) });
    }
  }
  return out;
}

/** What `write` writes, read back. */
export function written(write: (out: SeriesWriter) => void): ReadSeries[] {
  const out = new SeriesWriter();
  write(out);
  return readSeries(out.done());
}
