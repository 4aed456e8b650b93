// npm run bench: how long the core takes to render and serve 100,000 upstream
// series, and what that costs in memory. Numbers only; nothing is asserted.
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { parseConfig } from '../src/config.js';
import { Exporter } from '../src/exporter.js';
import { createLogger } from '../src/logger.js';
import { SourcePage } from '../src/page.js';
import { LabelNames, SeriesWriter, type RenderedSeries } from '../src/series-writer.js';
import { defineSource, type FamilySpec, type Source } from '../src/source.js';

const KEYS = 1_000;
const PER_KEY = 100; // 100 users × 1 family… spread over 4 families below
const FAMILIES: FamilySpec[] = ['audio_jitter_seconds', 'video_jitter_seconds', 'audio_loss_ratio', 'video_bitrate_bytes_per_second'].map((n) => ({
  name: `bench_${n}`,
  help: `Bench family ${n}.`,
  type: 'gauge',
}));

const LABELS = new LabelNames('app_id', 'room_id', 'uid', 'peerid');

function seriesFor(key: string, round: number): RenderedSeries {
  const out = new SeriesWriter();
  for (let i = 0; i < PER_KEY; i++)
    out.add(FAMILIES[i % FAMILIES.length]!, LABELS.render('app-1', key, `user-${i >> 2}`, String(i % 7)), Math.random() * 100 + round);
  return out.done();
}

function time<T>(label: string, fn: () => T): T {
  const t = performance.now();
  const r = fn();
  console.log(`${label}: ${(performance.now() - t).toFixed(1)} ms`);
  return r;
}

async function main() {
  const keys = Array.from({ length: KEYS }, (_, i) => `room-${String(i).padStart(4, '0')}`);
  console.log(`series: ${KEYS * PER_KEY} (${KEYS} keys × ${PER_KEY})`);

  // 1. Rendering alone: what a full refresh of every key costs.
  const rendered = new Map<string, RenderedSeries>();
  time('render all keys (SeriesWriter)', () => {
    for (const k of keys) rendered.set(k, seriesFor(k, 0));
  });
  const page = new SourcePage(1_000_000);
  const built = time('build the page (SourcePage, every block)', () => {
    for (const [k, r] of rendered) page.set(k, r);
    return page.buildNow();
  });
  console.log(`page size: ${(built.blocks.reduce((n, b) => n + b.length, 0) / 1e6).toFixed(1)} MB in ${built.blocks.length} blocks`);
  time('re-render one key and rebuild its blocks', () => {
    page.set('room-0001', seriesFor('room-0001', 1));
    return page.buildNow();
  });

  // 2. Serving: the exporter with a source of 100k series, scraped over loopback.
  const source: Source = {
    keyListIntervalMs: 3_600_000,
    listKeys: async () => keys,
    refresh: async (key) => ({ series: seriesFor(key, 0) }),
    describe: () => 'bench',
  };
  const definition = defineSource({
    name: 'bench',
    title: 'Bench data',
    metricPrefix: 'bench_',
    secretHeaders: [],
    config: {},
    create: () => source,
    startDemo: () => Promise.reject(new Error('no demo')),
  });
  const { config } = parseConfig('bench: {refresh_interval: 1h, max_series: 1000000}', { sources: [definition] });
  const exporter = new Exporter({ config, sources: [definition], logger: createLogger({ level: 'error' }), version: 'bench', scrapeTimeoutOffsetMs: 500 });
  const [addr] = (await exporter.listen(['127.0.0.1:0'])) as [AddressInfo];
  const url = `http://127.0.0.1:${addr.port}/metrics`;
  const heapBefore = process.memoryUsage().heapUsed;
  let t = performance.now();
  await (await request(url)).body.text();
  console.log(`first scrape (refresh of ${KEYS} keys + render + serve): ${(performance.now() - t).toFixed(0)} ms`);
  for (const encoding of ['identity', 'gzip']) {
    const runs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      const res = await request(url, { headers: { 'accept-encoding': encoding } });
      bytes = (await res.body.arrayBuffer()).byteLength;
      runs.push(performance.now() - t);
    }
    runs.sort((a, b) => a - b);
    console.log(`cached scrape (${encoding}, ${(bytes / 1e6).toFixed(2)} MB): first ${runs.at(-1)!.toFixed(1)} ms max, median ${runs[10]!.toFixed(1)} ms`);
  }
  global.gc?.();
  const mem = process.memoryUsage();
  console.log(
    `memory: rss ${(mem.rss / 1e6).toFixed(0)} MB, heap used ${(mem.heapUsed / 1e6).toFixed(0)} MB (was ${(heapBefore / 1e6).toFixed(0)} MB before the exporter's first refresh)`,
  );
  await exporter.shutdown();
}

void main();
