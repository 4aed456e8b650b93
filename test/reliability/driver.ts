// The reliability suite's table driver: one fault kind per row, each run
// against a fresh exporter warmed up with good data. Every row checks the same
// promises: nothing crashes, a scrape answers by its deadline, the failure is
// visible (up 0 and its outcome counted, or the documented counter when the
// design keeps up 1), the last good data stays served with its age, and one
// refresh after the fault clears brings fresh data back.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import type { SourceHarness } from '../../src/sim/drive.js';
import type { FaultServer } from '../../src/sim/fault-server.js';
import type { Outcome } from '../../src/upstream/api.js';

/** Prometheus's scrape timeout (fake clock) and the refresh interval, as the environments configure them. */
export const SCRAPE_TIMEOUT_S = 10;
export const REFRESH_MS = 60_000;
/** Upstream request deadline (real time: undici's sockets run on it). */
export const REQUEST_TIMEOUT = '300ms';
/** The core settings every environment uses: back-off never longer than one refresh. */
export const CORE = { interval: '60s', max_scrape_wait: '10s', backoff_initial: '10s', backoff_max: '60s' };

export interface Env {
  h: SourceHarness;
  fs: FaultServer;
  /** The page once warmed up with good data. */
  good: string;
  close(): Promise<void>;
}

export interface Expect {
  /** What `up` is while the fault lasts. */
  up: boolean;
  /** api_requests_total{outcome} that must rise. */
  outcome?: Outcome;
  /** upstream_points_dropped_total{reason} that must rise. */
  dropped?: string;
  /** series_dropped_total must rise (max_series). */
  seriesDropped?: boolean;
  /** state_evicted_total must rise (per-stream state bounded by max_series). */
  evicted?: boolean;
}

export interface FaultCase<E extends Env = Env> {
  name: string;
  /** Overrides of the source block for this row (e.g. a small max_series). */
  config?: Record<string, unknown>;
  /** Queues the fault; it lasts `times` refreshes (a burst), then clears. */
  inject(env: E): void | Promise<void>;
  /** Ends a fault that does not clear by itself (a closed port). */
  clear?(env: E): void | Promise<void>;
  times?: number;
  expect: Expect;
  /** Extra checks on the page served during the fault. */
  check?(page: string, env: E): void | Promise<void>;
}

async function counter(
  h: SourceHarness,
  metric: 'apiRequests' | 'pointsDropped' | 'seriesDropped' | 'seriesDuplicate' | 'stateEvicted',
  match: Record<string, string>,
): Promise<number> {
  const values = (await h.metrics[metric].get()).values;
  return values.filter((v) => Object.entries(match).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want)).reduce((a, v) => a + v.value, 0);
}

async function gauge(h: SourceHarness, metric: 'dataAge' | 'lastRefreshSuccess' | 'up'): Promise<number> {
  return (await h.metrics[metric].get()).values[0]?.value ?? NaN;
}

/**
 * A scrape as Prometheus sends it: GET /metrics with its timeout header. It
 * must answer by the deadline, on the fake clock and quickly in real time,
 * even while the refresh it started hangs. Then waits for that refresh to end
 * (a hung socket ends on the real request deadline). Returns the page served.
 */
async function scrape(h: SourceHarness, what: string): Promise<string> {
  const refreshed = Promise.all(h.scheduler.runners.map((r) => r.kick()));
  const fakeStart = h.clock.now();
  const realStart = performance.now();
  const res = await h.settle(get(h, SCRAPE_TIMEOUT_S));
  assert.equal(res.status, 200, `${what}: /metrics answered ${res.status}`);
  assert.ok(h.clock.now() - fakeStart <= SCRAPE_TIMEOUT_S * 1_000, `${what}: scrape answered after its deadline (${h.clock.now() - fakeStart} ms)`);
  assert.ok(performance.now() - realStart < 5_000, `${what}: scrape took ${Math.round(performance.now() - realStart)} ms of real time`);
  await h.settle(refreshed);
  assert.ok(performance.now() - realStart < 5_000, `${what}: the refresh took ${Math.round(performance.now() - realStart)} ms of real time`);
  // What the next scrape sees once that refresh has ended (a hung one only ends on its deadline).
  const next = await h.settle(get(h, SCRAPE_TIMEOUT_S));
  assert.equal(next.status, 200);
  return next.text;
}

function get(h: SourceHarness, timeoutS: number) {
  return (
    request(h.exporter.app)
      .get('/metrics')
      .set('X-Prometheus-Scrape-Timeout-Seconds', String(timeoutS))
      // Uncompressed: the page as the sources wrote it (gzip has tests of its own).
      .set('Accept-Encoding', 'identity')
      .then((r) => r)
  );
}

/** The value of an unlabelled-but-for-source self-metric on a served page. */
function selfMetric(page: string, name: string): number {
  const m = new RegExp(`^rtc_cdn_exporter_${name}\\{source="[^"]*"\\} (\\S+)$`, 'm').exec(page);
  return m ? Number(m[1]) : NaN;
}

export async function runCase<E extends Env>(env: E, c: FaultCase<E>): Promise<void> {
  const { h } = env;
  const what = c.name;
  const times = c.times ?? 1;
  const lastOk = await gauge(h, 'lastRefreshSuccess');
  // Data age while all is well: 0 s after a refresh, or the API's own lag (Wangsu: fresh_delay).
  const goodAge = await gauge(h, 'dataAge');
  const before = {
    outcome: c.expect.outcome ? await counter(h, 'apiRequests', { outcome: c.expect.outcome }) : 0,
    dropped: c.expect.dropped ? await counter(h, 'pointsDropped', { reason: c.expect.dropped }) : 0,
    series: await counter(h, 'seriesDropped', {}),
    evicted: await counter(h, 'stateEvicted', {}),
  };
  await c.inject(env);
  let page = '';
  for (let i = 0; i < times; i++) {
    // The key is stale (or its back-off over): this scrape refreshes it into the fault.
    await h.clock.advance(REFRESH_MS);
    page = await scrape(h, what);
    assert.equal(h.runner.status().up, c.expect.up, `${what}: up during the fault (attempt ${i + 1})`);
  }
  if (c.expect.outcome) {
    const rose = (await counter(h, 'apiRequests', { outcome: c.expect.outcome })) - before.outcome;
    assert.ok(rose >= times, `${what}: api_requests_total{outcome="${c.expect.outcome}"} rose by ${rose}, want ≥ ${times}`);
  }
  if (c.expect.dropped)
    assert.ok((await counter(h, 'pointsDropped', { reason: c.expect.dropped })) > before.dropped, `${what}: points_dropped{${c.expect.dropped}}`);
  if (c.expect.seriesDropped) assert.ok((await counter(h, 'seriesDropped', {})) > before.series, `${what}: series_dropped_total`);
  if (c.expect.evicted) assert.ok((await counter(h, 'stateEvicted', {})) > before.evicted, `${what}: state_evicted_total`);
  assert.equal(selfMetric(page, 'up'), c.expect.up ? 1 : 0, `${what}: rtc_cdn_exporter_up on the page`);
  if (!c.expect.up) {
    // The last good data stays, unchanged, with its age showing on the same page.
    assert.ok(
      page.startsWith(env.good) && page.slice(env.good.length).startsWith('# HELP rtc_cdn_exporter_'),
      `${what}: the last good data is not what is served`,
    );
    assert.equal(await gauge(h, 'lastRefreshSuccess'), lastOk, `${what}: last refresh success moved`);
    assert.ok(selfMetric(page, 'data_age_seconds') >= goodAge + REFRESH_MS / 1000, `${what}: data age not visible on the page`);
  }
  await c.check?.(page, env);

  // The fault clears: one refresh later the data is fresh again.
  await c.clear?.(env);
  await h.clock.advance(REFRESH_MS);
  await scrape(h, `${what} (recovery)`);
  assert.equal(h.runner.status().up, true, `${what}: no recovery within one refresh`);
  assert.equal(await gauge(h, 'up'), 1);
  assert.ok((await gauge(h, 'lastRefreshSuccess')) > lastOk, `${what}: no fresh data after recovery`);
  assert.ok((await gauge(h, 'dataAge')) < goodAge + REFRESH_MS / 1000, `${what}: data still old after recovery`);
}

/** Faults of the network and of what sits in front of the vendor: the same rows for every source. */
export const TRANSPORT_FAULTS: FaultCase[] = [
  { name: 'connection refused', inject: ({ fs }) => fs.refuse(), clear: ({ fs }) => fs.accept(), expect: { up: false, outcome: 'network_error' } },
  { name: 'connection reset mid-body', inject: ({ fs }) => fs.faults.push('reset'), expect: { up: false, outcome: 'network_error' } },
  { name: 'no answer (hang)', inject: ({ fs }) => fs.faults.push('hang'), expect: { up: false, outcome: 'timeout' } },
  { name: 'body drips slowly', inject: ({ fs }) => fs.faults.push({ drip: { dripMs: 50 } }), expect: { up: false, outcome: 'timeout' } },
  {
    name: 'HTML with 200',
    inject: ({ fs }) =>
      fs.faults.push({ answer: { status: 200, body: '<!DOCTYPE html><html><body>Login</body></html>', headers: { 'content-type': 'text/html' } } }),
    expect: { up: false, outcome: 'invalid_response' },
  },
  {
    name: 'XML with 200',
    inject: ({ fs }) => fs.faults.push({ answer: { status: 200, body: '<?xml version="1.0"?><response/>', headers: { 'content-type': 'application/xml' } } }),
    expect: { up: false, outcome: 'invalid_response' },
  },
  { name: 'oversize body', inject: ({ fs }) => fs.faults.push({ oversize: { bytes: 65 * 1024 * 1024 } }), expect: { up: false, outcome: 'invalid_response' } },
  {
    name: 'gzip bomb',
    inject: ({ fs }) => fs.faults.push({ gzipBomb: { inflatedBytes: 64 * 1024 * 1024 } }),
    expect: { up: false, outcome: 'invalid_response' },
  },
];

/** One test per row, each on a fresh environment, then the summary line of the fault kinds survived. */
export function faultTable<E extends Env>(source: string, cases: readonly FaultCase<E>[], setup: (config?: Record<string, unknown>) => Promise<E>): void {
  describe(`reliability: ${source}`, () => {
    let survived = 0;
    after(() => console.log(`reliability ${source}: ${survived} fault kinds survived`));
    for (const c of cases) {
      it(c.name, async () => {
        const env = await setup(c.config);
        try {
          await runCase(env, c);
          survived++;
        } finally {
          await env.close();
        }
      });
    }
    it('covers enough fault kinds', () => assert.ok(cases.length >= 14, `${cases.length} kinds`));
  });
}
