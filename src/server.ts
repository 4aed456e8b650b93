// The HTTP surface: landing page, /metrics, health and readiness. /metrics
// serves the cached upstream page (and its cached gzip) followed by the
// exporter's own metrics from prom-client.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Scheduler } from './scheduler.js';
import type { SelfMetrics } from './self-metrics.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface ServerOptions {
  scheduler: Scheduler;
  metrics: SelfMetrics;
  logger: Logger;
  version: string;
  /** Subtracted from Prometheus's scrape timeout so the answer arrives in time. */
  scrapeTimeoutOffsetMs: number;
  /** Upper bound on a scrape's wait for refreshes. */
  maxScrapeWaitMs: number;
}

/** How long a scrape may wait for refreshes: Prometheus's timeout minus the offset, capped. */
export function scrapeWaitMs(header: string | undefined, offsetMs: number, maxMs: number): number {
  const timeout = header === undefined ? NaN : Number.parseFloat(header) * 1000;
  if (!Number.isFinite(timeout) || timeout <= 0) return maxMs;
  return Math.max(0, Math.min(maxMs, timeout - offsetMs));
}

export function createApp(opts: ServerOptions): Express {
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);

  app.get('/', (_req, res) => {
    res.type('html').send(landingPage(opts));
  });

  app.get('/metrics', async (req, res) => {
    const wait = scrapeWaitMs(req.get('X-Prometheus-Scrape-Timeout-Seconds'), opts.scrapeTimeoutOffsetMs, opts.maxScrapeWaitMs);
    const page = await opts.scheduler.collect(wait);
    updateSourceGauges(opts);
    const own = await opts.metrics.registry.metrics();
    res.set('Content-Type', METRICS_CONTENT_TYPE);
    res.set('Vary', 'Accept-Encoding');
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      const body = await page.gzipWith(own);
      res.set('Content-Encoding', 'gzip');
      res.end(body);
    } else {
      res.set('Content-Length', String(page.bytes.length + Buffer.byteLength(own)));
      res.write(page.bytes);
      res.end(own);
    }
  });

  app.get('/-/healthy', (_req, res) => {
    res.type('text').send('Healthy\n');
  });

  app.get('/-/ready', (_req, res) => {
    if (opts.scheduler.ready) {
      res.type('text').send('Ready\n');
      return;
    }
    const waiting = opts.scheduler.runners.filter((r) => !r.ready).map((r) => r.source.name);
    res.status(503).type('text').send(`Not ready: waiting for the first key listing of ${waiting.join(', ')}\n`);
  });

  app.use((req, res) => {
    res.status(404).json({ error: 'not found', path: req.path });
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    opts.logger.error({ err: err.message }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}

function updateSourceGauges(opts: ServerOptions): void {
  for (const r of opts.scheduler.runners) {
    const source = r.source.name;
    opts.metrics.up.set({ source }, r.up ? 1 : 0);
    opts.metrics.dataAge.set({ source }, r.dataAgeSeconds());
  }
}

function landingPage(opts: ServerOptions): string {
  const rows = opts.scheduler.runners
    .map((r) => {
      const s = r.status();
      const about = r.source.describe?.() ?? '';
      return `<tr><td>${esc(r.source.name)}</td><td>${s.up ? 'up' : 'down'}</td><td>${s.keys}</td><td>${s.failing}</td><td>${s.dataAgeSeconds.toFixed(0)} s</td><td>${esc(about)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>rtc-cdn-exporter</title></head>
<body>
<h1>rtc-cdn-exporter ${esc(opts.version)}</h1>
<p>Prometheus exporter for Huawei Cloud SparkRTC call quality and Wangsu live CDN traffic.</p>
<p><a href="/metrics">Metrics</a> · <a href="/-/healthy">Health</a> · <a href="/-/ready">Readiness</a></p>
<table border="1" cellpadding="4">
<tr><th>Source</th><th>State</th><th>Keys</th><th>Failing keys</th><th>Oldest data</th><th>About</th></tr>
${rows || '<tr><td colspan="6">No source is enabled in the config.</td></tr>'}
</table>
</body></html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
