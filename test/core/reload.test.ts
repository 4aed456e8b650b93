import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { request as httpRequest } from 'undici';
import { configFingerprint, parseConfig } from '../../src/config.js';
import { Exporter } from '../../src/exporter.js';
import { Secret } from '../../src/schema.js';
import { ManualClock } from '../../src/sim/manual-clock.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';
import { FakeSource, fakeDefinition, sample } from '../helpers/fakes.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

/** An exporter over two fake sources whose config a test rewrites, as an operator edits the file. */
function reloadable(initialYaml: string) {
  const a = new FakeSource({ name: 'a', keys: ['ka'], refresher: async (key) => [sample({ key }, 1)] });
  const b = new FakeSource({ name: 'b', keys: ['kb'], refresher: async (key) => [sample({ key }, 2)] });
  const definitions = [a, b].map(fakeDefinition);
  const file = { yaml: initialYaml };
  const load = () => parseConfig(file.yaml, { sources: definitions, env: {} });
  const clock = new ManualClock(T0);
  const log = memoryLogger();
  const exporter = new Exporter({
    config: load().config,
    sources: definitions,
    logger: log.logger,
    version: '0.0.0-test',
    scrapeTimeoutOffsetMs: 500,
    clock,
    loadConfig: load,
  });
  const scrape = async () => (await request(exporter.app).get('/metrics').expect(200)).text;
  return { a, b, file, clock, log, exporter, scrape };
}

const gauge = (page: string, name: string, labels = '') => {
  const m = new RegExp(`^rtc_cdn_exporter_${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(page);
  return m ? Number(m[1]) : undefined;
};

describe('config reload', () => {
  it('keeps an unchanged source with its state, rebuilds a changed one, adds and removes sources', async () => {
    const r = reloadable('a: {}\nb: {max_series: 100}\n');
    try {
      let page = await r.scrape();
      assert.match(page, /^test_value\{key="ka"\} 1$/m);
      assert.match(page, /^test_value\{key="kb"\} 2$/m);
      const [runnerA, runnerB] = r.exporter.scheduler.runners;
      assert.deepEqual([r.a.listings, r.b.listings], [1, 1]);

      r.file.yaml = 'a: {}\nb: {max_series: 200}\n';
      await request(r.exporter.app).post('/-/reload').expect(200, 'Config reloaded\n');
      assert.equal(r.exporter.scheduler.runners[0], runnerA, 'a: same runner');
      assert.notEqual(r.exporter.scheduler.runners[1], runnerB, 'b: a new runner');
      const logged = r.log.records().find((e) => e.msg === 'config reloaded')!;
      assert.deepEqual([logged.trigger, logged.kept, logged.rebuilt, logged.added, logged.removed], ['POST /-/reload', ['a'], ['b'], [], []]);

      // Within the refresh interval: a keeps its cached data without asking again; b starts afresh.
      page = await r.scrape();
      assert.deepEqual([r.a.listings, r.a.refreshes, r.b.listings, r.b.refreshes], [1, 1, 2, 2]);
      assert.match(page, /^test_value\{key="ka"\} 1$/m);
      assert.match(page, /^test_value\{key="kb"\} 2$/m);

      r.file.yaml = 'a: {}\n';
      await request(r.exporter.app).put('/-/reload').expect(200);
      page = await r.scrape();
      assert.doesNotMatch(page, /kb/, "a removed source's series leave the page");
      assert.equal(gauge(page, 'up', '{source="b"}'), undefined, 'no up for a removed source');
      assert.equal(gauge(page, 'series', '{source="b"}'), undefined);
      assert.equal(gauge(page, 'up', '{source="a"}'), 1);

      r.file.yaml = 'a: {}\nb: {}\n';
      assert.deepEqual(await r.exporter.reload('SIGHUP'), { ok: true, summary: { kept: ['a'], rebuilt: [], added: ['b'], removed: [] } });
      assert.match(await r.scrape(), /^test_value\{key="kb"\} 2$/m);
    } finally {
      await r.exporter.shutdown();
    }
  });

  it('refuses a bad config whole: the old one keeps serving, POST answers 500 with the reason, the metrics say so', async () => {
    const r = reloadable('a: {}\nb: {}\n');
    try {
      let page = await r.scrape();
      const loadedAt = gauge(page, 'config_last_reload_success_timestamp_seconds');
      assert.equal(loadedAt, T0 / 1000, 'the start counts as the first load');
      assert.equal(gauge(page, 'config_last_reload_successful'), 1);
      const runners = r.exporter.scheduler.runners;

      // One good change and one bad key: nothing of it applies.
      r.file.yaml = 'a: {max_series: 5}\nb: {bogus: 1}\n';
      await r.clock.advance(60_000);
      const res = await request(r.exporter.app).post('/-/reload').expect(500);
      assert.match(res.text, /^failed to reload config: b\.bogus: unknown key; remove it/);
      assert.deepEqual(r.exporter.scheduler.runners, runners);
      assert.equal(r.exporter.config.sources.get('a')?.max_series, 500_000);
      page = await r.scrape();
      assert.equal(gauge(page, 'config_last_reload_successful'), 0);
      assert.equal(gauge(page, 'config_last_reload_success_timestamp_seconds'), loadedAt);
      assert.match(page, /^test_value\{key="kb"\} 2$/m);
      assert.ok(r.log.records().some((e) => e.level === 'error' && e.msg === 'config reload refused; the previous config keeps serving'));

      r.file.yaml = 'a: {}\nb: {}\n';
      await request(r.exporter.app).post('/-/reload').expect(200);
      page = await r.scrape();
      assert.equal(gauge(page, 'config_last_reload_successful'), 1);
      assert.equal(gauge(page, 'config_last_reload_success_timestamp_seconds'), T0 / 1000 + 60);
    } finally {
      await r.exporter.shutdown();
    }
  });

  it('asks for a reload with POST or PUT only', async () => {
    const r = reloadable('a: {}\n');
    try {
      const res = await request(r.exporter.app).get('/-/reload').expect(405);
      assert.equal(res.headers.allow, 'POST, PUT');
      await request(r.exporter.app).post('/metrics').expect(405);
    } finally {
      await r.exporter.shutdown();
    }
  });

  it('a changed core setting rebuilds the sources that run with it', async () => {
    const r = reloadable('a: {refresh_interval: 30s}\nb: {}\n');
    try {
      await r.scrape();
      r.file.yaml = 'refresh: {interval: 2m}\na: {refresh_interval: 30s}\nb: {}\n';
      const outcome = await r.exporter.reload('SIGHUP');
      assert.deepEqual(
        outcome.ok && outcome.summary,
        { kept: [], rebuilt: ['a', 'b'], added: [], removed: [] },
        'back-off and interval defaults are core settings',
      );
      assert.equal(r.exporter.scheduler.runners[1]?.settings.refreshIntervalMs, 120_000);
    } finally {
      await r.exporter.shutdown();
    }
  });

  it('an exporter started without a config to reload refuses reloads and serves no route for them', async () => {
    const a = new FakeSource({ name: 'a' });
    const { config } = parseConfig('a: {}', { sources: [fakeDefinition(a)], env: {} });
    const exporter = new Exporter({ config, sources: [fakeDefinition(a)], logger: memoryLogger().logger, version: 't', scrapeTimeoutOffsetMs: 500 });
    try {
      await request(exporter.app).post('/-/reload').expect(404);
      assert.equal((await exporter.reload('SIGHUP')).ok, false);
    } finally {
      await exporter.shutdown();
    }
  });
});

describe('configFingerprint', () => {
  it('tells secrets apart by value, though both print as [REDACTED]', () => {
    const one = { source: { key: new Secret('first-key'), n: 1 } };
    assert.equal(JSON.stringify(one), JSON.stringify({ source: { key: new Secret('other-key'), n: 1 } }));
    assert.notEqual(configFingerprint(one), configFingerprint({ source: { key: new Secret('other-key'), n: 1 } }));
    assert.equal(configFingerprint(one), configFingerprint({ source: { key: new Secret('first-key'), n: 1 } }));
    assert.notEqual(configFingerprint(new Map([['x', 1]])), configFingerprint(new Map([['x', 2]])));
  });
});

describe('reload in a running process', () => {
  it('SIGHUP applies a changed file, refuses a broken one and keeps serving; the process never dies of it', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    // The demo's simulators are not needed: a source whose upstream is unreachable still serves up=0.
    const file = join(dir, 'config.yaml');
    const config = (interval: string) =>
      `refresh: {interval: ${interval}}\nwangsu_cdn:\n  endpoint: http://127.0.0.1:9\n  auth: {mode: api_key, username: u, api_key: secret-api-key-1}\n  domains: [{domain: live.example.com}]\n`;
    writeFileSync(file, config('1m'));
    const child = spawn(process.execPath, ['dist/src/main.js', `--config.file=${file}`, '--web.listen-address=127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const waitFor = async (text: string) => {
      while (!out.includes(text)) await once(child.stdout, 'data');
    };
    try {
      await waitFor('"msg":"listening"');
      const port = Number(/"address":"[^"]*:(\d+)"/.exec(out)![1]);
      const metrics = async () => (await (await httpRequest(`http://127.0.0.1:${port}/metrics`)).body.text()) as string;

      writeFileSync(file, config('2m'));
      child.kill('SIGHUP');
      await waitFor('"msg":"config reloaded"');
      assert.match(out, /"trigger":"SIGHUP","kept":\[\],"rebuilt":\["wangsu_cdn"\]/);
      assert.equal(gauge(await metrics(), 'config_last_reload_successful'), 1);

      writeFileSync(file, 'refresh: {interval: soon}\n');
      child.kill('SIGHUP');
      await waitFor('config reload refused');
      assert.match(out, /refresh\.interval: \\"soon\\" is not a duration/);
      const page = await metrics();
      assert.equal(gauge(page, 'config_last_reload_successful'), 0);
      assert.match(page, /^rtc_cdn_exporter_up\{source="wangsu_cdn"\} 0$/m, 'the old config keeps serving');
      assert.equal(child.exitCode, null);
      assert.doesNotMatch(out, /secret-api-key-1/);
    } finally {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      rmSync(dir, { recursive: true, force: true });
      assert.equal(code, 0, out);
    }
  });
});
