// The per-stream cursor behind wangsu_live_stream_traffic_bytes_total, and the
// latest settled slice of each stream behind the gauges.
//
// Policy (the README's wangsu_cdn section says the same):
// - A slice is counted once: when the first processed window that contains it
//   ends after the stream's cursor. The cursor then moves to that window's end.
// - A later revision of a slice already counted is ignored: the counter keeps
//   the value first read. With delay ≥ 15m (the default) Wangsu has settled
//   every slice we read, so nothing is revised after counting.
// - A process counts only slices ending after its baseline (now − delay at
//   start). Slices ending at or before it may have been counted by the process
//   before a restart, so they are never counted: a restart loses the slices
//   between the old process's last window and the new baseline, never counts
//   one twice.
import { tupleKey } from '../../labels.js';
import type { SlicePoint, StreamSeries } from './client.js';

/** A tuple, not a join: a stream name may hold any character, the separator included. */
const streamId = (domain: string, stream: string) => tupleKey(domain, stream);

/** The slice the gauges show: the end of the window, zero where Wangsu sent nothing. */
interface LatestSlice {
  endMs: number;
  flowHundredths: number;
  bandwidthHundredths: number;
  online: number;
}

export interface StreamState {
  readonly domain: string;
  readonly stream: string;
  /** Every slice ending at or before this has been counted or deliberately skipped. */
  cursorMs: number;
  /** Sum of counted traffic in hundredths of an MB (integers keep the sum exact). */
  countedHundredths: number;
  /** End of the latest slice with a non-zero value; drives expiry. */
  lastNonZeroMs: number;
  /** The batch key that last reported the stream: the one that exports its series. */
  ownerKey: string;
  latest: LatestSlice;
}

export interface WindowResult {
  key: string;
  toMs: number;
  /** The batch's watermark before this window. */
  watermarkMs: number | undefined;
  flow: readonly StreamSeries[] | undefined;
  bandwidth: readonly StreamSeries[] | undefined;
}

export interface LedgerLimits {
  /** Streams kept at most; past it, the stream reported least recently is forgotten. */
  maxStreams: number;
  /** Told how many streams were forgotten to stay within maxStreams. */
  onEvict(count: number): void;
}

/**
 * The streams are kept in the order they were last reported (a Map re-set on
 * each report), so the least recently reported one is the first to evict. A
 * stream evicted and seen again counts from its batch's watermark, as a new
 * stream does: nothing is counted twice.
 */
export class TrafficLedger {
  private readonly streams = new Map<string, StreamState>();

  constructor(
    /** Slices ending at or before this are never counted by this process. */
    readonly baselineMs: number,
    private readonly limits: LedgerLimits = { maxStreams: Infinity, onEvict: () => {} },
  ) {}

  /** Counts the new slices of one processed window; returns the hundredths of MB added. */
  apply(w: WindowResult): number {
    const floorMs = w.watermarkMs ?? this.baselineMs;
    const seen = new Map<string, { domain: string; stream: string; flow: SlicePoint[]; bandwidth: SlicePoint[] }>();
    const entry = (s: StreamSeries) => {
      const id = streamId(s.domain, s.stream);
      let e = seen.get(id);
      if (!e) seen.set(id, (e = { domain: s.domain, stream: s.stream, flow: [], bandwidth: [] }));
      return e;
    };
    for (const s of w.flow ?? []) addOnce(entry(s).flow, s.points);
    for (const s of w.bandwidth ?? []) addOnce(entry(s).bandwidth, s.points);

    let added = 0;
    let evicted = 0;
    for (const [id, e] of seen) {
      let st = this.streams.get(id);
      if (st)
        this.streams.delete(id); // re-set below: now the most recently reported
      else {
        for (const oldest of this.streams.keys()) {
          if (this.streams.size < this.limits.maxStreams) break;
          this.streams.delete(oldest);
          evicted++;
        }
        st = {
          domain: e.domain,
          stream: e.stream,
          cursorMs: floorMs,
          countedHundredths: 0,
          lastNonZeroMs: -Infinity,
          ownerKey: w.key,
          latest: zeroSlice(w.toMs),
        };
      }
      this.streams.set(id, st);
      // The batch saw this stream's zeros up to its watermark too, so a slice there is a revision.
      const cursor = Math.max(st.cursorMs, floorMs);
      for (const p of e.flow) {
        if (p.endMs > cursor && p.endMs <= w.toMs) {
          st.countedHundredths += p.hundredths;
          added += p.hundredths;
        }
      }
      st.cursorMs = Math.max(cursor, w.toMs);
      st.ownerKey = w.key;
      for (const p of [...e.flow, ...e.bandwidth]) if (p.endMs <= w.toMs && p.hundredths > 0) st.lastNonZeroMs = Math.max(st.lastNonZeroMs, p.endMs);
      st.latest = {
        endMs: w.toMs,
        flowHundredths: e.flow.find((p) => p.endMs === w.toMs)?.hundredths ?? 0,
        bandwidthHundredths: e.bandwidth.find((p) => p.endMs === w.toMs)?.hundredths ?? 0,
        online: e.bandwidth.find((p) => p.endMs === w.toMs)?.online ?? e.flow.find((p) => p.endMs === w.toMs)?.online ?? 0,
      };
    }
    if (evicted > 0) this.limits.onEvict(evicted);
    // Streams of this batch that sent nothing: their latest slice is zero.
    for (const st of this.streams.values()) {
      if (st.ownerKey === w.key && !seen.has(streamId(st.domain, st.stream)) && st.latest.endMs < w.toMs) st.latest = zeroSlice(w.toMs);
    }
    return added;
  }

  /** Streams the batch exports: reported by it, with a non-zero slice within `ttlMs` of `toMs`. */
  visible(key: string, toMs: number, ttlMs: number): StreamState[] {
    const out: StreamState[] = [];
    for (const st of this.streams.values()) if (st.ownerKey === key && st.lastNonZeroMs > toMs - ttlMs) out.push(st);
    return out;
  }

  /**
   * Forgets streams whose last non-zero slice ended more than `retainMs`
   * before `targetMs`. Retention must exceed how far back any window can
   * reach (window + catch-up), so a forgotten stream is never counted again.
   */
  prune(targetMs: number, retainMs: number): number {
    let dropped = 0;
    for (const [id, st] of this.streams) {
      if (st.lastNonZeroMs < targetMs - retainMs) {
        this.streams.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  get(domain: string, stream: string): StreamState | undefined {
    return this.streams.get(streamId(domain, stream));
  }
}

const zeroSlice = (endMs: number): LatestSlice => ({ endMs, flowHundredths: 0, bandwidthHundredths: 0, online: 0 });

/** A slice that an answer repeats (the stream listed twice, or the slice twice) is taken once: the first. */
function addOnce(list: SlicePoint[], points: readonly SlicePoint[]): void {
  for (const p of points) if (!list.some((q) => q.endMs === p.endMs)) list.push(p);
}
