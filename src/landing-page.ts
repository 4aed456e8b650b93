// The HTML page at /: what this exporter is, where its endpoints are, and how
// each source is doing, down to why its failing keys fail. Laid out after the
// Prometheus exporter-toolkit's landing page: one inline stylesheet, no script,
// no external asset. Links are relative, so the page works behind a reverse
// proxy that serves the exporter under a path prefix (…/exporters/rtc/).
import { formatDuration } from './duration.js';
import type { KeyError, SourceStatus } from './scheduler.js';

export interface LandingPageInput {
  version: string;
  sources: readonly SourceStatus[];
  /** Where /metrics is served (--web.telemetry-path). */
  metricsPath: string;
}

const STYLE = `
body { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; margin: 0; color: #1f2328; line-height: 1.4; }
header { background-color: #e6522c; color: #fff; padding: 1rem; }
header h1 { margin: 0; font-size: 1.6rem; font-weight: 600; }
main { padding: 0 1rem 1rem; max-width: 80rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
a { color: #0b57d0; }
ul.links { padding-left: 1.2rem; }
ul.links li { margin: .2rem 0; }
.muted { color: #59636e; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.up { color: #1a7f37; font-weight: 600; }
.down { color: #cf222e; font-weight: 600; }
code, .message { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; }
.message { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 48rem; }
`;

export function landingPage({ version, sources, metricsPath }: LandingPageInput): string {
  const titles = sources.map((s) => s.title);
  const links = [
    [relativeLink(metricsPath), 'Metrics', 'what Prometheus scrapes'],
    ['-/healthy', 'Health', 'the process is serving'],
    ['-/ready', 'Readiness', 'every source has listed its keys once'],
    ['config', 'Configuration', 'the config in force, defaults applied, credentials masked'],
  ]
    .map(([href, text, about]) => `<li><a href="${esc(href!)}">${esc(text!)}</a> <span class="muted">— ${esc(about!)}</span></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rtc-cdn-exporter</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>rtc-cdn-exporter</h1></header>
<main>
<p>Prometheus exporter${titles.length ? ` for ${esc(titles.join(' and '))}` : ''}.</p>
<p>Version: <code>${esc(version)}</code></p>
<ul class="links">
${links}
</ul>
<h2>Sources</h2>
${sources.length ? sourceTable(sources) : '<p>No source is enabled in the config.</p>'}
${sources.map(errorSection).join('\n')}
</main>
</body>
</html>
`;
}

function sourceTable(sources: readonly SourceStatus[]): string {
  const rows = sources.map(
    (s) =>
      `<tr><td><code>${esc(s.name)}</code></td><td class="${s.up ? 'up' : 'down'}">${s.up ? 'up' : 'down'}</td>` +
      `<td class="n">${s.keys}</td><td class="n">${s.withData}</td><td class="n">${s.failing}</td>` +
      `<td>${s.dataAgeSeconds === undefined ? 'no data yet' : `${esc(age(s.dataAgeSeconds))} old`}</td><td>${esc(s.about)}</td></tr>`,
  );
  return `<table>
<tr><th>Source</th><th>State</th><th>Keys</th><th>With data</th><th>Failing</th><th>Oldest data</th><th>About</th></tr>
${rows.join('\n')}
</table>
<p class="muted">A key is what one refresh reads: a room, a batch of domains. Oldest data: the age of the oldest data served.</p>`;
}

/** Why a source is down: its key list's error, then its failing keys' newest errors. */
function errorSection(s: SourceStatus): string {
  const errors = [...(s.keyListError ? [s.keyListError] : []), ...s.keyErrors];
  if (errors.length === 0) return '';
  const shown = s.keyErrors.length < s.failing ? ` (the ${s.keyErrors.length} newest of ${s.failing} failing keys; the log has every failure)` : '';
  const rows = errors.map(
    (e: KeyError) =>
      `<tr><td><code>${esc(e.key)}</code></td><td class="message">${esc(e.message)}</td>` +
      `<td><time datetime="${esc(iso(e.atMs))}">${esc(iso(e.atMs))}</time><br><span class="muted">${esc(age(e.ageSeconds))} ago</span></td>` +
      `<td class="n">${e.failures}</td></tr>`,
  );
  return `<h2>Errors of <code>${esc(s.name)}</code></h2>
<p class="muted">The last error of each failing key${esc(shown)}; a success clears it.</p>
<table>
<tr><th>Key</th><th>Last error</th><th>When</th><th>Failures in a row</th></tr>
${rows.join('\n')}
</table>`;
}

/** `/metrics` as a link relative to the page at `…/`: `metrics`, which stays under any path prefix. */
function relativeLink(path: string): string {
  const rel = path.replace(/^\/+/, '');
  // A first segment with a colon would read as a URL scheme.
  return rel === '' ? './' : /^[^/]*:/.test(rel) ? `./${rel}` : rel;
}

function age(seconds: number): string {
  return formatDuration(Math.max(0, Math.round(seconds)) * 1000);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
