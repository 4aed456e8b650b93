// Writes one key's series straight to text-format lines, grouped by family:
// the refresh path renders each series once, from the parsed answer, with no
// object per series. Label names are checked once per label set, label values
// escaped (and made well-formed) once per value.
import { escapeLabelValue, formatValue } from './exposition.js';
import { wellFormed } from './labels.js';
import type { FamilySpec } from './source.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkLabelName(name: string): void {
  if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(name)}`);
}

/** A fixed list of label names, checked once; renders values to `name="value",…`. */
export class LabelNames {
  private readonly openers: readonly string[];
  constructor(...names: string[]) {
    names.forEach(checkLabelName);
    this.openers = names.map((n, i) => `${i === 0 ? '' : ','}${n}="`);
  }

  /** The labels' text for these values, one per name, in order. */
  render(...values: string[]): string {
    let text = '';
    for (let i = 0; i < this.openers.length; i++) text += `${this.openers[i]}${escapeLabelValue(wellFormed(values[i]!))}"`;
    return text;
  }
}

/** A series as an object: what small keys (a few series each) build before writing. */
export interface Sample {
  readonly family: FamilySpec;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Renders a few samples (labels checked and escaped per sample). */
export function renderSamples(samples: readonly Sample[]): RenderedSeries {
  const out = new SeriesWriter();
  for (const s of samples) out.sample(s.family, s.labels, s.value);
  return out.done();
}

/** Two rendered label texts as one. */
export function joinLabels(a: string, b: string): string {
  return a && b ? `${a},${b}` : a || b;
}

/** One family's lines of a key. */
export interface RenderedFamily {
  readonly spec: FamilySpec;
  /** Complete lines, each ending in a line feed. */
  readonly text: string;
  readonly series: number;
}

/** What a key refresh renders: its families in the order first written. */
export interface RenderedSeries {
  readonly families: readonly RenderedFamily[];
  readonly series: number;
  /** Series dropped because the key had already written the same name and labels. */
  readonly duplicates: number;
}

/**
 * Collects a key's series. A series (name and labels, as rendered) written
 * twice is kept once and counted: Prometheus rejects a whole page that repeats
 * a series. Invalid names are a source bug: thrown, so the refresh fails loudly.
 */
export class SeriesWriter {
  private readonly families = new Map<FamilySpec, string[]>();
  private readonly seen = new Set<string>();
  private duplicates = 0;

  /** One series; `labels` from LabelNames.render (or joinLabels of several), '' for none. */
  add(family: FamilySpec, labels: string, value: number): void {
    let lines = this.families.get(family);
    if (!lines) {
      if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
      this.families.set(family, (lines = []));
    }
    const series = labels ? `${family.name}{${labels}}` : family.name;
    if (this.seen.has(series)) {
      this.duplicates++;
      return;
    }
    this.seen.add(series);
    lines.push(`${series} ${formatValue(value)}\n`);
  }

  /** One series with its labels as an object, checked here: for the few series of a small key. */
  sample(family: FamilySpec, labels: Readonly<Record<string, string>>, value: number): void {
    let text = '';
    for (const name in labels) {
      checkLabelName(name);
      text += `${text ? ',' : ''}${name}="${escapeLabelValue(wellFormed(labels[name]!))}"`;
    }
    this.add(family, text, value);
  }

  done(): RenderedSeries {
    const families: RenderedFamily[] = [];
    for (const [spec, lines] of this.families) families.push({ spec, text: lines.join(''), series: lines.length });
    return { families, series: this.seen.size, duplicates: this.duplicates };
  }
}
