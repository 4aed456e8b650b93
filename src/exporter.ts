// Wires config, sources, scheduler and HTTP server together, and owns their
// lifecycle: listen, warm up, graceful shutdown.
import { once, setMaxListeners } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { UpstreamApi } from './http.js';
import { Scheduler, SourceRunner } from './scheduler.js';
import { SelfMetrics } from './self-metrics.js';
import { createApp } from './server.js';
import { SINGLE_SHARD, type Shard } from './shard.js';
import type { SourceModule } from './source.js';

export interface ExporterOptions {
  config: Config;
  modules: readonly SourceModule[];
  logger: Logger;
  version: string;
  scrapeTimeoutOffsetMs: number;
  shard?: Shard;
  clock?: Clock;
  dispatcher?: Dispatcher;
  random?: () => number;
}

export class Exporter {
  readonly metrics: SelfMetrics;
  readonly scheduler: Scheduler;
  readonly app;
  private readonly shutdownSignal = new AbortController();
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private server: Server | undefined;

  constructor(private readonly opts: ExporterOptions) {
    const clock = opts.clock ?? systemClock;
    const { config, logger } = opts;
    const shard = opts.shard ?? SINGLE_SHARD;
    this.metrics = new SelfMetrics(opts.version, shard);
    // Every queued upstream call listens on this signal: thousands of rooms mean thousands of listeners.
    setMaxListeners(0, this.shutdownSignal.signal);
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 30_000 });
    const runners: SourceRunner[] = [];
    for (const module of opts.modules) {
      const sourceConfig = config.sources.get(module.name) as { enabled?: boolean } | undefined;
      if (!sourceConfig || sourceConfig.enabled === false) continue;
      const sourceLogger = logger.child({ source: module.name });
      const source = module.create(sourceConfig, {
        clock,
        logger: sourceLogger,
        defaultRefreshIntervalMs: config.refresh.interval,
        shard,
        upstream: (apiOpts) =>
          new UpstreamApi({ ...apiOpts, source: module.name }, { dispatcher: this.dispatcher, clock, metrics: this.metrics, logger: sourceLogger }),
      });
      runners.push(
        new SourceRunner(source, {
          clock,
          logger: sourceLogger,
          metrics: this.metrics,
          backoff: { initialMs: config.refresh.backoff_initial, maxMs: config.refresh.backoff_max },
          signal: this.shutdownSignal.signal,
          ...(opts.random ? { random: opts.random } : {}),
        }),
      );
    }
    this.scheduler = new Scheduler(runners, clock);
    this.app = createApp({
      scheduler: this.scheduler,
      metrics: this.metrics,
      logger,
      version: opts.version,
      scrapeTimeoutOffsetMs: opts.scrapeTimeoutOffsetMs,
      maxScrapeWaitMs: config.refresh.max_scrape_wait,
    });
  }

  /** Listens on `host:port` (`:port` means every interface) and starts the first refresh. */
  async listen(address: string): Promise<AddressInfo> {
    const { host, port } = parseListenAddress(address);
    const server = host === undefined ? this.app.listen(port) : this.app.listen(port, host);
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
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`--web.listen-address: "${address}" is not host:port; write it like ":10187" or "127.0.0.1:10187"`);
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port };
}
