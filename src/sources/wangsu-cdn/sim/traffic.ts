// The simulator's traffic: deterministic from a seed, diurnal, with streams
// that start and stop, switchable bandwidth spikes, and recent slices that
// show up 1–5 minutes after they end (partial at first) and are revised until
// they settle 5–15 minutes after they end. All values are kept
// in hundredths (of an MB or a Mbps), as Wangsu prints two decimals.
import { stableHash } from '../../../shard.js';
import { unitMix } from '../../../sim/noise.js';

export interface SimDomain {
  domain: string;
  streams: string[];
  /**
   * Churn: instead of (besides) `streams`, `perMinute` new streams start every
   * minute, named `c<minute>-<i>` (minute: Unix minutes), each live and watched
   * for `lifetimeMinutes` from its start. They are generated from the asked
   * time window, never kept: the model's memory does not grow with them.
   */
  churn?: ChurnOptions | undefined;
}

export interface ChurnOptions {
  perMinute: number;
  lifetimeMinutes: number;
  /** No churned stream starts before this (default: they always have). */
  startMs?: number | undefined;
}

export interface Spike {
  domain?: string | undefined;
  stream?: string | undefined;
  /** Bandwidth multiplier while the spike lasts. */
  factor: number;
  /** Slices ending after fromMs and at or before toMs are spiked. */
  fromMs: number;
  toMs: number;
}

export interface TrafficModelOptions {
  seed: number;
  domains: SimDomain[];
  /** Share of 30-minute blocks in which a stream is live (the first stream of each domain always is). */
  liveRatio?: number;
  /** Share of streams with viewers; the others publish (and are listed) but deliver no traffic. */
  watchedRatio?: number;
  /** Bytes in the MB the simulator reports. */
  mbBytes?: number;
  /**
   * A slice becomes visible between these two delays after it ends (drawn per
   * domain and minute: Wangsu's log pipeline is late for all of a domain's streams at once).
   */
  availableMinMs?: number;
  availableMaxMs?: number;
  settleMinMs?: number;
  settleMaxMs?: number;
}

const MINUTE = 60_000;
const BLOCK = 30 * MINUTE;
const CHURN_NAME = /^c(\d+)-(\d+)$/;

export interface MinuteValues {
  flow: number;
  bandwidth: number;
  online: number;
}

export class TrafficModel {
  readonly domains: SimDomain[];
  readonly mbBytes: number;
  private readonly availableMinMs: number;
  private readonly availableMaxMs: number;
  private readonly settleMinMs: number;
  private readonly settleMaxMs: number;
  private readonly liveRatio: number;
  private readonly watchedRatio: number;
  private readonly seeds = new Map<string, number>();
  private readonly spikes: Spike[] = [];
  private readonly alwaysLive: Set<string>;
  private readonly churn = new Map<string, ChurnOptions>();
  private lastChurnStart: { domain: string; stream: string; start: number | undefined } = { domain: '', stream: '', start: undefined };

  constructor(private readonly opts: TrafficModelOptions) {
    this.domains = opts.domains;
    this.mbBytes = opts.mbBytes ?? 1_000_000;
    this.availableMinMs = opts.availableMinMs ?? MINUTE;
    this.availableMaxMs = opts.availableMaxMs ?? 5 * MINUTE;
    this.settleMinMs = opts.settleMinMs ?? 5 * MINUTE;
    this.settleMaxMs = opts.settleMaxMs ?? 15 * MINUTE;
    this.liveRatio = opts.liveRatio ?? 0.75;
    this.watchedRatio = opts.watchedRatio ?? 1;
    this.alwaysLive = new Set(opts.domains.map((d) => `${d.domain}/${d.streams[0]}`));
    for (const d of opts.domains) if (d.churn) this.churn.set(d.domain, d.churn);
  }

  private seedOf(domain: string, stream: string): number {
    // Churned streams are countless and short-lived: their seeds are mixed from numbers, not cached.
    const start = this.churnStart(domain, stream);
    if (start !== undefined) return Math.floor(unitMix(this.domainSeed(domain) ^ start, Number(stream.slice(stream.indexOf('-') + 1))) * 0x1_0000_0000);
    return this.listedSeed(`${domain}/${stream}`);
  }

  private listedSeed(id: string): number {
    let s = this.seeds.get(id);
    if (s === undefined) this.seeds.set(id, (s = stableHash(`${this.opts.seed}:${id}`)));
    return s;
  }

  addSpike(spike: Spike): void {
    this.spikes.push(spike);
  }

  /** seedOf(domain, ''), without asking whether '' is a churned stream (it never is). */
  private domainSeed(domain: string): number {
    return this.listedSeed(`${domain}/`);
  }

  /** Start minute (Unix minutes) of a churned stream of `domain`; undefined for any other stream. */
  private churnStart(domain: string, stream: string): number | undefined {
    const churn = this.churn.get(domain);
    if (!churn) return undefined;
    // One stream's slices ask many times in a row: its name is parsed once.
    const last = this.lastChurnStart;
    if (last.stream === stream && last.domain === domain) return last.start;
    const m = CHURN_NAME.exec(stream);
    const start = !m || Number(m[2]) >= churn.perMinute || Number(m[1]) < churnFirstMinute(churn) ? undefined : Number(m[1]);
    this.lastChurnStart = { domain, stream, start };
    return start;
  }

  /** Whether the stream is publishing during the minute ending at `endMs`. */
  isLive(domain: string, stream: string, endMs: number): boolean {
    const start = this.churnStart(domain, stream);
    if (start !== undefined) {
      const minute = Math.floor((endMs - 1) / MINUTE);
      return minute >= start && minute < start + this.churn.get(domain)!.lifetimeMinutes;
    }
    if (this.alwaysLive.has(`${domain}/${stream}`)) return true;
    return unitMix(this.seedOf(domain, stream), Math.floor((endMs - 1) / BLOCK)) < this.liveRatio;
  }

  /**
   * True when the stream has no traffic in any minute slice ending in
   * [firstEndMs, lastEndMs] (both on the minute) because it is a churned stream
   * that was not live then: the simulator skips it without computing its
   * slices (a batch of a churning domain lists 2000 streams, most of them over). False otherwise.
   */
  churnedAndOver(domain: string, stream: string, firstEndMs: number, lastEndMs: number): boolean {
    const start = this.churnStart(domain, stream);
    if (start === undefined) return false;
    const lifetime = this.churn.get(domain)!.lifetimeMinutes;
    // The slice ending at endMs is minute floor((endMs − 1) / MINUTE), as in isLive.
    return Math.floor((lastEndMs - 1) / MINUTE) < start || Math.floor((firstEndMs - 1) / MINUTE) >= start + lifetime;
  }

  /** Whether anyone watches the stream (the first stream of each domain always has viewers). */
  isWatched(domain: string, stream: string): boolean {
    if (this.churnStart(domain, stream) !== undefined) return true;
    return this.alwaysLive.has(`${domain}/${stream}`) || unitMix(this.seedOf(domain, stream), -7) < this.watchedRatio;
  }

  /** Final (settled) values of the 1-minute slice ending at `endMs`; zeros when not live or not watched. */
  minute(domain: string, stream: string, endMs: number): MinuteValues {
    if (!this.isWatched(domain, stream) || !this.isLive(domain, stream, endMs)) return { flow: 0, bandwidth: 0, online: 0 };
    const seed = this.seedOf(domain, stream);
    const minute = Math.floor(endMs / MINUTE);
    const base = 0.2 * Math.exp(unitMix(seed, -1) * Math.log(400)); // 0.2–80 Mbps, log-uniform
    const hour = (((endMs / 3_600_000 + 8) % 24) + 24) % 24; // audience in UTC+8
    const diurnal = 0.55 + 0.45 * Math.cos((2 * Math.PI * (hour - 21)) / 24);
    const noise = 0.85 + 0.3 * unitMix(seed, minute);
    let avgMbps = base * diurnal * noise * this.spikeFactor(domain, stream, endMs);
    if (avgMbps < 0.01) avgMbps = 0.01;
    const peakMbps = avgMbps * (1 + 0.2 * unitMix(seed ^ 0x5bd1e995, minute));
    const mb = (avgMbps * 1_000_000 * 60) / 8 / this.mbBytes;
    return { flow: Math.max(1, Math.round(mb * 100)), bandwidth: Math.max(1, Math.round(peakMbps * 100)), online: Math.max(1, Math.round(avgMbps / 1.5)) };
  }

  private spikeFactor(domain: string, stream: string, endMs: number): number {
    let f = 1;
    for (const s of this.spikes) {
      if ((s.domain === undefined || s.domain === domain) && (s.stream === undefined || s.stream === stream) && endMs > s.fromMs && endMs <= s.toMs)
        f *= s.factor;
    }
    return f;
  }

  /** When the minute slice ending at `endMs` stops changing: 5–15 minutes after it ends. */
  settlesAt(domain: string, stream: string, endMs: number): number {
    return (
      endMs +
      this.settleMinMs +
      Math.floor(unitMix(this.seedOf(domain, stream) ^ 0x27d4eb2f, Math.floor(endMs / MINUTE)) * (this.settleMaxMs - this.settleMinMs))
    );
  }

  /** When the minute slice ending at `endMs` first shows for `domain`: 1–5 minutes after it ends. */
  availableAt(domain: string, endMs: number): number {
    const lag = this.availableMinMs + Math.floor(unitMix(this.domainSeed(domain), Math.floor(endMs / MINUTE)) * (this.availableMaxMs - this.availableMinMs));
    return endMs + lag;
  }

  /**
   * The minute slice as Wangsu would report it at `nowMs`: undefined before it
   * is available, a growing share of the final value until it settles.
   */
  reportedMinute(domain: string, stream: string, endMs: number, nowMs: number): MinuteValues | undefined {
    const available = this.availableAt(domain, endMs);
    if (nowMs < available) return undefined;
    const final = this.minute(domain, stream, endMs);
    const settle = Math.max(available, this.settlesAt(domain, stream, endMs));
    if (nowMs >= settle) return final;
    // Late log batches keep arriving: 60% at first, growing towards the final value.
    const share = 0.6 + (0.39 * (nowMs - available)) / Math.max(1, settle - available);
    return { flow: Math.floor(final.flow * share), bandwidth: Math.floor(final.bandwidth * share), online: final.online };
  }

  /** A slice of `sliceMs` (1 or 5 minutes) as reported at `nowMs`: flow summed, bandwidth peak. */
  reportedSlice(domain: string, stream: string, endMs: number, sliceMs: number, nowMs: number): MinuteValues | undefined {
    if (nowMs < this.availableAt(domain, endMs)) return undefined;
    if (!this.isWatched(domain, stream)) return { flow: 0, bandwidth: 0, online: 0 };
    let flow = 0;
    let bandwidth = 0;
    let online = 0;
    for (let t = endMs - sliceMs + MINUTE; t <= endMs; t += MINUTE) {
      const m = this.reportedMinute(domain, stream, t, nowMs);
      if (!m) return undefined;
      flow += m.flow;
      bandwidth = Math.max(bandwidth, m.bandwidth);
      online = m.online;
    }
    return { flow, bandwidth, online };
  }

  /** Streams of `domain` live at some minute ending in (fromMs, toMs] (30-minute resolution; churned streams: exact). */
  activeStreams(domain: string, fromMs: number, toMs: number): string[] {
    const d = this.domains.find((x) => x.domain === domain);
    if (!d) return [];
    if (d.churn) return [...d.streams, ...this.churnedStreams(d.domain, d.churn, fromMs, toMs)];
    const first = Math.floor(fromMs / BLOCK);
    const last = Math.floor((toMs - 1) / BLOCK);
    return d.streams.filter((s) => {
      for (let b = first; b <= last; b++) if (this.isLive(domain, s, b * BLOCK + 1)) return true;
      return false;
    });
  }

  /** How many streams of `domain` a query of (fromMs, toMs] covers: its listed streams, plus the churned ones live then. */
  streamCount(domain: string, fromMs: number, toMs: number): number {
    const d = this.domains.find((x) => x.domain === domain);
    if (!d) return 0;
    if (!d.churn) return d.streams.length;
    const { first, last } = churnStarts(d.churn, fromMs, toMs);
    return d.streams.length + Math.max(0, last - first + 1) * d.churn.perMinute;
  }

  /** Whether `stream` is one of the account's streams of `domain` (a listed one or a churned one). */
  hasStream(domain: string, stream: string): boolean {
    const d = this.domains.find((x) => x.domain === domain);
    return d !== undefined && (this.churnStart(domain, stream) !== undefined || d.streams.includes(stream));
  }

  /** Churned streams live in some minute overlapping (fromMs, toMs], generated from the window. */
  private churnedStreams(domain: string, churn: ChurnOptions, fromMs: number, toMs: number): string[] {
    const { first, last } = churnStarts(churn, fromMs, toMs);
    const out: string[] = [];
    for (let m = first; m <= last; m++) for (let i = 0; i < churn.perMinute; i++) out.push(`c${m}-${i}`);
    return out;
  }

  /**
   * Ground truth: settled traffic per stream (`domain/stream`) in hundredths
   * of an MB, over the minute slices ending in (fromMs, toMs] and settled by `nowMs`.
   */
  settledFlow(fromMs: number, toMs: number, nowMs: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const d of this.domains) {
      // Churned streams are left out: the truth of an unbounded set is not kept.
      for (const s of d.streams) {
        if (!this.isWatched(d.domain, s)) continue;
        let sum = 0;
        for (let t = Math.floor(fromMs / MINUTE) * MINUTE + MINUTE; t <= toMs; t += MINUTE) {
          if (this.settlesAt(d.domain, s, t) <= nowMs) sum += this.minute(d.domain, s, t).flow;
        }
        if (sum > 0) out.set(`${d.domain}/${s}`, sum);
      }
    }
    return out;
  }
}

/** Start minutes of the churned streams live in some minute (k·MINUTE, (k+1)·MINUTE] overlapping (fromMs, toMs]. */
function churnStarts(churn: ChurnOptions, fromMs: number, toMs: number): { first: number; last: number } {
  const firstMinute = Math.floor(fromMs / MINUTE);
  const lastMinute = Math.floor((toMs - 1) / MINUTE);
  return { first: Math.max(churnFirstMinute(churn), firstMinute - churn.lifetimeMinutes + 1), last: lastMinute };
}

const churnFirstMinute = (churn: ChurnOptions) => (churn.startMs === undefined ? -Infinity : Math.ceil(churn.startMs / MINUTE));
