import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileRefused, readRegularFile } from '../../src/config-file.js';
import { parseConfig } from '../../src/config.js';
import { parseDuration } from '../../src/duration.js';
import { isSecretPath, MAX_DURATION_MS } from '../../src/schema.js';
import { sources } from '../../src/sources/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cfgfile-'));

describe('bounded config file reads', () => {
  it('reads a regular file up to its cap, and not one byte more', () => {
    writeFileSync(join(dir, 'ten'), '0123456789');
    assert.equal(readRegularFile(join(dir, 'ten'), 10), '0123456789');
    assert.throws(
      () => readRegularFile(join(dir, 'ten'), 9),
      (e: unknown) => e instanceof FileRefused && /larger than/.test(e.message),
    );
  });

  it('stops at the cap even where the size is unknown (a /proc file reports 0 bytes)', () => {
    assert.ok(readRegularFile('/proc/self/status', 64 * 1024).includes('Name:'));
    assert.throws(() => readRegularFile('/proc/self/status', 16), /larger than/);
  });

  it('refuses devices and directories by what they are', () => {
    assert.throws(() => readRegularFile('/dev/null', 1024), /a character device, not a regular file/);
    assert.throws(() => readRegularFile(dir, 1024), /a directory, not a regular file/);
  });
});

describe('config rules that need no CLI', () => {
  it('knows which paths are secret in every registered source', () => {
    const schema = sources.find((s) => s.name === 'wangsu_cdn')!.schema;
    assert.equal(isSecretPath(schema, ['auth', 'api_key']), true);
    assert.equal(isSecretPath(schema, ['auth', 'secret_key']), true);
    assert.equal(isSecretPath(schema, ['auth', 'username']), false);
    const huawei = sources.find((s) => s.name === 'huawei_rtc')!.schema;
    assert.equal(isSecretPath(huawei, ['auth', 'iam', 'password']), true);
    assert.equal(isSecretPath(huawei, ['auth', 'token']), true);
    assert.equal(isSecretPath(huawei, ['apps', '0', 'app_id']), false);
  });

  it('keeps the largest duration a timer holds, and refuses one millisecond more', () => {
    assert.equal(parseDuration('24d20h31m23s647ms'), MAX_DURATION_MS);
    const base = 'wangsu_cdn:\n  auth: {mode: api_key, username: u, api_key: k}\n  domains: [{domain: d.example.com}]\n';
    const at = (d: string) => parseConfig(`shutdown_timeout: ${d}\n${base}`, { sources, env: {} }).config.shutdown_timeout;
    assert.equal(at('24d20h31m23s647ms'), MAX_DURATION_MS);
    assert.throws(() => at('24d20h31m23s648ms'), /shutdown_timeout: "24d20h31m23s648ms" is a valid duration, but longer than/);
  });

  it('lets refresh.interval be 0 (every scrape refreshes) but not the back-off', () => {
    const base = 'wangsu_cdn:\n  auth: {mode: api_key, username: u, api_key: k}\n  domains: [{domain: d.example.com}]\n';
    assert.equal(parseConfig(`refresh: {interval: 0s}\n${base}`, { sources, env: {} }).config.refresh.interval, 0);
    assert.throws(() => parseConfig(`refresh: {backoff_max: 0s}\n${base}`, { sources, env: {} }), /refresh\.backoff_max: must be longer than 0/);
  });
});
