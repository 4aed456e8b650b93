// The HTTP surface, routes only: landing page, /metrics, /config, health, readiness and reload.
// /metrics waits for refreshes (bounded), then writes the cached upstream page
// (and its cached gzip) followed by the exporter's own metrics.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { effectiveConfigYaml } from './config-view.js';
import { landingPage } from './landing-page.js';
import type { ReloadOutcome } from './reload.js';
import type { Scheduler } from './scheduler.js';
import type { SelfMetrics } from './self-metrics.js';
import type { SourceDefinition } from './source.js';

const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface ServerOptions {
  scheduler: Scheduler;
  metrics: SelfMetrics;
  logger: Logger;
  version: string;
  /** Subtracted from Prometheus's scrape timeout so the answer arrives in time. */
  scrapeTimeoutOffsetMs: number;
  /** Upper bound on a scrape's wait for refreshes (read per scrape: a reload may change it). */
  maxScrapeWaitMs: () => number;
  /** Reloads the config (POST /-/reload); absent, the route is not served. */
  reloadConfig?: () => Promise<ReloadOutcome>;
  /** Where metrics are served (--web.telemetry-path); default /metrics. */
  telemetryPath?: string;
  /** The config in force now (a reload may replace it), for /config. */
  config: () => Config;
  /** Whose schemas say which config values are durations. */
  sources: readonly SourceDefinition[];
  /** The secret registry's mask, for what /config prints. */
  mask: (text: string) => string;
}

/** How long a scrape may wait for refreshes: Prometheus's timeout minus the offset, capped. */
export function scrapeWaitMs(header: string | undefined, offsetMs: number, maxMs: number): number {
  const timeout = header === undefined ? NaN : Number.parseFloat(header) * 1000;
  if (!Number.isFinite(timeout) || timeout <= 0) return maxMs;
  return Math.max(0, Math.min(maxMs, timeout - offsetMs));
}

/** As Prometheus: a reload changes state, so only POST and PUT ask for one. */
const RELOAD_METHODS = ['POST', 'PUT'];

export function createApp(opts: ServerOptions): Express {
  const telemetryPath = opts.telemetryPath ?? '/metrics';
  const routes = ['/', telemetryPath, '/config', '/-/healthy', '/-/ready'];
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  // Exact paths only: /Metrics and /metrics/ are not /metrics.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.use((req, res, next) => {
    if (opts.reloadConfig && req.path === '/-/reload') {
      if (RELOAD_METHODS.includes(req.method)) return next();
      res.status(405).set('Allow', RELOAD_METHODS.join(', ')).json({ error: 'method not allowed', method: req.method, path: req.path });
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD' || !routes.includes(req.path)) return next();
    res.status(405).set('Allow', 'GET, HEAD').json({ error: 'method not allowed', method: req.method, path: req.path });
  });

  app.get('/', (_req, res) => {
    res.type('html').send(landingPage({ version: opts.version, sources: opts.scheduler.status(), metricsPath: telemetryPath }));
  });

  // Plain text, as blackbox_exporter's /config: curl-able, diff-able, and nothing a browser interprets.
  app.get('/config', (_req, res) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.type('text').send(effectiveConfigYaml(opts.config(), opts.sources, opts.mask));
  });

  app.get(telemetryPath, async (req, res) => {
    const wait = scrapeWaitMs(req.get('X-Prometheus-Scrape-Timeout-Seconds'), opts.scrapeTimeoutOffsetMs, opts.maxScrapeWaitMs());
    const page = await opts.scheduler.collect(wait);
    const own = await opts.metrics.registry.metrics();
    res.set('Content-Type', METRICS_CONTENT_TYPE);
    res.set('Vary', 'Accept-Encoding');
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    const body = gzip ? page.gzipWith(own) : page.rawWith(own);
    if (gzip) res.set('Content-Encoding', 'gzip');
    res.set('Content-Length', String(body.reduce((n, b) => n + b.length, 0)));
    // The cached parts as they are, in one writev: no copy of the page per scrape.
    res.cork();
    for (const b of body) res.write(b);
    res.uncork();
    res.end();
  });

  app.get('/-/healthy', (_req, res) => {
    res.type('text').send('Healthy\n');
  });

  app.get('/-/ready', (_req, res) => {
    const waiting = opts.scheduler
      .status()
      .filter((s) => !s.ready)
      .map((s) => s.name);
    if (waiting.length === 0) {
      res.type('text').send('Ready\n');
      return;
    }
    res
      .status(503)
      .type('text')
      .send(`Not ready: waiting for the first key listing of ${waiting.join(', ')}\n`);
  });

  const reloadConfig = opts.reloadConfig;
  if (reloadConfig) {
    const reload = async (_req: Request, res: Response) => {
      const outcome = await reloadConfig();
      if (outcome.ok) res.type('text').send('Config reloaded\n');
      else res.status(500).type('text').send(`failed to reload config: ${outcome.reason}\n`);
    };
    app.post('/-/reload', reload);
    app.put('/-/reload', reload);
  }

  app.use((req, res) => {
    res.status(404).json({ error: 'not found', path: req.path });
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    opts.logger.error({ err: err.message }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
