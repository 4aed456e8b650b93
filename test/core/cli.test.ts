import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLE_ENV } from '../helpers/example-env.js';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['dist/src/main.js', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...EXAMPLE_ENV } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('command line', () => {
  it('prints help and version and exits 0', () => {
    const help = run('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /--web\.listen-address=ADDR\s+Address to listen on\. Default: :10187/);
    const version = run('--version');
    assert.equal(version.code, 0);
    assert.match(version.out, /^rtc-cdn-exporter \d+\.\d+\.\d+ \(node v/);
  });

  it('exits 2 on a bad flag or a bad listen address', () => {
    for (const args of [['--nope'], ['--log.level=loud'], ['--web.listen-address=10187']]) {
      const r = run(...args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}`);
      assert.match(r.err, /^rtc-cdn-exporter: /);
    }
  });

  it('exits 1 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as AddressInfo;
    try {
      const r = run('--demo', `--web.listen-address=127.0.0.1:${port}`);
      assert.equal(r.code, 1);
      assert.match(r.out, /EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it('checks a config: 0 and a verdict when valid, 2 and every problem when not', () => {
    const ok = run('--config.file=config.example.yaml', '--config.check');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /config\.example\.yaml: OK/);

    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'refresh:\n  interval: soon\nextra: 1\n');
    const r = run(`--config.file=${bad}`, '--config.check');
    assert.equal(r.code, 2);
    assert.match(r.err, /config error: refresh\.interval: "soon" is not a duration/);
    assert.match(r.err, /config error: extra: unknown key/);
    assert.equal(run('--config.file=/nonexistent.yaml').code, 2);
  });
});
