// What every source promises, checked the same way for each: run it for a new
// source and it tells you what is missing. Its block in the example config, a
// demo that starts up, families with HELP and TYPE under the source's prefix
// in base units, a page promtool accepts, and demo secrets kept out of sight.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../src/config.js';
import { startDemo, type Demo } from '../../src/demo.js';
import { Exporter } from '../../src/exporter.js';
import type { SourceDefinition } from '../../src/source.js';
import { SecretRegistry } from '../../src/secrets.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';

export interface ContractCase {
  definition: SourceDefinition;
  /** The example config that documents the source's block, and what it needs to parse. */
  example: { file: URL; env: Record<string, string>; sources: readonly SourceDefinition[] };
  /** Every family the source can emit: the demo page must show each, so promtool checks them all. */
  families?: readonly string[];
}

/** Units a family name must not carry: Prometheus wants seconds, bytes and ratios. */
const NOT_BASE_UNITS = /_(milliseconds|ms|microseconds|percent|percentage|bits|kbits|kilobits|kbps|mbps|megabytes|mb|kb|kilobytes|minutes|hours)(_|$)/;

export function sourceContract(c: ContractCase): void {
  const { definition } = c;

  describe(`source contract: ${definition.name}`, () => {
    let demo: Demo;
    let exporter: Exporter;
    let log: ReturnType<typeof memoryLogger>;
    let page = '';
    let landing = '';

    before(async () => {
      demo = await startDemo([definition]);
      const secrets = new SecretRegistry(demo.loaded.secrets);
      log = memoryLogger(secrets);
      exporter = new Exporter({
        config: demo.loaded.config,
        sources: [definition],
        logger: log.logger,
        version: 'contract',
        scrapeTimeoutOffsetMs: 500,
        secrets,
      });
      await Promise.all(exporter.scheduler.runners.map((r) => r.kick()));
      page = (await request(exporter.app).get('/metrics').expect(200)).text;
      landing = (await request(exporter.app).get('/').expect(200)).text;
    });
    after(async () => {
      await exporter?.shutdown();
      await demo?.close();
    });

    it('has a block in the example config that its schema accepts', () => {
      const text = readFileSync(c.example.file, 'utf8');
      const { config } = parseConfig(text, { sources: c.example.sources, env: c.example.env });
      assert.ok(config.sources.has(definition.name), `no ${definition.name}: block in ${c.example.file.pathname}`);
    });

    it('names itself: a config key, a title, a metric prefix and its credential headers', () => {
      assert.match(definition.name, /^[a-z][a-z0-9_]*$/);
      assert.ok(definition.title.length > 0);
      assert.match(definition.metricPrefix, /^[a-z][a-z0-9_]*_$/);
      assert.ok(definition.secretHeaders.length > 0, 'which request headers carry credentials?');
      assert.ok(demo.loaded.secrets.length > 0, 'the demo config has no value its schema marks secret()');
    });

    it('starts its demo with up 1 and data for every key', () => {
      assert.match(page, new RegExp(`^rtc_cdn_exporter_up\\{source="${definition.name}"\\} 1$`, 'm'));
      const [status] = exporter.scheduler.status();
      assert.ok(status && status.keys > 0 && status.withData === status.keys, JSON.stringify(status));
    });

    it('exports every family with HELP and TYPE, under its prefix, in base units, _total only on counters', () => {
      const families = new Map<string, { help: boolean; type?: string; samples: number }>();
      const family = (name: string) => families.get(name) ?? families.set(name, { help: false, samples: 0 }).get(name)!;
      for (const line of page.split('\n')) {
        const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
        if (m && m[1] === 'HELP') family(m[2]!).help = true;
        else if (m) family(m[2]!).type = m[3]!;
        else if (line.startsWith(definition.metricPrefix)) family(/^[^{ ]+/.exec(line)![0]).samples++;
      }
      const own = [...families].filter(([name]) => name.startsWith(definition.metricPrefix));
      assert.ok(own.length > 0, `no family starts with ${definition.metricPrefix}`);
      for (const [name, f] of own) {
        assert.ok(f.help && f.type, `${name}: HELP or TYPE missing`);
        assert.ok(f.samples > 0, `${name}: HELP and TYPE but no sample`);
        assert.equal(name.endsWith('_total'), f.type === 'counter', `${name}: _total goes with counters only`);
        assert.doesNotMatch(name, NOT_BASE_UNITS, `${name}: use base units (seconds, bytes, ratios)`);
      }
      const missing = (c.families ?? []).filter((name) => !families.get(name)?.samples);
      assert.deepEqual(missing, [], 'families the demo page does not show (promtool would not check them)');
      const stray = page
        .split('\n')
        .filter((l) => l && !l.startsWith('#') && !l.startsWith(definition.metricPrefix) && !/^(rtc_cdn_exporter_|process_|nodejs_)/.test(l));
      assert.deepEqual(stray.slice(0, 3), [], 'series outside the source prefix and the exporter own metrics');
    });

    it('passes promtool check metrics on the real demo page', () => {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
      assert.equal(check.error, undefined, `promtool not runnable (install Debian's prometheus package): ${check.error}`);
      const findings = `${check.stdout}${check.stderr}`.split('\n').filter(Boolean);
      assert.deepEqual(findings, [], 'promtool findings');
      assert.equal(check.status, 0);
    });

    it('keeps its demo secrets out of logs, /metrics and /', () => {
      const logs = log.lines.join('\n');
      for (const secret of demo.loaded.secrets) {
        for (const [where, text] of [
          ['logs', logs],
          ['/metrics', page],
          ['/', landing],
        ] as const) {
          assert.ok(!text.includes(secret), `a demo secret appears in ${where}`);
        }
      }
    });
  });
}
