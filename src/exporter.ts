// Wires config, sources, scheduler and HTTP server together, and owns their
// lifecycle: listen, warm up, graceful shutdown.
import { once, setMaxListeners } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { SourceCommon } from './schema.js';
import { parseListenAddress } from './listen-address.js';
import { Scheduler, SourceRunner } from './scheduler.js';
import { SecretRegistry } from './secrets.js';
import { SelfMetrics } from './self-metrics.js';
import { createApp } from './server.js';
import { SINGLE_SHARD, type Shard } from './shard.js';
import type { SourceDefinition } from './source.js';
import { Account } from './upstream/account.js';
import { environmentDispatcher, sourceDispatcher, type SourceDispatcher } from './upstream/dispatcher.js';

export interface ExporterOptions {
  config: Config;
  sources: readonly SourceDefinition[];
  logger: Logger;
  version: string;
  scrapeTimeoutOffsetMs: number;
  /** Connections served at once (default 64); more are closed on accept. */
  maxConnections?: number;
  shard?: Shard;
  clock?: Clock;
  dispatcher?: Dispatcher;
  /** Jitter of back-offs and throttle pauses; tests pin it. */
  random?: () => number;
  /** Every credential of the process; give the logger the same one, so run-time credentials are masked there too. */
  secrets?: SecretRegistry;
}

export class Exporter {
  readonly metrics: SelfMetrics;
  readonly secrets: SecretRegistry;
  readonly scheduler: Scheduler;
  readonly app;
  private readonly shutdownSignal = new AbortController();
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  /** Each source's own dispatcher (its proxy_url), by source name; closed with the source. */
  private readonly sourceDispatchers = new Map<string, SourceDispatcher>();
  private server: Server | undefined;

  constructor(private readonly opts: ExporterOptions) {
    const clock = opts.clock ?? systemClock;
    const { config, logger } = opts;
    const shard = opts.shard ?? SINGLE_SHARD;
    this.metrics = new SelfMetrics(opts.version, shard);
    this.secrets = opts.secrets ?? new SecretRegistry();
    // Every queued upstream call listens on this signal: thousands of rooms mean thousands of listeners.
    setMaxListeners(0, this.shutdownSignal.signal);
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? environmentDispatcher(this.secrets);
    const runners: SourceRunner[] = [];
    for (const definition of opts.sources) {
      const sourceConfig = config.sources.get(definition.name);
      if (sourceConfig?.enabled) runners.push(this.runnerFor(definition, sourceConfig, { clock, shard, random: opts.random ?? Math.random }));
    }
    this.scheduler = new Scheduler(runners, clock);
    this.metrics.observe(() => this.scheduler.status());
    this.app = createApp({
      scheduler: this.scheduler,
      metrics: this.metrics,
      logger,
      version: opts.version,
      scrapeTimeoutOffsetMs: opts.scrapeTimeoutOffsetMs,
      maxScrapeWaitMs: config.refresh.max_scrape_wait,
    });
  }

  /** A source, created with its deps, inside the runner that schedules it. */
  private runnerFor(definition: SourceDefinition, sourceConfig: SourceCommon, env: { clock: Clock; shard: Shard; random: () => number }): SourceRunner {
    const { config, logger } = this.opts;
    const { clock, shard, random } = env;
    const { name } = definition;
    const sourceLogger = logger.child({ source: name });
    this.metrics.stateEvicted.inc({ source: name }, 0);
    const secrets = this.secrets;
    const { dispatcher } = this.dispatcherOf(name, sourceConfig);
    const accountDeps = { source: name, clock, shard, metrics: this.metrics, dispatcher, random, mask: (text: string) => secrets.mask(text) };
    return new SourceRunner(
      { name, title: definition.title, refreshIntervalMs: sourceConfig.refresh_interval ?? config.refresh.interval, maxSeries: sourceConfig.max_series },
      {
        clock,
        logger: sourceLogger,
        metrics: this.metrics,
        backoff: { initialMs: config.refresh.backoff_initial, maxMs: config.refresh.backoff_max },
        signal: this.shutdownSignal.signal,
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

  /** A source's dispatcher, made anew and kept for shutdown; code that rebuilds a source closes the one it replaces. */
  private dispatcherOf(name: string, sourceConfig: SourceCommon): SourceDispatcher {
    const own = sourceDispatcher(sourceConfig.proxy_url, this.dispatcher);
    this.sourceDispatchers.set(name, own);
    return own;
  }

  /** Listens on `host:port` (`:port` means every interface) and starts the first refresh. */
  async listen(address: string): Promise<AddressInfo> {
    const { host, port } = parseListenAddress(address);
    const server = host === undefined ? this.app.listen(port) : this.app.listen(port, host);
    server.maxConnections = this.opts.maxConnections ?? 64;
    this.server = server;
    await once(server, 'listening');
    // Warm the cache so the first scrape (and readiness) does not wait for discovery.
    void this.scheduler.collect(0);
    return server.address() as AddressInfo;
  }

  /** Stops accepting, lets in-flight scrapes finish (bounded), aborts upstream calls. */
  async shutdown(): Promise<void> {
    const server = this.server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server?.closeIdleConnections();
    // Aborting upstream calls makes waiting scrapes answer now, with the last good data.
    this.shutdownSignal.abort(new Error('exporter shutting down'));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.opts.config.shutdown_timeout);
    });
    if (await Promise.race([closed.then(() => false), timedOut])) {
      this.opts.logger.warn({ timeout_s: this.opts.config.shutdown_timeout / 1000 }, 'shutdown timeout: closing remaining connections');
      server?.closeAllConnections();
      await closed;
    }
    clearTimeout(timer);
    await Promise.all([...this.sourceDispatchers.values()].map((d) => d.close()));
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}
