// The huawei_rtc source: one key per room, the latest point of every
// (uid, peerid, mid) series of the room, converted to base units.
import { fromTupleKey, tupleKey, wellFormed } from '../../labels.js';
import type { KeyData, RefreshContext, Sample, Source, SourceDeps } from '../../source.js';
import { UpstreamError } from '../../upstream/api.js';
import { HuaweiRtcClient, type QosEntry } from './client.js';
import type { HuaweiRtcConfig } from './config.js';
import { buildMidFamilies, convert, ROOM_LAST_REFRESH, ROOM_LAST_SAMPLE, UNKNOWN_MID_FAMILY, type MidFamily } from './families.js';

type App = HuaweiRtcConfig['apps'][number];

const DAY = 86_400_000;

export class HuaweiRtcSource implements Source {
  readonly keyListIntervalMs: number;
  private readonly client: HuaweiRtcClient;
  private readonly families: Map<string, MidFamily>;
  private readonly apps: Map<string, App>;

  constructor(
    private readonly cfg: HuaweiRtcConfig,
    private readonly deps: SourceDeps,
  ) {
    // Rooms listed in config never change: re-reading them daily costs nothing.
    this.keyListIntervalMs = cfg.apps.some((a) => !a.rooms) ? cfg.discovery_interval : DAY;
    this.client = new HuaweiRtcClient(cfg, deps);
    this.families = buildMidFamilies(cfg.units);
    this.apps = new Map(cfg.apps.map((a) => [wellFormed(a.app_id), a]));
  }

  describe(): string {
    const discovered = this.cfg.apps.filter((a) => !a.rooms).length;
    return `${this.cfg.apps.length} app(s), ${discovered} with room discovery; budget ${this.cfg.budget.requests} per ${this.cfg.budget.window / 1000} s`;
  }

  async listKeys(ctx: RefreshContext): Promise<string[]> {
    // A set: room ids that differ only in a lone surrogate are one room on the page.
    // Querying by the well-formed id loses nothing: URL query strings already carry U+FFFD for them.
    const keys = new Set<string>();
    for (const [appId, app] of this.apps) {
      const rooms = app.rooms ?? (await this.client.listRunningRooms(app.app_id, ctx));
      for (const room of rooms) {
        const roomId = wellFormed(room);
        // Shards hash the join the keys were before they became tuples, so an upgrade moves no room between replicas.
        if (this.deps.shard.owns(`${appId}\u001f${roomId}`)) keys.add(tupleKey(appId, roomId));
      }
    }
    return [...keys];
  }

  async refresh(key: string, ctx: RefreshContext): Promise<KeyData> {
    const [appId, roomId] = fromTupleKey(key) as [string, string];
    const app = this.apps.get(appId)!;
    const { entries, truncated } = await this.client.qosDetails(app, roomId, ctx);
    if (truncated) {
      this.deps.logger.warn(
        { app_id: appId, room_id: roomId, max_pages: this.cfg.max_pages },
        'room has more qos pages than max_pages; exporting the first pages only',
      );
    }
    return { samples: this.toSamples(appId, roomId, entries) };
  }

  /**
   * Latest point per (uid, peerid, mid), converted; plus the room's freshness
   * gauges. Every series carries the key's (app_id, room_id), so two keys never
   * render the same series. A series whose latest point trails the room's newest
   * by more than departed_after has left the call and is not exported: measured
   * against the room, not the clock, so the API's lag never empties a room.
   */
  private toSamples(appId: string, roomId: string, entries: QosEntry[]): Sample[] {
    const latest = new Map<string, { uid: string; peerid: string; mid: string; time: number; value: number }>();
    const dropped = new Map<string, number>();
    const drop = (reason: string) => dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
    let usable = 0;
    let newest = 0;
    for (const entry of entries) {
      const uid = wellFormed(entry.uid);
      const peerid = wellFormed(entry.peerid);
      const mid = wellFormed(entry.mid);
      const id = tupleKey(uid, peerid, mid);
      if (!entry.data) {
        drop('no_points');
        continue;
      }
      const known = this.families.get(mid);
      for (const point of entry.data) {
        if (point.value === null) continue; // a gap in the series, not an error
        const time = Date.parse(point.time);
        if (!Number.isFinite(time)) drop('bad_time');
        else if (!Number.isFinite(point.value)) drop('not_finite');
        else if (known && (point.value < 0 || convert(point.value, known.factor) > known.max)) drop('out_of_range');
        else {
          usable++;
          if (time > newest) newest = time;
          const seen = latest.get(id);
          if (!seen || time > seen.time) latest.set(id, { uid, peerid, mid, time, value: point.value });
        }
      }
    }
    if (dropped.size > 0) this.reportDropped(appId, roomId, dropped, usable);
    const samples: Sample[] = [];
    const departedBefore = newest - this.cfg.departed_after;
    let departed = 0;
    for (const { uid, peerid, mid, time, value } of latest.values()) {
      if (time < departedBefore) {
        departed++;
        continue;
      }
      const labels = { app_id: appId, room_id: roomId, uid, peerid };
      const known = this.families.get(mid);
      if (known) samples.push({ family: known.spec, labels, value: convert(value, known.factor) });
      else samples.push({ family: UNKNOWN_MID_FAMILY, labels: { ...labels, mid }, value });
    }
    if (departed > 0) {
      this.deps.logger.debug(
        { app_id: appId, room_id: roomId, series: departed, departed_after_ms: this.cfg.departed_after },
        'series of users who left the room are not exported',
      );
    }
    const room = { app_id: appId, room_id: roomId };
    if (newest > 0) samples.push({ family: ROOM_LAST_SAMPLE, labels: room, value: newest / 1000 });
    samples.push({ family: ROOM_LAST_REFRESH, labels: room, value: this.deps.clock.now() / 1000 });
    return samples;
  }

  /** Counts and logs unusable points; an answer with nothing usable fails the refresh, keeping the last good data. */
  private reportDropped(appId: string, roomId: string, dropped: ReadonlyMap<string, number>, usable: number): void {
    for (const [reason, count] of dropped) this.deps.dropPoints('qos_details', reason, count);
    const reasons = Object.fromEntries(dropped);
    if (usable > 0) {
      this.deps.logger.warn({ app_id: appId, room_id: roomId, dropped: reasons }, 'dropped unusable qos points; exporting the rest');
      return;
    }
    const err = new UpstreamError({
      outcome: 'invalid_response',
      message: `no usable qos point in the answer (dropped: ${[...dropped].map(([r, n]) => `${n} ${r}`).join(', ')})`,
    });
    err.api = 'qos_details';
    throw err;
  }
}
