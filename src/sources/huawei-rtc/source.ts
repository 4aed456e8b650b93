// The huawei_rtc source. Three kinds of key share one request budget:
// - an app metric (app, metric, SDK type): one app-wide real-time figure, every app_quality.interval;
// - an app's abnormal events: the exact-once counter, every abnormal_events.interval;
// - a room: per-user quality from qos/details, one request (page) per room.
// The first two are few and periodic and go to the head of the queue (event
// polls first: they find troubled rooms). Rooms share the rest, oldest data
// first, except that a room whose abnormal events repeat, newer than its data,
// goes first (worst rooms first).
import { fromTupleKey, tupleKey, wellFormed } from '../../labels.js';
import { renderSamples } from '../../series-writer.js';
import { gridAnchor, nextGridPoint } from '../../refresh-grid.js';
import type { KeyData, RefreshContext, Source, SourceDeps } from '../../source.js';
import { UpstreamError } from '../../upstream/api.js';
import { AbnormalEventCounter } from './abnormal-events.js';
import { appMetricKey, appSamples, buildAppMetrics, type AppMetric } from './app-metrics.js';
import { HuaweiRtcClient, windowStartMs } from './client.js';
import type { HuaweiRtcConfig } from './config.js';
import { buildMidFamilies, type MidFamily } from './families.js';
import { roomSeries } from './room-quality.js';
import { TroubledRooms } from './troubled-rooms.js';

type App = HuaweiRtcConfig['apps'][number];

const DAY = 86_400_000;
/** Event polls go first: they find the troubled rooms. */
const EVENT_POLLS = Number.NEGATIVE_INFINITY;
/** App metrics are few and periodic: they wait for event polls, never for rooms. */
const APP_METRICS = -Number.MAX_VALUE;
/** The frequent events read covers this much: Huawei's console lags up to 5 minutes. */
const RECENT_EVENTS_MS = 5 * 60_000;

export class HuaweiRtcSource implements Source {
  readonly keyListIntervalMs: number;
  private readonly client: HuaweiRtcClient;
  private readonly families: Map<string, MidFamily>;
  private readonly appMetrics: Map<string, AppMetric>;
  private readonly apps: Map<string, App>;
  private readonly counters = new Map<string, AbnormalEventCounter>();
  private readonly troubled: TroubledRooms;
  /** When the last key listing began: the scrape that asked for it. */
  private listedAt: number | undefined;
  /** Each app's event polls are due on a grid of abnormal_events.interval, from the listing that found them. */
  private readonly eventGridAnchors = new Map<string, number>();
  /** The grid point of each app's last whole-window events read. */
  private readonly wholeWindowReadAt = new Map<string, number>();
  /** The app figures' keys, in the order of their slots. */
  private appMetricKeys: string[] = [];
  /** The slot each app figure was last given. */
  private readonly appSlots = new Map<string, number>();
  /**
   * Per room key, where its next qos/details window may start: its newest
   * usable point less departed_after. A series older than that has left the
   * call for good (the room's newest point only moves forward, and stays in
   * the window), so a shorter window exports exactly what the whole lookback
   * would, for a fraction of the bytes (about 2 of 10 minutes by default).
   */
  private readonly roomWindowStart = new Map<string, number>();

  constructor(
    private readonly cfg: HuaweiRtcConfig,
    private readonly deps: SourceDeps,
  ) {
    // Rooms listed in config never change: re-reading them daily costs nothing.
    this.keyListIntervalMs = cfg.apps.some((a) => !a.rooms) ? cfg.discovery_interval : DAY;
    this.client = new HuaweiRtcClient(cfg, deps);
    this.families = buildMidFamilies(cfg.units);
    this.appMetrics = buildAppMetrics(cfg.units);
    this.apps = new Map(cfg.apps.map((a) => [wellFormed(a.app_id), a]));
    this.troubled = new TroubledRooms(cfg.troubled_room_min_events);
    const startedAt = deps.clock.now();
    for (const appId of this.apps.keys()) {
      this.counters.set(appId, new AbnormalEventCounter(appId, startedAt, (roomId) => this.ownsRoom(appId, roomId)));
    }
  }

  describe(): string {
    const discovered = this.cfg.apps.filter((a) => !a.rooms).length;
    const { app_quality: aq, abnormal_events: ev } = this.cfg;
    const extras = [aq.enabled ? `app quality every ${aq.interval / 1000} s` : '', ev.enabled ? `abnormal events every ${ev.interval / 1000} s` : ''].filter(
      Boolean,
    );
    return `${this.cfg.apps.length} app(s), ${discovered} with room discovery${extras.length ? `, ${extras.join(', ')}` : ''}; budget ${this.cfg.budget.requests} per ${this.cfg.budget.window / 1000} s`;
  }

  async listKeys(ctx: RefreshContext): Promise<string[]> {
    // A set: room ids that differ only in a lone surrogate are one room on the page.
    // Querying by the well-formed id loses nothing: URL query strings already carry U+FFFD for them.
    const listedAt = this.deps.clock.now();
    const keys = new Set<string>();
    const appMetricKeys: string[] = [];
    for (const [appId, app] of this.apps) {
      // App-wide figures are the same on every replica: one replica (by the app's hash) reads them.
      if (this.cfg.app_quality.enabled && this.deps.shard.owns(appId)) {
        for (const m of this.appMetrics.values()) {
          for (const sdkType of m.perSdkType ? this.cfg.app_quality.sdk_types : [undefined]) appMetricKeys.push(appMetricKey(appId, m.metric, sdkType));
        }
      }
      // Every replica polls the events: each counts (and refreshes first) the rooms it owns.
      if (this.cfg.abnormal_events.enabled) keys.add(tupleKey('events', appId));
      const rooms = app.rooms ?? (await this.client.listRunningRooms(app.app_id, ctx));
      for (const room of rooms) {
        const roomId = wellFormed(room);
        if (this.ownsRoom(appId, roomId)) keys.add(tupleKey('room', appId, roomId));
      }
    }
    this.troubled.retain(keys, this.deps.clock.now());
    for (const key of this.roomWindowStart.keys()) if (!keys.has(key)) this.roomWindowStart.delete(key);
    this.appMetricKeys = appMetricKeys;
    this.listedAt = listedAt;
    return [...appMetricKeys, ...keys];
  }

  refresh(key: string, ctx: RefreshContext): Promise<KeyData> {
    const [kind, appId, ...rest] = fromTupleKey(key) as [string, string, ...string[]];
    if (kind === 'room') return this.refreshRoom(key, appId, rest[0]!, ctx);
    if (kind === 'app') return this.refreshAppMetric(appId, rest[0]!, rest[1], ctx);
    return this.refreshEvents(appId, ctx);
  }

  /** Shards hash the join the keys were before they became tuples, so an upgrade moves no room between replicas. */
  private ownsRoom(appId: string, roomId: string): boolean {
    return this.deps.shard.owns(`${appId}\u001f${roomId}`);
  }

  private async refreshRoom(key: string, appId: string, roomId: string, ctx: RefreshContext): Promise<KeyData> {
    const lead = this.cfg.troubled_room_lead;
    const base = typeof ctx.priority === 'function' ? ctx.priority() : ctx.priority;
    // Read at each grant: events counted while this room waits in the queue move it up.
    const priority = () => (this.troubled.isTroubled(key, this.deps.clock.now()) ? base - lead : base);
    const { entries, dropped, usable, truncated, askedAt } = await this.client.qosDetails(
      this.apps.get(appId)!,
      roomId,
      this.families,
      { signal: ctx.signal, priority },
      this.roomWindowStart.get(key),
    );
    if (truncated) {
      this.deps.logger.warn(
        { app_id: appId, room_id: roomId, max_pages: this.cfg.max_pages },
        'room has more qos pages than max_pages; exporting the first pages only',
      );
    }
    const room = { app_id: appId, room_id: roomId };
    this.reportDropped('qos_details', room, dropped, usable);
    const r = roomSeries(room, entries, { families: this.families, departedAfterMs: this.cfg.departed_after, nowMs: this.deps.clock.now() });
    if (r.newestMs !== undefined) this.roomWindowStart.set(key, r.newestMs - this.cfg.departed_after);
    if (r.departed > 0) {
      this.deps.logger.debug({ ...room, series: r.departed, departed_after_ms: this.cfg.departed_after }, 'series of users who left the room are not exported');
    }
    this.troubled.refreshed(key, askedAt);
    return { series: r.series };
  }

  private async refreshAppMetric(appId: string, metric: string, sdkType: string | undefined, ctx: RefreshContext): Promise<KeyData> {
    const m = this.appMetrics.get(metric)!;
    const { interval, window } = this.cfg.app_quality;
    const startedAt = this.deps.clock.now();
    const points = await this.client.realtimePoints(m.api, { app: this.apps.get(appId)!.app_id, metric, sdk_type: sdkType }, window, {
      signal: ctx.signal,
      priority: APP_METRICS,
    });
    const labels: Record<string, string> = sdkType ? { app_id: appId, sdk_type: sdkType } : { app_id: appId };
    const r = appSamples(m, labels, points);
    this.reportDropped(`realtime_${m.api}`, { app_id: appId, metric }, r.dropped, r.samples.length);
    return { series: renderSamples(r.samples), refreshAtMs: this.nextOwnSlot(appMetricKey(appId, metric, sdkType), interval, startedAt) };
  }

  /**
   * An app's figures are read each in its own slot of the interval, not all at
   * once: 18 requests queued together would hold a troubled room behind them
   * for half a minute. A read that began within its slot's step is next due at
   * the following slot, however late in the step a scrape came; the first read
   * (every figure at once), or one after the slots moved or a step went
   * unscraped, at the first slot at least half an interval after it began.
   */
  private nextOwnSlot(key: string, interval: number, startedAt: number): number {
    const keys = this.appMetricKeys;
    const offset = Math.round((Math.max(0, keys.indexOf(key)) * interval) / Math.max(1, keys.length));
    const next = nextGridPoint(offset, interval, startedAt);
    const slot = next - interval === this.appSlots.get(key) ? next : offset + Math.ceil((startedAt + interval / 2 - offset) / interval) * interval;
    this.appSlots.set(key, slot);
    return slot;
  }

  /**
   * Every interval the newest minutes (where trouble shows first, a page or
   * two even in a busy app); every third of the window the whole window, for
   * events that show up late. The counter remembers events for the whole window,
   * so the overlapping reads count each event once.
   */
  private async refreshEvents(appId: string, ctx: RefreshContext): Promise<KeyData> {
    const ev = this.cfg.abnormal_events;
    const now = this.deps.clock.now();
    // Anchored at the scrape that listed the key, not at the first poll, which waits for room discovery.
    if (!this.eventGridAnchors.has(appId)) this.eventGridAnchors.set(appId, gridAnchor(this.listedAt ?? now, ev.interval));
    const nextPoll = nextGridPoint(this.eventGridAnchors.get(appId)!, ev.interval, now);
    // Whole-window reads go by grid points, not the clock: when in its step a scrape came does not move them.
    const gridPoint = nextPoll - ev.interval;
    const whole = gridPoint - (this.wholeWindowReadAt.get(appId) ?? -Infinity) >= ev.window / 3;
    const counter = this.counters.get(appId)!;
    const forgetBefore = windowStartMs(now, ev.window);
    const answer = await this.client.abnormalEvents(
      this.apps.get(appId)!.app_id,
      { windowMs: whole ? ev.window : Math.min(ev.window, RECENT_EVENTS_MS), pageSize: ev.page_size, maxPages: ev.max_pages },
      { signal: ctx.signal, priority: EVENT_POLLS },
      (events) => {
        const counted = counter.count(events, forgetBefore);
        for (const [reason, n] of counted.dropped) this.deps.dropPoints('abnormal_events', reason, n);
        const countedAt = this.deps.clock.now();
        for (const [roomId, n] of counted.rooms) this.troubled.add(tupleKey('room', appId, roomId), n, countedAt);
      },
    );
    if (whole) this.wholeWindowReadAt.set(appId, gridPoint);
    if (answer.truncated) {
      const lost = answer.total - answer.read;
      if (lost > 0) this.deps.dropPoints('abnormal_events', 'past_max_pages', lost);
      this.deps.logger.warn(
        { app_id: appId, total: answer.total, read: answer.read, max_pages: ev.max_pages },
        'more abnormal events than max_pages; the rest are not counted',
      );
    }
    return { series: renderSamples(counter.samples()), refreshAtMs: nextPoll };
  }

  /** Counts and logs unusable points; an answer with nothing usable fails the refresh, keeping the last good data. */
  private reportDropped(api: string, where: Record<string, string>, dropped: ReadonlyMap<string, number>, usable: number): void {
    if (dropped.size === 0) return;
    for (const [reason, count] of dropped) this.deps.dropPoints(api, reason, count);
    const reasons = Object.fromEntries(dropped);
    if (usable > 0) {
      this.deps.logger.warn({ ...where, api, dropped: reasons }, 'dropped unusable points; exporting the rest');
      return;
    }
    const err = new UpstreamError({
      outcome: 'invalid_response',
      message: `no usable ${api === 'qos_details' ? 'qos ' : ''}point in the answer (dropped: ${[...dropped].map(([r, n]) => `${n} ${r}`).join(', ')})`,
    });
    err.api = api;
    throw err;
  }
}
