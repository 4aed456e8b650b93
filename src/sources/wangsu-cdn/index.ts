// The Wangsu live-CDN source: keys are request batches of domains; a refresh
// reads the next settled window of its batch, counts new slices once and
// renders each stream's latest slice.
import { Budget, ConcurrencyLimit, Pause, SlidingWindow, type Gate } from '../../budget.js';
import { UpstreamError } from '../../http.js';
import type { RefreshContext, Sample, Source, SourceDeps, SourceModule } from '../../source.js';
import { UniqueSecondGate } from './auth.js';
import { planBatches, type Batch, type DomainPlan } from './batching.js';
import { createSigner, REQUEST_ID_HEADER, WangsuClient, type DataType, type StreamSeries } from './client.js';
import { intervalMs, wangsuConfigSchema, type WangsuConfig } from './config.js';
import { planWindow, TrafficLedger } from './counter.js';
import { classifyWangsu, TOO_MANY_STREAMS_CODE } from './errors.js';
import { streamSamples, wangsuFamilies, type SampleOptions } from './metrics.js';
import { floorToSlice, parseZoneHeader } from './time.js';

export const SOURCE_NAME = 'wangsu_cdn';

export interface WangsuSourceOptions {
  /** Jitter of the throttle pause; tests pin it. */
  random?: () => number;
}

export class WangsuSource implements Source {
  readonly name = SOURCE_NAME;
  readonly refreshIntervalMs: number;
  readonly maxSeries: number;
  readonly ledger: TrafficLedger;
  private readonly client: WangsuClient;
  private readonly sliceMs: number;
  private readonly sampleOptions: SampleOptions;
  private batches = new Map<string, Batch>();
  /** End of each batch's last processed window. */
  private readonly watermarks = new Map<string, number>();
  /** Domains queried whole that Wangsu refused (too many streams): listed and split from now on. */
  private readonly bigDomains = new Set<string>();
  /** A domain was flagged since the last listing: list again at the next scrape, not in key_list_interval. */
  private listingWanted = false;

  constructor(
    private readonly config: WangsuConfig,
    private readonly deps: SourceDeps,
    opts: WangsuSourceOptions = {},
  ) {
    this.refreshIntervalMs = config.refresh_interval ?? deps.defaultRefreshIntervalMs;
    this.maxSeries = config.max_series;
    this.sliceMs = intervalMs(config);
    this.ledger = new TrafficLedger(this.targetMs());
    const flow = config.data_types.includes('flow');
    const bandwidth = config.data_types.includes('bandwidth');
    this.sampleOptions = { families: wangsuFamilies(config.mb_bytes), mbBytes: config.mb_bytes, flow, bandwidth, online: config.online_users };
    this.client = this.buildClient(opts.random ?? Math.random);
  }

  private buildClient(random: () => number): WangsuClient {
    const { config, deps } = this;
    const b = config.budget;
    const { shard } = deps;
    // One account: its window, concurrency, throttle pause and AK/SK seconds are shared by both APIs;
    // with shards, each replica takes its share of the account's limits.
    const accountPause = new Pause();
    const shared: Gate[] = [
      accountPause,
      new SlidingWindow(shard.share(b.account_requests), b.account_window),
      new ConcurrencyLimit(shard.share(b.max_concurrency)),
    ];
    const secondGate = config.auth.mode === 'aksk' ? new UniqueSecondGate() : undefined;
    if (secondGate) shared.push(secondGate);
    const budgetFor = () => new Budget(deps.clock, [...shared, new SlidingWindow(shard.share(b.interface_requests), b.interface_window)]);
    const pauseMs = () => Math.round(b.throttle_pause_min + random() * (b.throttle_pause_max - b.throttle_pause_min));
    const api = (name: string) =>
      deps.upstream({
        api: name,
        budget: budgetFor(),
        timeoutMs: config.request_timeout,
        requestIdHeader: REQUEST_ID_HEADER,
        defaultThrottlePauseMs: b.throttle_pause_min,
        classify: (res) => {
          const failure = classifyWangsu(res, pauseMs);
          // Throttling is per account: the other API's queue pauses too.
          if (failure?.outcome === 'throttled') accountPause.pauseUntil(deps.clock.now() + (failure.retryAfterMs ?? b.throttle_pause_min));
          return failure;
        },
      });
    return new WangsuClient({
      endpoint: config.endpoint,
      zoneOffsetMin: parseZoneHeader(config.time_zone)!,
      sign: createSigner(config.auth, deps.clock, secondGate),
      detailApi: api('stream_detail'),
      streamListApi: api('stream_list'),
    });
  }

  /** Read by the runner at every scrape. */
  get keyListIntervalMs(): number {
    return this.listingWanted ? 0 : this.config.key_list_interval;
  }

  /** End of the latest slice old enough to be settled: floor(now − delay). */
  private targetMs(): number {
    return floorToSlice(this.deps.clock.now() - this.config.delay, this.sliceMs);
  }

  async listKeys(ctx: RefreshContext): Promise<string[]> {
    const c = this.config;
    this.listingWanted = false;
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

  async refresh(key: string, ctx: RefreshContext): Promise<Sample[]> {
    const batch = this.batches.get(key);
    if (!batch) throw new Error(`unknown batch ${key}`);
    const c = this.config;
    const watermarkMs = this.watermarks.get(key);
    const { fromMs, toMs } = planWindow({
      targetMs: this.targetMs(),
      watermarkMs,
      baselineMs: this.ledger.baselineMs,
      windowMs: c.window,
      maxCatchUpMs: c.max_catch_up,
    });
    // No slice has settled since the last window: the answer would be the same, so spend no request.
    if (watermarkMs === undefined || toMs > watermarkMs) {
      const [flow, bandwidth] = await Promise.all([this.fetch(batch, 'flow', fromMs, toMs, ctx), this.fetch(batch, 'bandwidth', fromMs, toMs, ctx)]);
      const added = this.ledger.apply({ key, toMs, watermarkMs, flow, bandwidth });
      this.watermarks.set(key, toMs);
      this.deps.logger.debug({ key, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), counted_hundredths_mb: added }, 'window processed');
    }
    return this.ledger.visible(key, toMs, c.stream_ttl).flatMap((st) => streamSamples(st, this.sampleOptions));
  }

  private async fetch(batch: Batch, dataType: DataType, fromMs: number, toMs: number, ctx: RefreshContext): Promise<StreamSeries[] | undefined> {
    const c = this.config;
    if (!c.data_types.includes(dataType)) return undefined;
    // Online users ride on one request: the bandwidth one when both types are read.
    const online = c.online_users && (dataType === 'bandwidth' || !c.data_types.includes('bandwidth'));
    try {
      return await this.client.detail(
        { fromMs, toMs, groups: batch.groups, keyword: batch.keyword, dataType, dataInterval: c.data_interval, filterEmptyStream: c.filter_empty_stream, online },
        ctx,
      );
    } catch (err) {
      if (err instanceof UpstreamError && err.code === TOO_MANY_STREAMS_CODE) this.flagBigDomains(batch);
      throw err;
    }
  }

  private flagBigDomains(batch: Batch): void {
    const whole = batch.groups.filter((g) => !g.streams).map((g) => g.domain);
    for (const d of whole) this.bigDomains.add(d);
    if (whole.length > 0) this.listingWanted = true;
    if (whole.length > 0) this.deps.logger.warn({ domains: whole }, 'Wangsu refused to query these domains whole (too many streams); they are listed and split at the next key listing');
  }

  describe(): string {
    const c = this.config;
    return `${c.endpoint} (${c.auth.mode}), ${c.domains.length} domains in ${this.batches.size} batches, ${c.data_interval} slices, delay ${c.delay / 60_000}m`;
  }
}

export const wangsuCdnModule: SourceModule<typeof wangsuConfigSchema> = {
  name: SOURCE_NAME,
  configSchema: wangsuConfigSchema,
  create: (config, deps) => new WangsuSource(config, deps),
  startDemo: async (clock) => (await import('./sim/demo.js')).startDemo(clock),
};
