// The per-stream cursor behind wangsu_live_stream_traffic_bytes_total, the
// latest settled slice behind the traffic gauge, and the freshest slice behind
// the bandwidth and online gauges.
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

/** The settled slice behind the traffic gauge: the end of the flow window, zero where Wangsu sent nothing. */
interface SettledSlice {
  endMs: number;
  flowHundredths: number;
}

/** The freshest slice behind the bandwidth and online gauges. */
interface FreshSlice {
  endMs: number;
  bandwidthHundredths: number;
  /** Absent when Wangsu gave no onlineUser for the slice. */
  online: number | undefined;
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
  /** Undefined until a settled (flow) window has covered the stream. */
  settled: SettledSlice | undefined;
  /** Undefined until a fresh (bandwidth) window has covered the stream. */
  fresh: FreshSlice | undefined;
}

export interface SettledWindow {
  key: string;
  toMs: number;
  /** The batch's watermark before this window. */
  watermarkMs: number | undefined;
  flow: readonly StreamSeries[];
}

export interface FreshWindow {
  key: string;
  /** End of the fresh window: floor(now − fresh_delay). */
  toMs: number;
  bandwidth: readonly StreamSeries[];
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

  /** Streams kept at most. */
  get maxStreams(): number {
    return this.limits.maxStreams;
  }

  /** Counts the new slices of one settled (flow) window; returns the hundredths of MB added. */
  applySettled(w: SettledWindow): number {
    const floorMs = w.watermarkMs ?? this.baselineMs;
    let added = 0;
    const seen = this.report(w.key, w.flow, floorMs, w.toMs);
    for (const [st, points] of seen) {
      // The batch saw this stream's zeros up to its watermark too, so a slice there is a revision.
      const cursor = Math.max(st.cursorMs, floorMs);
      for (const p of points) {
        if (p.endMs > cursor && p.endMs <= w.toMs) {
          st.countedHundredths += p.hundredths;
          added += p.hundredths;
        }
      }
      st.cursorMs = Math.max(cursor, w.toMs);
      st.settled = { endMs: w.toMs, flowHundredths: points.find((p) => p.endMs === w.toMs)?.hundredths ?? 0 };
    }
    // Streams of this batch that sent nothing: their settled slice is zero.
    for (const st of this.streams.values()) {
      if (st.ownerKey === w.key && !seen.has(st) && (st.settled?.endMs ?? -Infinity) < w.toMs) st.settled = { endMs: w.toMs, flowHundredths: 0 };
    }
    return added;
  }

  /**
   * Takes the freshest slice of one fresh (bandwidth) window. Its edge is the
   * newest slice any stream of the answer has: slices after it are not
   * available yet (late), not zero, so no stream reads 0 for them. A stream
   * without a value at the edge reads 0 there (Wangsu omits zeros). An answer
   * with no slice at all has its edge at the window's end. Returns the edge.
   */
  applyFresh(w: FreshWindow): number {
    let edgeMs = -Infinity;
    for (const s of w.bandwidth) for (const p of s.points) if (p.endMs <= w.toMs && p.endMs > edgeMs) edgeMs = p.endMs;
    if (edgeMs === -Infinity) edgeMs = w.toMs;
    const seen = this.report(w.key, w.bandwidth, this.baselineMs, w.toMs);
    for (const [st, points] of seen) {
      const p = points.find((q) => q.endMs === edgeMs);
      st.fresh = { endMs: edgeMs, bandwidthHundredths: p?.hundredths ?? 0, online: p?.online };
    }
    for (const st of this.streams.values()) {
      if (st.ownerKey === w.key && !seen.has(st) && (st.fresh?.endMs ?? -Infinity) < edgeMs)
        st.fresh = { endMs: edgeMs, bandwidthHundredths: 0, online: undefined };
    }
    return edgeMs;
  }

  /**
   * The streams of one answer, each made the most recently reported (evicting
   * the least recently reported past maxStreams), with its points taken once.
   */
  private report(key: string, series: readonly StreamSeries[], floorMs: number, toMs: number): Map<StreamState, SlicePoint[]> {
    const byId = new Map<string, { domain: string; stream: string; points: SlicePoint[] }>();
    for (const s of series) {
      const id = streamId(s.domain, s.stream);
      let e = byId.get(id);
      if (!e) byId.set(id, (e = { domain: s.domain, stream: s.stream, points: [] }));
      addOnce(e.points, s.points);
    }
    const out = new Map<StreamState, SlicePoint[]>();
    let evicted = 0;
    for (const [id, e] of byId) {
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
          ownerKey: key,
          settled: undefined,
          fresh: undefined,
        };
      }
      this.streams.set(id, st);
      st.ownerKey = key;
      for (const p of e.points) if (p.endMs <= toMs && p.hundredths > 0) st.lastNonZeroMs = Math.max(st.lastNonZeroMs, p.endMs);
      out.set(st, e.points);
    }
    if (evicted > 0) this.limits.onEvict(evicted);
    return out;
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

/** A slice that an answer repeats (the stream listed twice, or the slice twice) is taken once: the first. */
function addOnce(list: SlicePoint[], points: readonly SlicePoint[]): void {
  for (const p of points) if (!list.some((q) => q.endMs === p.endMs)) list.push(p);
}
