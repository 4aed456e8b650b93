// The HTML page at /: what this exporter is and how each source is doing.
import type { SourceStatus } from './scheduler.js';

export function landingPage(version: string, sources: readonly SourceStatus[], telemetryPath = '/metrics'): string {
  const rows = sources
    .map(
      (s) =>
        `<tr><td>${esc(s.name)}</td><td>${s.up ? 'up' : 'down'}</td><td>${s.keys}</td><td>${s.failing}</td><td>${s.dataAgeSeconds === undefined ? 'no data yet' : `${s.dataAgeSeconds.toFixed(0)} s`}</td><td>${esc(s.about)}</td></tr>`,
    )
    .join('\n');
  const titles = sources.map((s) => s.title);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>rtc-cdn-exporter</title></head>
<body>
<h1>rtc-cdn-exporter ${esc(version)}</h1>
<p>Prometheus exporter${titles.length ? ` for ${esc(titles.join(', '))}` : ''}.</p>
<p><a href="${esc(telemetryPath)}">Metrics</a> · <a href="/-/healthy">Health</a> · <a href="/-/ready">Readiness</a></p>
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
