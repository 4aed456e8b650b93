import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config.js';
import { secret, type Secret } from '../../src/schema.js';
import { defineSource } from '../../src/source.js';
import { sources } from '../../src/sources/index.js';
import { EXAMPLE_ENV } from '../helpers/example-env.js';

// A stand-in source schema, so the tests do not depend on a real source's keys.
const demoSource = defineSource({
  name: 'demo_cdn',
  title: 'Demo CDN',
  metricPrefix: 'demo_',
  secretHeaders: [],
  config: {
    endpoint: z.url(),
    auth: z.strictObject({ username: z.string(), api_key: secret }),
    domains: z.array(z.string()).min(1),
  },
  create: () => {
    throw new Error('not used');
  },
  startDemo: () => Promise.reject(new Error('not used')),
});
type DemoConfig = { auth: { username: string; api_key: Secret }; max_series: number; enabled: boolean };
const modules = [demoSource];

function problems(text: string, env: NodeJS.ProcessEnv = {}, baseDir?: string): string[] {
  try {
    parseConfig(text, { sources: modules, env, name: 'config.yaml', ...(baseDir ? { baseDir } : {}) });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
    return err.problems;
  }
  assert.fail('config was accepted');
}

const VALID = `
demo_cdn:
  endpoint: https://api.example.com
  auth:
    username: user
    api_key: \${DEMO_API_KEY}
  domains: [live.example.com]
`;

describe('config', () => {
  it('accepts a valid file, substitutes variables and applies defaults', () => {
    const { config, secrets } = parseConfig(VALID, { sources: modules, env: { DEMO_API_KEY: 'k-123456' } });
    assert.equal(config.refresh.interval, 60_000);
    assert.equal(config.refresh.max_scrape_wait, 10_000);
    assert.equal(config.shutdown_timeout, 10_000);
    const demo = config.sources.get('demo_cdn') as unknown as DemoConfig;
    assert.equal(demo.auth.api_key.reveal(), 'k-123456');
    assert.equal(demo.max_series, 500_000);
    assert.equal(demo.enabled, true);
    assert.deepEqual(secrets, ['k-123456']);
  });

  it('names the key and the variable when an environment variable is missing', () => {
    assert.deepEqual(problems(VALID.replace('username: user', 'username: ${DEMO_USER}')), [
      'demo_cdn.auth.username: environment variable DEMO_USER is not set; set it, or write ${DEMO_USER:-default}',
      'demo_cdn.auth.api_key: environment variable DEMO_API_KEY is not set; set it (or use the same key with _file and a path)',
    ]);
  });

  it('uses ${VAR:-default} when the variable is unset, and $$ for a literal dollar', () => {
    const { config } = parseConfig(
      `refresh:\n  interval: \${INTERVAL:-90s}\ndemo_cdn:\n  endpoint: https://x.example\n  auth: {username: "a$$b", api_key: kkkk}\n  domains: [d]\n`,
      { sources: modules, env: {} },
    );
    assert.equal(config.refresh.interval, 90_000);
    assert.equal((config.sources.get('demo_cdn') as unknown as DemoConfig).auth.username, 'a$b');
  });

  it('rejects an unknown key with its full path', () => {
    assert.deepEqual(problems('refresh:\n  intervall: 30s\n'), ['refresh.intervall: unknown key; remove it or fix its spelling (see config.example.yaml)']);
    assert.deepEqual(problems('scrape: {}\n'), ['scrape: unknown key; remove it or fix its spelling (see config.example.yaml)']);
  });

  it('rejects a wrong type, a missing key and a bad duration, naming each path', () => {
    const found = problems(
      `refresh:\n  interval: 5 minutes\ndemo_cdn:\n  endpoint: https://x.example\n  auth: {username: u, api_key: kkkk}\n  domains: live.example.com\n  max_series: -1\n`,
    );
    assert.deepEqual(found.sort(), [
      'demo_cdn.domains: expected array, got string; change the value',
      'demo_cdn.max_series: Too small: expected number to be >0; change the value',
      'refresh.interval: "5 minutes" is not a duration: unknown unit " minutes"; write it like "30s", "5m" or "1h30m": whole numbers, units y w d h m s ms, each once and largest first',
    ]);
    assert.deepEqual(problems('demo_cdn:\n  endpoint: https://x.example\n  domains: [d]\n'), ['demo_cdn.auth: missing; add it (see config.example.yaml)']);
  });

  it('reports a YAML syntax error with its line', () => {
    const [p, ...rest] = problems('refresh:\n  interval: 30s\n  max_scrape_wait: [10s\nshutdown_timeout: 5s\n');
    assert.equal(rest.length, 0);
    assert.match(p!, /^config\.yaml:4:\d+: YAML syntax error: /);
    assert.match(problems('a: 1\na: 2\n')[0]!, /^config\.yaml:2:1: YAML syntax error: Map keys must be unique/);
  });

  it('reads *_file secrets relative to the config file, trimming the trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'key.txt'), 'from-file-secret\n');
    const path = join(dir, 'config.yaml');
    writeFileSync(path, VALID.replace('api_key: ${DEMO_API_KEY}', 'api_key_file: key.txt'));
    const { config, secrets } = loadConfigFile(path, modules, {});
    assert.equal((config.sources.get('demo_cdn') as unknown as DemoConfig).auth.api_key.reveal(), 'from-file-secret');
    assert.deepEqual(secrets, ['from-file-secret']);

    assert.match(
      problems(VALID.replace('api_key: ${DEMO_API_KEY}', 'api_key_file: missing.txt'), {}, dir)[0]!,
      /^demo_cdn\.auth\.api_key_file: cannot read file missing\.txt \(ENOENT\); create it or fix the path$/,
    );
    assert.deepEqual(problems(VALID.replace('api_key: ${DEMO_API_KEY}', 'api_key: x\n    api_key_file: key.txt'), {}, dir), [
      'demo_cdn.auth.api_key_file: set api_key or api_key_file, not both; remove one',
    ]);
  });

  it('never puts a secret value in an error message', () => {
    const found = problems(VALID.replace('api_key: ${DEMO_API_KEY}', 'api_key: [s3cr3t-value]'));
    assert.equal(found.length, 1);
    assert.doesNotMatch(found[0]!, /s3cr3t/);
  });

  it('names the file when it cannot be read', () => {
    assert.throws(
      () => loadConfigFile('/nonexistent/config.yaml', modules),
      /\/nonexistent\/config\.yaml: cannot read the config file \(ENOENT\); check --config\.file/,
    );
  });

  it('keeps config.example.yaml valid', () => {
    const { config } = loadConfigFile(new URL('../../../config.example.yaml', import.meta.url).pathname, sources, EXAMPLE_ENV);
    assert.ok(config.refresh.interval > 0);
    assert.deepEqual(
      [...config.sources.keys()],
      sources.map((m) => m.name),
      'a source has no block in config.example.yaml',
    );
  });
});
