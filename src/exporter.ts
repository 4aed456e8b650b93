// Wires config, sources, scheduler and HTTP server together, and owns their
// lifecycle: listen, warm up, graceful shutdown.
import { once, setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import { configFingerprint, type Config, type LoadedConfig } from './config.js';
import { ConfigReloader, type ReloadOutcome } from './reload.js';
import type { SourceCommon } from './schema.js';
import { parseListenAddress } from './listen-address.js';
import { Scheduler, SourceRunner } from './scheduler.js';
import { SecretRegistry } from './secrets.js';
import { SelfMetrics, type SourceRevision } from './self-metrics.js';
import { createApp } from './server.js';
import { SINGLE_SHARD, type Shard } from './shard.js';
import type { SourceDefinition } from './source.js';
import { Account } from './upstream/account.js';
import { createWebServer, type WebServer } from './web-server.js';
import { environmentDispatcher, sourceDispatcher, type SourceDispatcher } from './upstream/dispatcher.js';

export interface ExporterOptions {
  config: Config;
  sources: readonly SourceDefinition[];
  logger: Logger;
  version: string;
  /** The revision and branch of this build, for build_info (default: unknown). */
  build?: SourceRevision;
  scrapeTimeoutOffsetMs: number;
  /** Where metrics are served (default /metrics). */
  telemetryPath?: string;
  /** Connections served at once (default 64); more are closed on accept. */
  maxConnections?: number;
  shard?: Shard;
  clock?: Clock;
  dispatcher?: Dispatcher;
  /** Jitter of back-offs and throttle pauses; tests pin it. */
  random?: () => number;
  /** Every credential of the process; give the logger the same one, so run-time credentials are masked there too. */
  secrets?: SecretRegistry;
  /** Reads and validates the config afresh, for reloads (SIGHUP, POST /-/reload); without it there are none. */
  loadConfig?: () => LoadedConfig | Promise<LoadedConfig>;
  /** --web.config.file: TLS, client certificates, basic auth and response headers (the exporter-toolkit's format). */
  webConfigFile?: string;
}

/** What a reload did to each source, by name. */
export interface ReloadSummary {
  kept: string[];
  rebuilt: string[];
  added: string[];
  removed: string[];
}

/** A source's runner and what it was built from. */
interface RunningSource {
  runner: SourceRunner;
  /** The source's config and the core settings it runs with, secrets included: equal means nothing to rebuild. */
  fingerprint: string;
  /** Aborts this runner's upstream calls: at shutdown, or when a reload replaces or removes it. */
  stop: AbortController;
  /** Its upstream connections (through its proxy_url, if any): closed with it. */
  dispatcher: SourceDispatcher;
}

/** "host:port" (":port" for every interface), or a listening socket inherited by its file descriptor (systemd). */
export type ListenTarget = string | { fd: number };

export class Exporter {
  readonly metrics: SelfMetrics;
  readonly secrets: SecretRegistry;
  readonly scheduler: Scheduler;
  readonly app;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly running = new Map<string, RunningSource>();
  private readonly env: { clock: Clock; shard: Shard; random: () => number };
  private current: Config;
  private readonly servers: WebServer[] = [];
  private readonly reloader: ConfigReloader | undefined;

  constructor(private readonly opts: ExporterOptions) {
    const clock = opts.clock ?? systemClock;
    const { logger } = opts;
    const shard = opts.shard ?? SINGLE_SHARD;
    this.current = opts.config;
    this.metrics = new SelfMetrics(opts.version, shard, opts.build);
    this.metrics.configLastReloadSuccessTimestamp.set(clock.now() / 1000);
    this.secrets = opts.secrets ?? new SecretRegistry();
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? environmentDispatcher(this.secrets);
    this.env = { clock, shard, random: opts.random ?? Math.random };
    this.scheduler = new Scheduler(this.startSources(opts.config).runners, clock);
    this.metrics.observe(() => this.scheduler.status());
    const load = opts.loadConfig;
    this.reloader = load ? new ConfigReloader({ load, exporter: this, logger, clock }) : undefined;
    this.app = createApp({
      scheduler: this.scheduler,
      metrics: this.metrics,
      logger,
      version: opts.version,
      scrapeTimeoutOffsetMs: opts.scrapeTimeoutOffsetMs,
      maxScrapeWaitMs: () => this.current.refresh.max_scrape_wait,
      ...(this.reloader ? { reloadConfig: () => this.reload('POST /-/reload') } : {}),
      telemetryPath: opts.telemetryPath,
      config: () => this.config,
      sources: opts.sources,
      mask: (text) => this.secrets.mask(text),
    });
  }

  /** Loads the config afresh and applies it (see applyConfig); a bad one is refused and changes nothing. */
  reload(trigger: string): Promise<ReloadOutcome> {
    if (!this.reloader) return Promise.resolve({ ok: false, reason: 'this exporter was started without a config to reload' });
    return this.reloader.reload(trigger);
  }

  /** The config serving now. */
  get config(): Config {
    return this.current;
  }

  /**
   * Serves `config` from now on. A source whose config (and the core settings it
   * runs with) did not change keeps its runner and all its state: cached data,
   * cursors, tokens, budget. A changed source is stopped and built afresh, as at
   * a start: its counters restart from its new baseline, so nothing is counted
   * twice. The config must already be valid: nothing here can fail half-way.
   */
  applyConfig(config: Config): ReloadSummary {
    const before = new Map(this.running);
    this.current = config;
    const { runners, summary } = this.startSources(config, before);
    for (const [name, old] of before) {
      if (this.running.get(name) === old) continue;
      old.stop.abort(new Error('source replaced by a config reload'));
      // close() lets the aborted calls settle first; nothing waits for it.
      void old.dispatcher.close();
      if (!this.running.has(name)) {
        summary.removed.push(name);
        this.metrics.forgetSource(name);
      }
    }
    this.scheduler.replaceRunners(runners);
    return summary;
  }

  /** The runners `config` asks for, reusing those of `previous` whose fingerprint is unchanged. */
  private startSources(config: Config, previous = new Map<string, RunningSource>()) {
    const summary: ReloadSummary = { kept: [], rebuilt: [], added: [], removed: [] };
    const runners: SourceRunner[] = [];
    this.running.clear();
    for (const definition of this.opts.sources) {
      const sourceConfig = config.sources.get(definition.name);
      if (!sourceConfig?.enabled) continue;
      const fingerprint = configFingerprint({ source: sourceConfig, refresh: config.refresh });
      const old = previous.get(definition.name);
      let running: RunningSource;
      if (old?.fingerprint === fingerprint) {
        running = old;
        summary.kept.push(definition.name);
      } else {
        const stop = new AbortController();
        // Every queued upstream call listens on this signal: thousands of rooms mean thousands of listeners.
        setMaxListeners(0, stop.signal);
        const dispatcher = sourceDispatcher(sourceConfig.proxy_url, this.dispatcher);
        running = { runner: this.runnerFor(definition, sourceConfig, stop.signal, dispatcher.dispatcher), fingerprint, stop, dispatcher };
        (old ? summary.rebuilt : summary.added).push(definition.name);
      }
      this.running.set(definition.name, running);
      runners.push(running.runner);
    }
    return { runners, summary };
  }

  /** A source, created with its deps, inside the runner that schedules it. */
  private runnerFor(definition: SourceDefinition, sourceConfig: SourceCommon, signal: AbortSignal, dispatcher: Dispatcher): SourceRunner {
    const { logger } = this.opts;
    const config = this.current;
    const { clock, shard, random } = this.env;
    const { name } = definition;
    const sourceLogger = logger.child({ source: name });
    this.metrics.stateEvicted.inc({ source: name }, 0);
    const secrets = this.secrets;
    const accountDeps = { source: name, clock, shard, metrics: this.metrics, dispatcher, random, mask: (text: string) => secrets.mask(text) };
    return new SourceRunner(
      { name, title: definition.title, refreshIntervalMs: sourceConfig.refresh_interval ?? config.refresh.interval, maxSeries: sourceConfig.max_series },
      {
        clock,
        logger: sourceLogger,
        metrics: this.metrics,
        backoff: { initialMs: config.refresh.backoff_initial, maxMs: config.refresh.backoff_max },
        signal,
        mask: (text) => secrets.mask(text),
        random,
      },
      (relistKeys) =>
        definition.create(sourceConfig, {
          clock,
          logger: sourceLogger,
          shard,
          account: (limits) => new Account(limits, accountDeps),
          relistKeys,
          secrets,
          dropPoints: (api, reason, count) => this.metrics.pointsDropped.inc({ source: name, api, reason }, count),
          stateEvicted: (count) => this.metrics.stateEvicted.inc({ source: name }, count),
        }),
    );
  }

  /** Listens on every target and starts the first refresh; returns where each listens (a path for a unix socket). */
  async listen(targets: readonly ListenTarget[]): Promise<(AddressInfo | string)[]> {
    const bound: (AddressInfo | string)[] = [];
    for (const target of targets) {
      const server = createWebServer(this.app, { webConfigFile: this.opts.webConfigFile, logger: this.opts.logger, secrets: this.secrets }).listen(
        typeof target === 'string' ? parseListenAddress(target) : target,
      );
      server.maxConnections = this.opts.maxConnections ?? 64;
      this.servers.push(server);
      await once(server, 'listening');
      bound.push(server.address()!);
    }
    // Warm the cache so the first scrape (and readiness) does not wait for discovery.
    void this.scheduler.collect(0);
    return bound;
  }

  /** Stops accepting, lets in-flight scrapes finish (bounded), aborts upstream calls. */
  async shutdown(): Promise<void> {
    const servers = this.servers;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const server of servers) server.closeIdleConnections();
    // Aborting upstream calls makes waiting scrapes answer now, with the last good data.
    for (const { stop } of this.running.values()) stop.abort(new Error('exporter shutting down'));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.current.shutdown_timeout);
    });
    if (await Promise.race([closed.then(() => false), timedOut])) {
      this.opts.logger.warn({ timeout_s: this.current.shutdown_timeout / 1000 }, 'shutdown timeout: closing remaining connections');
      for (const server of servers) server.closeAllConnections();
      await closed;
    }
    clearTimeout(timer);
    await Promise.all([...this.running.values()].map((r) => r.dispatcher.close()));
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}
