// The exporter's own metrics, kept in a prom-client registry of their own.
// Upstream data is rendered elsewhere (exposition.ts): prom-client is too slow
// for 100k labelled series per refresh.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SourceStatus } from './scheduler.js';
import { SINGLE_SHARD, type Shard } from './shard.js';

const PREFIX = 'rtc_cdn_exporter_';

/** Where the running code came from (build-info.ts). */
export interface SourceRevision {
  revision: string;
  branch: string;
}
const UNKNOWN_REVISION: SourceRevision = { revision: 'unknown', branch: 'unknown' };

export class SelfMetrics {
  readonly registry = new Registry();
  readonly up: Gauge<'source'>;
  readonly refreshDuration: Histogram<'source'>;
  readonly lastRefreshSuccess: Gauge<'source'>;
  readonly dataAge: Gauge<'source'>;
  readonly apiRequests: Counter<'source' | 'api' | 'outcome'>;
  readonly apiRequestDuration: Histogram<'source' | 'api'>;
  readonly apiThrottled: Counter<'source' | 'api'>;
  readonly series: Gauge<'source'>;
  readonly seriesDropped: Counter<'source'>;
  readonly seriesDuplicate: Counter<'source'>;
  readonly pointsDropped: Counter<'source' | 'api' | 'reason'>;
  readonly stateEvicted: Counter<'source'>;
  readonly buildInfo: Gauge<'version' | 'revision' | 'branch' | 'nodejs'>;
  readonly shardInfo: Gauge<'shard' | 'shards'>;
  readonly shards: Gauge;
  readonly configLastReloadSuccessful: Gauge;
  readonly configLastReloadSuccessTimestamp: Gauge;
  private statusOf: () => readonly SourceStatus[] = () => [];

  constructor(version: string, shard: Shard = SINGLE_SHARD, build: SourceRevision = UNKNOWN_REVISION) {
    const registers = [this.registry];
    this.up = new Gauge({
      name: `${PREFIX}up`,
      help: '1 when the last refresh of every key of the source (and its discovery) succeeded, else 0.',
      labelNames: ['source'],
      registers,
      collect: () => {
        // Reset first: a source a reload removed has no sample.
        this.up.reset();
        for (const s of this.statusOf()) this.up.set({ source: s.name }, s.up ? 1 : 0);
      },
    });
    this.refreshDuration = new Histogram({
      name: `${PREFIX}refresh_duration_seconds`,
      help: 'Time taken by one key refresh, including waiting for the request budget.',
      labelNames: ['source'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.lastRefreshSuccess = new Gauge({
      name: `${PREFIX}last_refresh_success_timestamp_seconds`,
      help: 'Unix time of the last successful key refresh of the source.',
      labelNames: ['source'],
      registers,
    });
    this.dataAge = new Gauge({
      name: `${PREFIX}data_age_seconds`,
      help: 'Age of the oldest data the source serves: time since the newest data of its stalest key ends (where the API lags, the end of what it reported, its lag included; otherwise the last successful refresh). Absent while the source has no data.',
      labelNames: ['source'],
      registers,
      collect: () => {
        // Reset first: a source without data has no sample, never a 0.
        this.dataAge.reset();
        for (const s of this.statusOf()) if (s.dataAgeSeconds !== undefined) this.dataAge.set({ source: s.name }, s.dataAgeSeconds);
      },
    });
    this.apiRequests = new Counter({
      name: `${PREFIX}api_requests_total`,
      help: 'Upstream API requests by outcome (success, throttled, auth_error, client_error, server_error, timeout, network_error, invalid_response, aborted).',
      labelNames: ['source', 'api', 'outcome'],
      registers,
    });
    this.apiRequestDuration = new Histogram({
      name: `${PREFIX}api_request_duration_seconds`,
      help: 'Upstream API request latency (time on the wire, not time waiting for the budget).',
      labelNames: ['source', 'api'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.apiThrottled = new Counter({
      name: `${PREFIX}api_throttled_total`,
      help: 'Upstream answers saying the request budget was exceeded; each pauses that API.',
      labelNames: ['source', 'api'],
      registers,
    });
    this.series = new Gauge({
      name: `${PREFIX}series`,
      help: 'Series the source exposes now, after the max_series cap.',
      labelNames: ['source'],
      registers,
    });
    this.seriesDropped = new Counter({
      name: `${PREFIX}series_dropped_total`,
      help: 'Series dropped by the max_series cap, counted each time the exposition is rebuilt.',
      labelNames: ['source'],
      registers,
    });
    this.seriesDuplicate = new Counter({
      name: `${PREFIX}series_duplicate_total`,
      help: 'Samples dropped because their key already rendered the same series (name and labels), counted each time a key is rendered.',
      labelNames: ['source'],
      registers,
    });
    this.pointsDropped = new Counter({
      name: `${PREFIX}upstream_points_dropped_total`,
      help: 'Data points of upstream answers dropped as unusable (reason: bad_time, not_finite, out_of_range, no_points …), never exported.',
      labelNames: ['source', 'api', 'reason'],
      registers,
    });
    this.stateEvicted = new Counter({
      name: `${PREFIX}state_evicted_total`,
      help: 'Per-series state (e.g. a stream traffic cursor) forgotten, least recently reported first, to stay within max_series.',
      labelNames: ['source'],
      registers,
    });
    this.buildInfo = new Gauge({
      name: `${PREFIX}build_info`,
      help: 'Always 1; labels carry the exporter version, the git revision and branch it was built from, and the Node.js version.',
      labelNames: ['version', 'revision', 'branch', 'nodejs'],
      registers,
    });
    this.buildInfo.set({ version, revision: build.revision, branch: build.branch, nodejs: process.version }, 1);
    this.shardInfo = new Gauge({
      name: `${PREFIX}shard_info`,
      help: "Always 1; shard is this replica's index (0-based), shards the number of replicas sharing the work.",
      labelNames: ['shard', 'shards'],
      registers,
    });
    this.shardInfo.set({ shard: String(shard.index), shards: String(shard.count) }, 1);
    // A number, not only a label: a shard that is no target at all (a pod never scheduled) fires
    // no `up == 0`; the shards that do report say how many should (RtcCdnExporterShardMissing).
    this.shards = new Gauge({
      name: `${PREFIX}shards`,
      help: 'Replicas sharing the work (--shard.count); fewer shards reporting this than its value means one is missing.',
      registers,
    });
    this.shards.set(shard.count);
    // Named as Prometheus and Alertmanager name theirs, so the same alert rule fits.
    this.configLastReloadSuccessful = new Gauge({
      name: `${PREFIX}config_last_reload_successful`,
      help: '1 when the last config reload (SIGHUP or POST /-/reload) succeeded or none was asked for, 0 when it was refused (the previous config keeps serving).',
      registers,
    });
    this.configLastReloadSuccessful.set(1);
    this.configLastReloadSuccessTimestamp = new Gauge({
      name: `${PREFIX}config_last_reload_success_timestamp_seconds`,
      help: 'Unix time the config now serving was loaded: at start, then at each successful reload.',
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
    // These three are gauges named like counters, which `promtool check metrics`
    // rejects; nodejs_active_{handles,requests,resources} carry the same data.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(name);
    }
  }

  /** A reload removed the source: its gauges go (its counters stay, as counters of a finished run do). */
  forgetSource(name: string): void {
    this.series.remove({ source: name });
    this.lastRefreshSuccess.remove({ source: name });
  }

  /** Where `up` and `data_age_seconds` are read from at each collection. */
  observe(statusOf: () => readonly SourceStatus[]): void {
    this.statusOf = statusOf;
  }
}
