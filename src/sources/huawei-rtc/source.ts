// The huawei_rtc source: one key per room, the latest point of every
// (uid, peerid, mid) series of the room, converted to base units.
import type { RefreshContext, Sample, Source, SourceDeps } from '../../source.js';
import { HuaweiRtcClient, type QosEntry } from './client.js';
import type { HuaweiRtcConfig } from './config.js';
import { buildMidFamilies, convert, ROOM_LAST_REFRESH, ROOM_LAST_SAMPLE, UNKNOWN_MID_FAMILY, type MidFamily } from './families.js';

type App = HuaweiRtcConfig['apps'][number];

// app ids and room ids never contain control characters.
const SEP = '\u001f';
const keyOf = (appId: string, roomId: string) => `${appId}${SEP}${roomId}`;
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
    this.apps = new Map(cfg.apps.map((a) => [a.app_id, a]));
  }

  describe(): string {
    const discovered = this.cfg.apps.filter((a) => !a.rooms).length;
    return `${this.cfg.apps.length} app(s), ${discovered} with room discovery; budget ${this.cfg.budget.requests} per ${this.cfg.budget.window / 1000} s`;
  }

  async listKeys(ctx: RefreshContext): Promise<string[]> {
    const keys: string[] = [];
    for (const app of this.cfg.apps) {
      const rooms = app.rooms ?? (await this.client.listRunningRooms(app.app_id, ctx));
      for (const room of rooms) {
        const key = keyOf(app.app_id, room);
        if (this.deps.shard.owns(key)) keys.push(key);
      }
    }
    return keys;
  }

  async refresh(key: string, ctx: RefreshContext): Promise<Sample[]> {
    const [appId, roomId] = key.split(SEP) as [string, string];
    const app = this.apps.get(appId)!;
    const { entries, truncated } = await this.client.qosDetails(app, roomId, ctx);
    if (truncated) {
      this.deps.logger.warn(
        { app_id: appId, room_id: roomId, max_pages: this.cfg.max_pages },
        'room has more qos pages than max_pages; exporting the first pages only',
      );
    }
    return this.toSamples(appId, roomId, entries);
  }

  /** Latest point per (uid, peerid, mid), converted; plus the room's freshness gauges. */
  private toSamples(appId: string, roomId: string, entries: QosEntry[]): Sample[] {
    const latest = new Map<string, { entry: QosEntry; time: number; value: number }>();
    for (const entry of entries) {
      for (const point of entry.data ?? []) {
        const time = Date.parse(point.time);
        if (point.value === null || !Number.isFinite(time)) continue;
        const id = `${entry.uid}${SEP}${entry.peerid}${SEP}${entry.mid}`;
        const seen = latest.get(id);
        if (!seen || time > seen.time) latest.set(id, { entry, time, value: point.value });
      }
    }
    const samples: Sample[] = [];
    let newest = 0;
    for (const { entry, time, value } of latest.values()) {
      newest = Math.max(newest, time);
      const labels = { app_id: appId, room_id: roomId, uid: entry.uid, peerid: entry.peerid };
      const known = this.families.get(entry.mid);
      if (known) samples.push({ family: known.spec, labels, value: convert(value, known.factor) });
      else samples.push({ family: UNKNOWN_MID_FAMILY, labels: { ...labels, mid: entry.mid }, value });
    }
    const room = { app_id: appId, room_id: roomId };
    if (newest > 0) samples.push({ family: ROOM_LAST_SAMPLE, labels: room, value: newest / 1000 });
    samples.push({ family: ROOM_LAST_REFRESH, labels: room, value: this.deps.clock.now() / 1000 });
    return samples;
  }
}
