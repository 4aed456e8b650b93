// Abnormal events (slow joins, video and audio freezes with their root cause)
// as an exact-once counter per (type, factor). Events carry no id: an event is
// its whole content, remembered until no later query window can return it.
import { tupleKey, wellFormed } from '../../labels.js';
import type { Sample } from '../../series-writer.js';
import type { FamilySpec } from '../../source.js';
import { PREFIX } from './families.js';

export const ABNORMAL_EVENTS: FamilySpec = {
  name: `${PREFIX}abnormal_events_total`,
  help:
    'Abnormal events of the app seen by /v1/rtc/data/abnormal-events in rooms this exporter owns, by type (abnormal_type) and ' +
    'root cause (abnormal_factor); codes the exporter does not know are kept as code_<n>. Counts events after the process started.',
  type: 'counter',
};

/** abnormal_type codes (documented in the SDK models). */
const TYPES: Readonly<Record<number, string>> = { 1: 'slow_join', 2: 'video_freeze', 3: 'audio_freeze' };

/** abnormal_factor of a slow join. Three server-side codes share a meaning: the code stays in the name. */
const JOIN_FACTORS: Readonly<Record<number, string>> = {
  1: 'connection_failed',
  2: 'room_not_idle',
  3: 'server_error',
  4: 'server_503',
  5: 'auth_failed',
  6: 'auth_retry',
  7: 'clock_sync_failed',
  8: 'url_error',
  9: 'client_internal_error',
  15: 'browser_sdp_error',
  90000004: 'join_signalling_timeout',
  90100008: 'websocket_failed',
  90100009: 'no_msp_config',
  10000001: 'server_reported_10000001',
  31000003: 'server_reported_31000003',
  32000030: 'server_reported_32000030',
};

/** abnormal_factor of a video or audio freeze. */
const FREEZE_FACTORS: Readonly<Record<number, string>> = {
  1: 'system_cpu',
  2: 'app_cpu',
  3: 'audio_uplink_delay',
  4: 'audio_uplink_jitter',
  5: 'video_uplink_delay',
  6: 'video_uplink_jitter',
  7: 'audio_downlink_delay',
  8: 'audio_downlink_jitter',
  9: 'video_downlink_delay',
  10: 'video_downlink_jitter',
  11: 'uplink_audio_loss',
  12: 'uplink_video_loss',
  13: 'downlink_audio_loss',
  14: 'downlink_video_loss',
  15: 'downlink_audio_silent',
  16: 'other',
  17: 'peer_offline',
  18: 'peer_no_stream',
  19: 'peer_no_frame_rate',
  20: 'server_downlink_no_stream',
  21: 'server_downlink_no_frame_rate',
};

const FACTORS: Readonly<Record<number, Readonly<Record<number, string>>>> = { 1: JOIN_FACTORS, 2: FREEZE_FACTORS, 3: FREEZE_FACTORS };

/** Readable label values of a (type, factor) pair; a code the tables do not know is kept as code_<n>. */
export function eventLabels(type: number, factor: number): { type: string; factor: string } {
  return { type: TYPES[type] ?? `code_${type}`, factor: FACTORS[type]?.[factor] ?? `code_${factor}` };
}

/** One event as the API sends it (fields the counter does not use are not read). */
export interface AbnormalEvent {
  readonly time: string;
  readonly uid: string;
  readonly room_id: string;
  readonly stage?: string | undefined;
  readonly location?: string | undefined;
  readonly peer_uid?: string | undefined;
  readonly abnormal_type: number;
  readonly abnormal_factor: number;
}

export interface CountResult {
  /** Events counted by this answer (not seen before). */
  counted: number;
  /** Events counted by this answer, by room id. */
  rooms: Map<string, number>;
  /** Events dropped as unusable, by reason. */
  dropped: Map<string, number>;
}

/**
 * The counter of one app. Every known (type, factor) pair starts at 0, so
 * increase() sees the first event of each; an unknown pair starts at its first event.
 */
export class AbnormalEventCounter {
  private readonly totals = new Map<string, { type: string; factor: string; count: number }>();
  /** Events counted, by content, with their time: kept while a query window can still return them. */
  private readonly seen = new Map<string, number>();

  /**
   * @param baselineMs events before this are never counted: the previous process may have (see README, restarts).
   * @param owns whether this replica counts a room's events (sharding).
   */
  constructor(
    private readonly appId: string,
    private readonly baselineMs: number,
    private readonly owns: (roomId: string) => boolean,
  ) {
    for (const [type, factors] of Object.entries(FACTORS)) for (const factor of Object.keys(factors)) this.total(Number(type), Number(factor));
  }

  /**
   * Counts the events of one answer for the window starting at `windowStartMs`
   * that were not counted before; forgets events older than that window, which
   * no later window (starting later still) can return.
   */
  count(events: readonly AbnormalEvent[], windowStartMs: number): CountResult {
    const result: CountResult = { counted: 0, rooms: new Map(), dropped: new Map() };
    for (const [id, time] of this.seen) if (time < windowStartMs) this.seen.delete(id);
    for (const e of events) {
      const time = Date.parse(e.time);
      if (!Number.isFinite(time)) {
        result.dropped.set('bad_time', (result.dropped.get('bad_time') ?? 0) + 1);
        continue;
      }
      const roomId = wellFormed(e.room_id);
      if (time < this.baselineMs || time < windowStartMs || !this.owns(roomId)) continue;
      const id = tupleKey(e.time, e.uid, roomId, e.stage ?? '', e.location ?? '', e.peer_uid ?? '', String(e.abnormal_type), String(e.abnormal_factor));
      if (this.seen.has(id)) continue;
      this.seen.set(id, time);
      this.total(e.abnormal_type, e.abnormal_factor).count++;
      result.counted++;
      result.rooms.set(roomId, (result.rooms.get(roomId) ?? 0) + 1);
    }
    return result;
  }

  samples(): Sample[] {
    return [...this.totals.values()].map(({ type, factor, count }) => ({
      family: ABNORMAL_EVENTS,
      labels: { app_id: this.appId, type, factor },
      value: count,
    }));
  }

  /** Events remembered for de-duplication (bounded by the window). */
  get remembered(): number {
    return this.seen.size;
  }

  private total(type: number, factor: number) {
    const key = `${type}/${factor}`;
    let t = this.totals.get(key);
    if (!t) this.totals.set(key, (t = { ...eventLabels(type, factor), count: 0 }));
    return t;
  }
}
