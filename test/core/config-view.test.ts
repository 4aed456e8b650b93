import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { parse } from 'yaml';
import { z } from 'zod';
import { configSchema, parseConfig, type LoadedConfig } from '../../src/config.js';
import { effectiveConfigYaml } from '../../src/config-view.js';
import { Exporter } from '../../src/exporter.js';
import { formatDuration, parseDuration } from '../../src/duration.js';
import { isSecretPath } from '../../src/schema.js';
import { SecretRegistry } from '../../src/secrets.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';
import { defineSource } from '../../src/source.js';
import { sources } from '../../src/sources/index.js';

const dir = mkdtempSync(join(tmpdir(), 'config-view-'));
let files = 0;
function valueFile(value: string): string {
  const path = join(dir, `value-${++files}`);
  writeFileSync(path, `${value}\n`);
  return path;
}

/** Random, so no 8 characters of it appear anywhere by chance; `special` adds what JSON and YAML escape. */
const canary = (label: string, special = false) =>
  `${label}-${randomBytes(9).toString('base64url')}${special ? `"q\\b'x` : ''}-${randomBytes(4).toString('hex')}`;

/** Whole, JSON-escaped, first half, and every 8-character piece. */
function needles(secret: string): string[] {
  const out = new Set([secret, JSON.stringify(secret).slice(1, -1), secret.slice(0, Math.ceil(secret.length / 2))]);
  for (let i = 0; i + 8 <= secret.length; i++) out.add(secret.slice(i, i + 8));
  return [...out];
}

interface Case {
  name: string;
  /** Each secret() key of the schemas, by path, with its canary; the three cases cover them all. */
  secretKeys: Array<[string[], string]>;
  /** Values read from *_file for keys the schemas do not mark secret: credentials all the same. */
  fileValues: string[];
  yaml: string;
}

function cases(): Case[] {
  const hwSk = canary('hw-sk');
  const wsApiKey = canary('ws-api-key');
  const wsUser = canary('ws-user');
  const a: Case = {
    name: 'huawei aksk + wangsu api_key (from a file), username from a file',
    secretKeys: [
      [['huawei_rtc', 'auth', 'aksk', 'secret_key'], hwSk],
      [['wangsu_cdn', 'auth', 'api_key'], wsApiKey],
    ],
    fileValues: [wsUser],
    yaml: `
huawei_rtc:
  project_id: p1
  auth: { aksk: { access_key: AK1, secret_key: ${JSON.stringify(hwSk)} } }
  apps: [{ app_id: app1 }]
wangsu_cdn:
  auth: { mode: api_key, username_file: ${valueFile(wsUser)}, api_key_file: ${valueFile(wsApiKey)} }
  domains: [{ domain: live.example.com }]
`,
  };
  const hwToken = canary('hw-token');
  const wsSk = canary('ws-sk');
  const b: Case = {
    name: 'huawei token + wangsu aksk',
    secretKeys: [
      [['huawei_rtc', 'auth', 'token'], hwToken],
      [['wangsu_cdn', 'auth', 'secret_key'], wsSk],
    ],
    fileValues: [],
    yaml: `
huawei_rtc:
  project_id: p1
  auth: { token: ${JSON.stringify(hwToken)} }
  apps: [{ app_id: app1 }]
wangsu_cdn:
  auth: { mode: aksk, access_key: AK2, secret_key: ${JSON.stringify(wsSk)} }
  domains: [{ domain: live.example.com }]
`,
  };
  const hwPassword = canary('hw-pw', true);
  const wsApiKey2 = canary('ws-api-key');
  const projectId = canary('project').replace(/[^A-Za-z0-9_-]/g, '_');
  const c: Case = {
    name: 'huawei iam (password from a file, with quotes and backslashes) + wangsu api_key, project_id from a file',
    secretKeys: [
      [['huawei_rtc', 'auth', 'iam', 'password'], hwPassword],
      [['wangsu_cdn', 'auth', 'api_key'], wsApiKey2],
    ],
    fileValues: [projectId],
    yaml: `
huawei_rtc:
  project_id_file: ${valueFile(projectId)}
  auth: { iam: { domain: dom, user: usr, password_file: ${valueFile(hwPassword)} } }
  apps: [{ app_id: app1 }]
wangsu_cdn:
  auth: { mode: api_key, username: user1, api_key: ${JSON.stringify(wsApiKey2)} }
  domains: [{ domain: live.example.com }]
`,
  };
  return [a, b, c];
}

/** An exporter as main.ts builds it: the logger and the exporter share the config's secrets. */
function exporterFor(loaded: LoadedConfig): Exporter {
  const secrets = new SecretRegistry(loaded.secrets);
  return new Exporter({ config: loaded.config, sources, logger: memoryLogger(secrets).logger, version: '0.0.0-test', scrapeTimeoutOffsetMs: 500, secrets });
}

describe('/config', () => {
  it('shows no secret value, of any secret key of either source nor of any *_file, on /config or /', async () => {
    const schema = configSchema(sources);
    const covered = new Set<string>();
    for (const c of cases()) {
      const loaded = parseConfig(c.yaml, { sources, env: {} });
      const planted = [...c.secretKeys.map(([, v]) => v), ...c.fileValues];
      // Every credential the config holds is one of the canaries: nothing unplanted goes unchecked.
      assert.deepEqual(new Set(loaded.secrets), new Set(planted), c.name);
      const exporter = exporterFor(loaded);
      try {
        const config = await request(exporter.app).get('/config').expect(200);
        assert.equal(config.headers['content-type'], 'text/plain; charset=utf-8');
        assert.equal(config.headers['x-content-type-options'], 'nosniff');
        const landing = await request(exporter.app).get('/').expect(200);
        for (const [where, text] of [
          ['/config', config.text],
          ['/', landing.text],
        ] as const) {
          for (const value of planted) for (const n of needles(value)) assert.ok(!text.includes(n), `${c.name}: ${where} shows ${JSON.stringify(n)}`);
        }
        const shown = parse(config.text) as Record<string, Record<string, unknown>>;
        for (const [path] of c.secretKeys) {
          assert.ok(isSecretPath(schema, path), `${path.join('.')} is marked secret() in its schema`);
          assert.equal(at(shown, path), '[REDACTED]', path.join('.'));
          covered.add(path.join('.'));
        }
        assert.match(config.text, /\[REDACTED\]/);
      } finally {
        await exporter.shutdown();
      }
    }
    assert.deepEqual([...covered].sort(), [
      'huawei_rtc.auth.aksk.secret_key',
      'huawei_rtc.auth.iam.password',
      'huawei_rtc.auth.token',
      'wangsu_cdn.auth.api_key',
      'wangsu_cdn.auth.secret_key',
    ]);
  });

  it('prints durations as durations, as written, defaults included, and other numbers as numbers', async () => {
    const loaded = parseConfig(
      `
refresh: { interval: 0s, backoff_initial: 1m30s }
huawei_rtc:
  project_id: p1
  auth: { iam: { domain: dom, user: usr, password: pw-1234567, renew_before: 2h } }
  apps: [{ app_id: app1, rooms: [r1, r2] }]
  lookback: 1h30m
  budget: { window: 2m }
  abnormal_events: { interval: 45s }
wangsu_cdn:
  auth: { mode: api_key, username: user1, api_key: key-1234567 }
  domains: [{ domain: live.example.com }]
  delay: 20m
  fresh_delay: 3m
  request_timeout: 1s500ms
`,
      { sources, env: {} },
    );
    const exporter = exporterFor(loaded);
    try {
      const text = (await request(exporter.app).get('/config').expect(200)).text;
      const shown = parse(text) as Record<string, Record<string, unknown>>;
      const expected: Array<[string, unknown]> = [
        // as written
        ['refresh.interval', '0s'],
        ['refresh.backoff_initial', '1m30s'],
        ['huawei_rtc.auth.iam.renew_before', '2h'],
        ['huawei_rtc.lookback', '1h30m'],
        ['huawei_rtc.budget.window', '2m'],
        ['huawei_rtc.abnormal_events.interval', '45s'],
        ['wangsu_cdn.delay', '20m'],
        ['wangsu_cdn.fresh_delay', '3m'],
        ['wangsu_cdn.request_timeout', '1s500ms'],
        // defaults, and defaults that depend on other keys
        ['refresh.max_scrape_wait', '10s'],
        ['refresh.backoff_max', '5m'],
        ['shutdown_timeout', '10s'],
        ['huawei_rtc.departed_after', '2m'],
        ['huawei_rtc.troubled_room_lead', '2h'],
        ['huawei_rtc.budget.throttle_pause_max', '1m'],
        ['wangsu_cdn.window', '10m'],
        ['wangsu_cdn.budget.api_window', '5m'],
        // numbers that are not durations, and the rest as parsed
        ['huawei_rtc.max_series', 500_000],
        ['huawei_rtc.page_size', 100],
        ['huawei_rtc.budget.requests', 30],
        ['wangsu_cdn.mb_bytes', 1_000_000],
        ['wangsu_cdn.data_interval', '1m'],
        ['wangsu_cdn.online_users', true],
        ['huawei_rtc.apps.0.rooms', ['r1', 'r2']],
        ['huawei_rtc.endpoint', 'https://rtc-api.myhuaweicloud.com'],
      ];
      for (const [path, value] of expected) assert.deepEqual(at(shown, path.split('.')), value, path);
      // The page reads back as the same config.
      const again = parseConfig(text, { sources, env: {} });
      assert.deepEqual(parse(effectiveConfigYaml(again.config, sources, (t) => t)), shown);
    } finally {
      await exporter.shutdown();
    }
  });

  it('shows the config in force now, read at each request', async () => {
    const loaded = parseConfig('wangsu_cdn: { auth: { mode: api_key, username: u, api_key: key-1234567 }, domains: [{ domain: a.example.com }] }', {
      sources,
      env: {},
    });
    const exporter = exporterFor(loaded);
    try {
      assert.match((await request(exporter.app).get('/config')).text, /domain: a\.example\.com/);
      // What a reload does: the exporter's config is replaced.
      const next = parseConfig('wangsu_cdn: { auth: { mode: api_key, username: u, api_key: key-1234567 }, domains: [{ domain: b.example.com }] }', {
        sources,
        env: {},
      });
      Object.defineProperty(exporter, 'config', { get: () => next.config });
      assert.match((await request(exporter.app).get('/config')).text, /domain: b\.example\.com/);
    } finally {
      await exporter.shutdown();
    }
  });

  it('prints a value the way its toJSON says (a proxy URL without its password)', () => {
    const proxied = defineSource({
      name: 'proxied',
      title: 'Proxied',
      metricPrefix: 'proxied_',
      secretHeaders: [],
      config: { proxy_url: z.url().transform((u) => ({ href: u, toJSON: () => u.replace(/:[^:@/]*@/, ':[REDACTED]@') })) },
      create: () => {
        throw new Error('not created');
      },
      startDemo: () => Promise.reject(new Error('no demo')),
    });
    const { config } = parseConfig('proxied: { proxy_url: "http://user:pa55word@proxy.internal:3128" }', { sources: [proxied], env: {} });
    const text = effectiveConfigYaml(config, [proxied], (t) => t);
    assert.match(text, /^ {2}proxy_url: http:\/\/user:\[REDACTED\]@proxy\.internal:3128$/m);
    assert.doesNotMatch(text, /pa55word/);
  });

  it('writes milliseconds back in the largest units, as parseDuration reads them', () => {
    for (const [ms, text] of [
      [0, '0s'],
      [500, '500ms'],
      [60_000, '1m'],
      [90_000, '1m30s'],
      [5_400_000, '1h30m'],
      [86_400_000, '1d'],
      [604_800_000, '1w'],
      [2 ** 31 - 1, '3w3d20h31m23s647ms'],
    ] as const) {
      assert.equal(formatDuration(ms), text);
      assert.equal(parseDuration(text), ms);
    }
  });
});

function at(tree: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], tree);
}
