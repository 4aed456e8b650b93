// The Wangsu live-CDN source: keys are request batches of domains. A refresh
// reads the batch's next settled window of traffic (delay: counted once,
// exactly) and its freshest window of bandwidth and online users
// (fresh_delay), one request each, and renders each stream from both.
import { accountLimits } from '../../schema.js';
import { SeriesWriter } from '../../series-writer.js';
import { TimeSlices } from '../../slices.js';
import type { KeyData, RefreshContext, Source, SourceConfig, SourceDeps } from '../../source.js';
import { UpstreamError } from '../../upstream/api.js';
import { UniqueSecondGate } from './auth.js';
import { batchCovers, planBatches, type Batch, type DomainPlan } from './batching.js';
import { createSigner, WangsuClient, type DataType, type StreamSeries } from './client.js';
import { intervalMs, type WangsuConfig } from './config.js';
import { TOO_MANY_STREAMS_CODE, WANGSU_ERRORS } from './errors.js';
import { seriesPerStream, wangsuFamilies, writeStream, type SampleOptions } from './families.js';
import { TrafficLedger, type StreamState } from './ledger.js';
import { floorToSlice, parseZoneHeader } from './time.js';
import { planWindow } from './window.js';

export class WangsuSource implements Source {
  readonly ledger: TrafficLedger;
  private readonly client: WangsuClient;
  private readonly sliceMs: number;
  private readonly sampleOptions: SampleOptions;
  private batches = new Map<string, Batch>();
  /** End of each batch's last processed settled (flow) window. */
  private readonly watermarks = new Map<string, number>();
  /** End of each batch's last fresh (bandwidth) window, and the newest slice it had. */
  private readonly freshMarks = new Map<string, { toMs: number; edgeMs: number }>();
  /** Domains queried whole that Wangsu refused (too many streams): listed and split from now on. */
  private readonly bigDomains = new Set<string>();

  constructor(
    private readonly config: SourceConfig<WangsuConfig>,
    private readonly deps: SourceDeps,
  ) {
    this.sliceMs = intervalMs(config);
    const flow = config.data_types.includes('flow');
    const bandwidth = config.data_types.includes('bandwidth');
    this.sampleOptions = { families: wangsuFamilies(config.mb_bytes), mbBytes: config.mb_bytes, flow, bandwidth, online: config.online_users };
    // No more streams than max_series can show: under churn, per-stream state stays bounded.
    this.ledger = new TrafficLedger(this.targetMs(), {
      maxStreams: Math.max(1, Math.floor(config.max_series / seriesPerStream(this.sampleOptions))),
      onEvict: (count) => deps.stateEvicted(count),
    });
    this.client = this.buildClient();
  }

  private buildClient(): WangsuClient {
    const { config, deps } = this;
    // AK/SK timestamps must be unique per second: one more gate for every API of the account.
    const secondGate = config.auth.mode === 'aksk' ? new UniqueSecondGate() : undefined;
    const account = deps.account({ ...accountLimits(config.budget), gates: secondGate ? [secondGate] : [] });
    const api = (name: string) => account.api({ name, vendor: WANGSU_ERRORS, timeoutMs: config.request_timeout });
    return new WangsuClient({
      endpoint: config.endpoint,
      zoneOffsetMin: parseZoneHeader(config.time_zone)!,
      sign: createSigner(config.auth, deps.clock, secondGate, deps.secrets),
      detailApi: api('stream_detail'),
      streamListApi: api('stream_list'),
      onDropped: (reasons) => {
        for (const [reason, count] of reasons) deps.dropPoints('stream_detail', reason, count);
        deps.logger.warn({ dropped: Object.fromEntries(reasons) }, 'dropped Wangsu slices that cannot be right; the rest is used');
      },
    });
  }

  get keyListIntervalMs(): number {
    return this.config.key_list_interval;
  }

  /** End of the latest slice old enough to be settled: floor(now − delay). */
  private targetMs(): number {
    return floorToSlice(this.deps.clock.now() - this.config.delay, this.sliceMs);
  }

  /** End of the freshest slice asked for: floor(now − fresh_delay). */
  private freshTargetMs(): number {
    return floorToSlice(this.deps.clock.now() - this.config.fresh_delay, this.sliceMs);
  }

  async listKeys(ctx: RefreshContext): Promise<string[]> {
    const c = this.config;
    this.ledger.prune(this.targetMs(), Math.max(c.stream_ttl, c.window + c.max_catch_up) + this.sliceMs);
    const plans: DomainPlan[] = [];
    for (const d of c.domains) {
      if (!this.deps.shard.owns(d.domain)) continue;
      let streams = d.streams;
      if (!streams && this.bigDomains.has(d.domain)) {
        const now = this.deps.clock.now();
        const listed = await this.client.streamList(d.domain, now - c.stream_list_lookback, now, ctx);
        if (listed.length > c.max_streams_per_domain) streams = listed;
        else this.bigDomains.delete(d.domain);
        this.deps.logger.info({ domain: d.domain, streams: listed.length, split: streams !== undefined }, 'listed the streams of a big domain');
      }
      plans.push({ domain: d.domain, keyword: d.keyword, streams });
    }
    const next = new Map(planBatches(plans, { maxGroups: c.max_groups_per_request, maxStreams: c.max_streams_per_domain }).map((b) => [b.key, b]));
    this.carryWatermarks(next);
    this.batches = next;
    return [...next.keys()];
  }

  /**
   * A batch that is new because its domains were re-split starts where the
   * old batches of its domains stopped, not from the process baseline: that
   * would re-read up to max_catch_up of windows for nothing.
   */
  private carryWatermarks(next: Map<string, Batch>): void {
    const byDomain = new Map<string, number>();
    for (const [key, batch] of this.batches) {
      const w = this.watermarks.get(key);
      if (w === undefined) continue;
      for (const g of batch.groups) byDomain.set(g.domain, Math.min(byDomain.get(g.domain) ?? Infinity, w));
    }
    for (const [key, batch] of next) {
      if (this.watermarks.has(key)) continue;
      const inherited = batch.groups.map((g) => byDomain.get(g.domain));
      if (inherited.every((w): w is number => w !== undefined)) this.watermarks.set(key, Math.min(...inherited));
    }
    for (const key of this.watermarks.keys()) if (!next.has(key)) this.watermarks.delete(key);
  }

  async refresh(key: string, ctx: RefreshContext): Promise<KeyData> {
    const batch = this.batches.get(key);
    if (!batch) throw new Error(`unknown batch ${key}`);
    const c = this.config;
    const { flow: readFlow, bandwidth: readBandwidth } = this.sampleOptions;
    const watermarkMs = this.watermarks.get(key);
    const settled = planWindow({
      targetMs: this.targetMs(),
      watermarkMs,
      baselineMs: this.ledger.baselineMs,
      windowMs: c.window,
      maxCatchUpMs: c.max_catch_up,
    });
    const freshToMs = this.freshTargetMs();
    const lastFresh = this.freshMarks.get(key);
    // No slice has ended since the last window: the answer would be (nearly) the same, so spend no request.
    const wantSettled = readFlow && (watermarkMs === undefined || settled.toMs > watermarkMs);
    const wantFresh = readBandwidth && (lastFresh === undefined || freshToMs > lastFresh.toMs);
    const [flow, bandwidth] = await Promise.all([
      wantSettled ? this.fetch(batch, 'flow', settled.fromMs, settled.toMs, ctx) : undefined,
      wantFresh ? this.fetch(batch, 'bandwidth', freshToMs - c.window, freshToMs, ctx) : undefined,
    ]);
    if (flow) {
      const added = this.ledger.applySettled({ key, toMs: settled.toMs, watermarkMs, flow });
      this.watermarks.set(key, settled.toMs);
      this.deps.logger.debug(
        { key, from: new Date(settled.fromMs).toISOString(), to: new Date(settled.toMs).toISOString(), counted_hundredths_mb: added },
        'settled window processed',
      );
    }
    if (bandwidth) {
      const edgeMs = this.ledger.applyFresh({ key, toMs: freshToMs, bandwidth });
      this.freshMarks.set(key, { toMs: freshToMs, edgeMs });
      if (edgeMs < freshToMs)
        this.deps.logger.debug({ key, asked_to: new Date(freshToMs).toISOString(), newest: new Date(edgeMs).toISOString() }, 'fresh slices late');
    }
    // The newest slice served, delay included, is what the data age counts from.
    const dataTimeMs = readBandwidth ? (this.freshMarks.get(key)?.edgeMs ?? freshToMs) : (this.watermarks.get(key) ?? settled.toMs);
    const out = new SeriesWriter();
    const slices = new TimeSlices();
    for (const st of this.shareOf(key, this.ledger.visible(key, readBandwidth ? freshToMs : settled.toMs, c.stream_ttl))) {
      if (slices.due()) await slices.yieldNow();
      writeStream(st, this.sampleOptions, out);
    }
    return { series: out.done(), dataTimeMs };
  }

  /**
   * A key's samples stay rendered until its next refresh, even when the
   * ledger has since forgotten its streams for other keys' new ones: under
   * churn, keys would together hold many times max_series. So each key shows
   * at most its share of the streams max_series allows, its most recently
   * reported first; one batch (the usual case) may show them all.
   */
  private shareOf(key: string, visible: StreamState[]): StreamState[] {
    const share = Math.max(1, Math.floor(this.ledger.maxStreams / Math.max(1, this.batches.size)));
    if (visible.length <= share) return visible;
    this.deps.logger.debug({ key, streams: visible.length, shown: share }, "streams over the batch's share of max_series not shown");
    return visible.slice(-share);
  }

  private async fetch(batch: Batch, dataType: DataType, fromMs: number, toMs: number, ctx: RefreshContext): Promise<StreamSeries[]> {
    const c = this.config;
    // Online users ride on the bandwidth request: both describe the freshest slice.
    const online = c.online_users && dataType === 'bandwidth';
    const covers = batchCovers(batch);
    try {
      const series = await this.client.detail(
        {
          fromMs,
          toMs,
          groups: batch.groups,
          keyword: batch.keyword,
          dataType,
          dataInterval: c.data_interval,
          filterEmptyStream: c.filter_empty_stream,
          online,
        },
        ctx,
      );
      // An answer about a stream another batch owns would make two keys export it.
      return this.onlyAsked(dataType, series, covers);
    } catch (err) {
      if (err instanceof UpstreamError && err.code === TOO_MANY_STREAMS_CODE) this.flagBigDomains(batch);
      throw err;
    }
  }

  /** Drops (and logs) series of domains or streams the request did not ask for: they are never exported. */
  private onlyAsked(dataType: DataType, series: StreamSeries[], covers: (domain: string, stream: string) => boolean): StreamSeries[] {
    const asked = series.filter((s) => covers(s.domain, s.stream));
    if (asked.length < series.length) {
      const ignored = series.filter((s) => !covers(s.domain, s.stream));
      this.deps.logger.warn(
        { data_type: dataType, ignored: ignored.length, examples: ignored.slice(0, 3).map((s) => `${s.domain}/${s.stream}`) },
        'Wangsu answered with domains or streams the request did not ask for; ignored',
      );
    }
    return asked;
  }

  private flagBigDomains(batch: Batch): void {
    const whole = batch.groups.filter((g) => !g.streams).map((g) => g.domain);
    if (whole.length === 0) return;
    for (const d of whole) this.bigDomains.add(d);
    this.deps.relistKeys();
    this.deps.logger.warn(
      { domains: whole },
      'Wangsu refused to query these domains whole (too many streams); they are listed and split at the next key listing',
    );
  }

  describe(): string {
    const c = this.config;
    return `${c.endpoint} (${c.auth.mode}), ${c.domains.length} domains in ${this.batches.size} batches, ${c.data_interval} slices, fresh_delay ${c.fresh_delay / 60_000}m, delay ${c.delay / 60_000}m`;
  }
}
