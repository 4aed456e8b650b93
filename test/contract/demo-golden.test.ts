// Pins the demo's upstream page, byte for byte, at a fixed seed and a fake
// clock: a refactor that changes what the exporter exports fails here.
// Regenerate (only for an intended change) with UPDATE_GOLDEN=1 npm test.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { parseConfig } from '../../src/config.js';
import { Exporter } from '../../src/exporter.js';
import { ManualClock } from '../../src/sim/manual-clock.js';
import { sources } from '../../src/sources/index.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';

const GOLDEN = new URL('../../../test/golden/demo-metrics.prom', import.meta.url);
const START = Date.UTC(2026, 10, 22, 12, 0, 0);

it('the demo page at a fixed seed and fake clock is unchanged (golden)', async () => {
  const clock = new ManualClock(START);
  const demos = await Promise.all(sources.map((m) => m.startDemo!(clock)));
  try {
    const raw: Record<string, unknown> = { refresh: { interval: '15s', max_scrape_wait: '5s', backoff_initial: '2s', backoff_max: '30s' } };
    sources.forEach((m, i) => (raw[m.name] = demos[i]!.config));
    const { config } = parseConfig(JSON.stringify(raw), { sources: sources, name: 'demo config' });
    const exporter = new Exporter({
      config,
      sources: sources,
      logger: memoryLogger().logger,
      version: 'golden',
      scrapeTimeoutOffsetMs: 500,
      clock,
      random: () => 0.5,
    });
    const pages: string[] = [];
    try {
      for (const step of [0, 60_000, 120_000]) {
        await clock.advance(step);
        await Promise.all(exporter.scheduler.runners.map((r) => r.kick()));
        pages.push(`# at +${(clock.now() - START) / 1000}s\n${exporter.scheduler.exposition().text}`);
      }
    } finally {
      await exporter.shutdown();
    }
    const page = pages.join('');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, page);
    assert.ok(page.split('\n').length > 300, 'the demo exports both sources');
    assert.equal(page, readFileSync(GOLDEN, 'utf8'));
  } finally {
    await Promise.all(demos.map((d) => d.close()));
  }
});
