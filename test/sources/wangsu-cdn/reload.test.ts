import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config.js';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { runScrapes, settle } from '../../../src/sim/drive.js';
import { wangsuCdn } from '../../../src/sources/wangsu-cdn/index.js';
import { apiKeyAuth, buildSource, familyValues, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0);
const DOMAINS = [
  { domain: 'a.example', streams: ['live/a1', 'live/a2'] },
  { domain: 'b.example', streams: ['live/b1'] },
];
const TRAFFIC = 'wangsu_live_stream_traffic_bytes_total';

describe('wangsu_cdn across a config reload that changes it', () => {
  it('counts traffic exactly as a process started at the reload would: nothing counted twice', async () => {
    const clock = new ManualClock(T0);
    // Two simulators of the same world on one clock: one for the reloaded exporter, one for a fresh one.
    const simA = await startSim({ clock, model: { seed: 77, domains: DOMAINS, liveRatio: 0.9 } });
    const simB = await startSim({ clock, model: { seed: 77, domains: DOMAINS, liveRatio: 0.9 } });
    const raw = (url: string, maxSeries: number) => ({
      endpoint: url,
      auth: apiKeyAuth,
      domains: DOMAINS.map((d) => ({ domain: d.domain })),
      max_series: maxSeries,
    });
    const reloaded = buildSource(raw(simA.url, 1000), clock);
    let fresh: ReturnType<typeof buildSource> | undefined;
    try {
      let before = new Map<string, number>();
      await runScrapes(clock, reloaded.scheduler, 40 * MIN, 15_000, (text) => (before = familyValues(text, TRAFFIC)));
      assert.ok(
        [...before.values()].some((v) => v > 0),
        'traffic was counted before the reload',
      );

      const changed = { refresh: { interval: '60s' }, wangsu_cdn: raw(simA.url, 2000) };
      const summary = reloaded.exporter.applyConfig(parseConfig(JSON.stringify(changed), { sources: [wangsuCdn] }).config);
      assert.deepEqual(summary.rebuilt, ['wangsu_cdn']);
      fresh = buildSource(raw(simB.url, 2000), clock);

      // Both scraped at the same instants for 40 minutes.
      for (let i = 0; i < 40 * 4; i++) {
        const at = clock.now();
        await settle(clock, Promise.all([...reloaded.scheduler.runners, ...fresh.scheduler.runners].map((r) => r.kick())));
        const ours = familyValues(reloaded.scheduler.exposition().text, TRAFFIC);
        assert.deepEqual(ours, familyValues(fresh.scheduler.exposition().text, TRAFFIC), `scrape ${i} after the reload`);
        await clock.advance(Math.max(0, at + 15_000 - clock.now()));
      }
      const after = familyValues(reloaded.scheduler.exposition().text, TRAFFIC);
      assert.ok(
        [...after.values()].some((v) => v > 0),
        'traffic is counted after the reload',
      );
    } finally {
      await fresh?.close();
      await reloaded.close();
      await simA.close();
      await simB.close();
    }
  });
});
