// This exporter, as bench/refresh.ts measures it, in a child process of its
// own: only through its public surfaces (parseConfig, new Exporter, listen,
// GET /metrics), so the bench survives rewrites of its internals.
//
// - `huawei <upstream> <startMs>`: huawei_rtc only, on a ManualClock, budget
//   raised so that it never waits. A full refresh is: the parent says `begin`
//   with advanceMs (past refresh and discovery intervals), then scrapes once,
//   then says `end`; the measure spans the advance, the refresh of every room,
//   the page rebuild and its first gzip. The first refresh (discovery, every
//   room new) is measured from before listen() to the end of the first scrape.
// - `wangsu <upstream>`: wangsu_cdn only, real clock; measured from before
//   listen() to the parent's `end`. Its window is 5 minutes, not the default
//   10: with 10 one-minute slices and online users, the bandwidth answer of
//   100,000 streams is 72 MB, past the exporter's 64 MB body cap.
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../src/config.js';
import { Exporter } from '../src/exporter.js';
import { createLogger } from '../src/logger.js';
import { ManualClock } from '../src/sim/manual-clock.js';
import { sources } from '../src/sources/index.js';
import { PROJECT_ID, APP_ID } from './refresh-huawei-data.js';
import { memoryNow, Meter, serveParent, type FromChild } from './refresh-protocol.js';
import { WANGSU_DOMAIN } from './refresh-wangsu-data.js';

const [mode, upstream, startArg] = process.argv.slice(2) as [string, string, string | undefined];

/** Our config for each mode: only the source under test, limits out of the way. */
function yamlFor(): string {
  // max_scrape_wait as long as the schema allows: a scrape waits for the whole refresh.
  const core = 'refresh: {max_scrape_wait: 24d}\n';
  if (mode === 'huawei')
    return `${core}huawei_rtc:
  endpoint: ${upstream}
  project_id: ${PROJECT_ID}
  auth: {token: bench}
  apps: [{app_id: ${APP_ID}}]
  page_size: 1000
  lookback: 10m
  refresh_interval: 1m
  discovery_interval: 1m
  max_series: 2000000
  app_quality: {enabled: false}
  abnormal_events: {enabled: false}
  budget: {requests: 10000000, window: 1m, concurrency: 8}
`;
  return `${core}wangsu_cdn:
  endpoint: ${upstream}
  auth: {mode: api_key, username: bench, api_key: bench-key}
  domains: [{domain: ${WANGSU_DOMAIN}}]
  max_series: 1000000
  window: 5m
  refresh_interval: 10s
  budget: {requests: 10000000, api_requests: 10000000, window: 5m, concurrency: 10}
`;
}

async function main(): Promise<void> {
  const clock = mode === 'huawei' ? new ManualClock(Number(startArg)) : undefined;
  const { config, secrets } = parseConfig(yamlFor(), { sources });
  const meter = new Meter();
  meter.begin();
  const exporter = new Exporter({
    config,
    sources,
    logger: createLogger({ level: 'warn', secrets }),
    version: 'bench',
    scrapeTimeoutOffsetMs: 500,
    ...(clock ? { clock } : {}),
  });
  const [{ port }] = (await exporter.listen(['127.0.0.1:0'])) as [AddressInfo];
  serveParent(async (m): Promise<FromChild | undefined> => {
    switch (m.type) {
      case 'begin':
        meter.begin();
        if (m.advanceMs) await clock!.advance(m.advanceMs);
        return { type: 'begun', id: m.id, nowMs: clock?.now() ?? Date.now() };
      case 'end':
        return { type: 'ended', id: m.id, measure: meter.end() };
      case 'memory':
        return { type: 'memory', id: m.id, memory: memoryNow() };
      default:
        throw new Error(`unexpected ${m.type}`);
    }
  });
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}/metrics` } satisfies FromChild);
}

void main();
