import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../../src/config.js';
import { Exporter } from '../../../src/exporter.js';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { sources } from '../../../src/sources/index.js';
import { DETAIL_PATH, STREAM_LIST_PATH } from '../../../src/sources/wangsu-cdn/client.js';
import { wangsuCdn } from '../../../src/sources/wangsu-cdn/index.js';
import { wangsuFamilies, writeStream } from '../../../src/sources/wangsu-cdn/families.js';
import { written } from '../../helpers/series.js';
import { EXAMPLE_ENV } from '../../helpers/example-env.js';
import { memoryLogger } from '../../../src/sim/memory-logger.js';
import { API_KEY, API_USER, apiKeyAuth, buildSource, familyValues, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';
import { settle } from '../../../src/sim/drive.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 20);
const DOMAINS = [
  { domain: 'live.example.com', streams: ['live/main', 'live/second'] },
  { domain: 'pull.example.com', streams: ['live/sport'] },
];

describe('wangsu end to end: exporter + simulator', () => {
  const clock = new ManualClock(T0);
  let sim: Awaited<ReturnType<typeof startSim>>;
  let exporter: Exporter;
  before(async () => {
    sim = await startSim({ clock, model: { seed: 4242, domains: DOMAINS, liveRatio: 1 } });
    const yaml = `wangsu_cdn:\n  endpoint: ${sim.url}\n  auth: {mode: api_key, username: ${API_USER}, api_key: "\${KEY}"}\n  domains: [{domain: live.example.com}, {domain: pull.example.com}]\n`;
    const { config, secrets } = parseConfig(yaml, { sources: [wangsuCdn], env: { KEY: API_KEY } });
    const log = memoryLogger(secrets);
    exporter = new Exporter({ config, sources: [wangsuCdn], logger: log.logger, version: '0.0.0-test', scrapeTimeoutOffsetMs: 500, clock });
  });
  after(async () => {
    await exporter.shutdown();
    await sim.close();
  });

  const warm = () => settle(clock, Promise.all(exporter.scheduler.runners.map((r) => r.kick())));

  it('serves every family with HELP, TYPE, domain and stream labels and converted values', async () => {
    await warm();
    const res = await request(exporter.app).get('/metrics').expect(200);
    const end = Date.UTC(2026, 10, 22, 11, 45); // floor(now − delay 15m)
    const freshEnd = Date.UTC(2026, 10, 22, 11, 55); // floor(now − fresh_delay 5m)
    for (const [name, type] of [
      ['wangsu_live_stream_bandwidth_bytes_per_second', 'gauge'],
      ['wangsu_live_stream_online_users', 'gauge'],
      ['wangsu_live_stream_fresh_slice_timestamp_seconds', 'gauge'],
      ['wangsu_live_stream_traffic_bytes', 'gauge'],
      ['wangsu_live_stream_settled_slice_timestamp_seconds', 'gauge'],
      ['wangsu_live_stream_traffic_bytes_total', 'counter'],
    ]) {
      assert.match(res.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
      assert.match(res.text, new RegExp(`^# HELP ${name} .*Wangsu`, 'm'));
    }
    assert.match(res.text, /^# HELP wangsu_live_stream_traffic_bytes Bytes .*dataType=flow detailList\.value \(MB\) × 1000000 \(10\^6\)/m);
    assert.match(res.text, /^# HELP wangsu_live_stream_bandwidth_bytes_per_second .*\(Mbps\) × 125000 \(10\^6 bits ÷ 8\)/m);
    const model = sim.sim.model;
    for (const d of DOMAINS) {
      for (const s of d.streams) {
        const id = `${d.domain}/${s}`;
        const settled = model.minute(d.domain, s, end);
        // The fresh slice as Wangsu shows it now: available, maybe still partial.
        const fresh = model.reportedMinute(d.domain, s, freshEnd, clock.now())!;
        assert.equal(familyValues(res.text, 'wangsu_live_stream_traffic_bytes').get(id), settled.flow * 10_000, `${id} traffic: hundredths of MB × 10^6 / 100`);
        assert.equal(
          familyValues(res.text, 'wangsu_live_stream_bandwidth_bytes_per_second').get(id),
          fresh.bandwidth * 1_250,
          `${id} bandwidth: hundredths of Mbps × 10^6 / 8 / 100`,
        );
        assert.equal(familyValues(res.text, 'wangsu_live_stream_online_users').get(id), fresh.online);
        assert.equal(familyValues(res.text, 'wangsu_live_stream_fresh_slice_timestamp_seconds').get(id), freshEnd / 1000);
        assert.equal(familyValues(res.text, 'wangsu_live_stream_settled_slice_timestamp_seconds').get(id), end / 1000);
        assert.equal(familyValues(res.text, 'wangsu_live_stream_traffic_bytes_total').get(id), 0, 'the first window is the baseline');
      }
    }
    // The data age counts from the freshest slice served: fresh_delay old, not the seconds since the refresh.
    assert.match(res.text, new RegExp(`^rtc_cdn_exporter_data_age_seconds\\{source="wangsu_cdn"\\} ${(clock.now() - freshEnd) / 1000}$`, 'm'));
    assert.match(res.text, /^rtc_cdn_exporter_up\{source="wangsu_cdn"\} 1$/m);
    assert.match(res.text, /^rtc_cdn_exporter_api_requests_total\{source="wangsu_cdn",api="stream_detail",outcome="success"\} 2$/m);
    assert.doesNotMatch(res.text, new RegExp(API_KEY));
  });

  it('adds each new settled slice to the counter once', async () => {
    await clock.advance(5 * MIN);
    await warm();
    const res = await request(exporter.app).get('/metrics').expect(200);
    const truth = sim.sim.groundTruth(Date.UTC(2026, 10, 22, 11, 45), Date.UTC(2026, 10, 22, 11, 50));
    for (const [id, hundredths] of truth) assert.equal(familyValues(res.text, 'wangsu_live_stream_traffic_bytes_total').get(id), hundredths * 10_000, id);
    assert.equal(truth.size, 3);
  });

  it('shows the source on the landing page without credentials', async () => {
    const res = await request(exporter.app).get('/').expect(200);
    assert.match(res.text, /wangsu_cdn/);
    assert.doesNotMatch(res.text, new RegExp(API_KEY));
  });
});

describe('wangsu config and units', () => {
  it('keeps the wangsu_cdn block of config.example.yaml valid for both auth modes', () => {
    const text = readFileSync(new URL('../../../../config.example.yaml', import.meta.url), 'utf8');
    const apiKey = parseConfig(text, { sources: sources, env: EXAMPLE_ENV }).config.sources.get('wangsu_cdn') as unknown as {
      auth: { mode: string };
      delay: number;
    };
    assert.equal(apiKey.auth.mode, 'api_key');
    assert.equal(apiKey.delay, 15 * MIN);
    // Swap in the commented-out AK/SK block.
    const aksk = text
      .replace(/ {2}auth:\n {4}mode: api_key\n.*\n.*\n/, '')
      .replace(/ {2}# auth:\n {2}# {3}mode: aksk\n {2}# {3}(.*)\n {2}# {3}(.*)\n/, '  auth:\n    mode: aksk\n    $1\n    $2\n');
    assert.notEqual(aksk, text);
    const parsed = parseConfig(aksk, { sources: sources, env: EXAMPLE_ENV });
    assert.equal((parsed.config.sources.get('wangsu_cdn') as unknown as { auth: { mode: string } }).auth.mode, 'aksk');
    assert.ok(parsed.secrets.includes(EXAMPLE_ENV.WANGSU_SECRET_KEY));
  });

  it('converts MB with the configured base and Mbps to bytes per second', () => {
    const st = {
      domain: 'd',
      stream: 's',
      cursorMs: 0,
      countedHundredths: 250,
      lastNonZeroMs: 0,
      ownerKey: 'k',
      settled: { endMs: 60_000, flowHundredths: 150 },
      fresh: { endMs: 600_000, bandwidthHundredths: 1234, online: 7 },
    };
    const values = (mbBytes: number) =>
      Object.fromEntries(
        written((out) => writeStream(st, { families: wangsuFamilies(mbBytes), mbBytes, flow: true, bandwidth: true, online: true }, out)).map((s) => [
          s.name,
          s.value,
        ]),
      );
    assert.deepEqual(values(1_000_000), {
      wangsu_live_stream_fresh_slice_timestamp_seconds: 600,
      wangsu_live_stream_bandwidth_bytes_per_second: 1_542_500, // 12.34 Mbit/s
      wangsu_live_stream_online_users: 7,
      wangsu_live_stream_settled_slice_timestamp_seconds: 60,
      wangsu_live_stream_traffic_bytes: 1_500_000,
      wangsu_live_stream_traffic_bytes_total: 2_500_000,
    });
    // No onlineUser from Wangsu: no online-users series, not a 0.
    const withoutOnline = written((out) =>
      writeStream(
        { ...st, fresh: { ...st.fresh, online: undefined } },
        { families: wangsuFamilies(1_000_000), mbBytes: 1_000_000, flow: true, bandwidth: true, online: true },
        out,
      ),
    );
    assert.equal(withoutOnline.filter((s) => s.name === 'wangsu_live_stream_online_users').length, 0);
    assert.equal(values(1_048_576).wangsu_live_stream_traffic_bytes, 1.5 * 1_048_576);
    assert.match(wangsuFamilies(1_048_576).traffic.help, /× 1048576 \(2\^20\)/);
  });
});

describe('wangsu request budget', () => {
  /** Requests per 5 minutes in steady state, by interface, for `domains` × `streams` with default settings. */
  async function measure(domains: number, streams: number) {
    const clock = new ManualClock(T0);
    const model = {
      seed: 99,
      liveRatio: 1,
      watchedRatio: streams > 1000 ? 0.001 : 1, // thousands of publishing streams, few with viewers: keeps answers small
      domains: Array.from({ length: domains }, (_, d) => ({ domain: `d${d}.example`, streams: Array.from({ length: streams }, (_, s) => `live/s${s}`) })),
    };
    const sim = await startSim({ clock, model });
    const src = buildSource(
      {
        endpoint: sim.url,
        auth: { mode: 'aksk', access_key: 'ak-example', secret_key: 'sk-example-secret' },
        domains: model.domains.map((d) => ({ domain: d.domain })),
      },
      clock,
    );
    try {
      const { runner, scheduler } = src;
      // As Prometheus scrapes: every 15 s, each scrape waiting for refreshes only until its deadline.
      for (let t = T0; t < T0 + 20 * MIN; t += 15_000) {
        if (t > clock.now()) await clock.advance(t - clock.now());
        await settle(clock, scheduler.collect(10_000));
      }
      const inWindow = (from: number, to: number, path: string) =>
        sim.sim.requests.filter((r) => r.at >= T0 + from * MIN && r.at < T0 + to * MIN && r.path === path);
      const first = inWindow(0, 5, DETAIL_PATH).length + inWindow(0, 5, STREAM_LIST_PATH).length;
      const detail = inWindow(15, 20, DETAIL_PATH);
      const lists = inWindow(15, 20, STREAM_LIST_PATH);
      const refused = sim.sim.requests.filter((r) => r.status !== 200);
      return { keys: runner.status().keys, up: runner.status().up, first, detail: detail.length, lists: lists.length, refused };
    } finally {
      await src.close();
      await sim.close();
    }
  }

  it('measures requests per 5 minutes for 10 domains × 100 streams', async () => {
    const m = await measure(10, 100);
    console.log(
      `10 domains × 100 streams: ${m.keys} batch, steady state ${m.detail} stream/detail + ${m.lists} streamList requests per 5 min (first 5 min: ${m.first})`,
    );
    assert.equal(m.keys, 1);
    // 2 data types per refresh, a refresh every 60 s on the key's grid.
    assert.equal(m.detail, 10);
    assert.equal(m.lists, 0);
    assert.deepEqual(m.refused, []);
  });

  it('measures requests per 5 minutes for 20 domains × 5000 streams', async () => {
    const m = await measure(20, 5000);
    const refused = m.refused.map((r) => r.code).join(', ');
    console.log(
      `20 domains × 5000 streams: ${m.keys} batches, steady state ${m.detail} stream/detail + ${m.lists} streamList requests per 5 min (first 5 min: ${m.first}); refused on the way: ${refused}`,
    );
    assert.equal(m.keys, 3, 'each domain split 2000 + 2000 + 1000, 20 groups per request');
    assert.ok(m.up);
    assert.ok(m.detail <= 30, 'within 30 per interface per 5 minutes');
    assert.ok(m.detail + m.lists <= 300);
  });
});

describe('wangsu state and series under max_series with many batches', () => {
  it('keeps the samples of all keys together within max_series, though each key renders after others evicted its streams', async () => {
    const clock = new ManualClock(T0);
    const streams = Array.from({ length: 30 }, (_, i) => `live/s${i}`);
    const sim = await startSim({ clock, model: { seed: 5, domains: [{ domain: 'a.example', streams }], liveRatio: 1 } });
    // 3 batches of 10 streams; max_series 60 keeps 10 streams (6 series each).
    const h = buildSource(
      { endpoint: sim.url, auth: apiKeyAuth, domains: [{ domain: 'a.example', streams }], max_streams_per_domain: 10, max_series: 60 },
      clock,
    );
    try {
      const keys = await h.settle(h.source.listKeys(h.ctx));
      assert.equal(keys.length, 3);
      let samples = 0;
      for (const key of keys) samples += (await h.settle(h.source.refresh(key, h.ctx))).series.series;
      // Each key's samples stay rendered until its next refresh: together at most max_series (not 3 × 60).
      assert.ok(samples > 0 && samples <= 60, `${samples} samples`);
    } finally {
      await h.close();
      await sim.close();
    }
  });
});
