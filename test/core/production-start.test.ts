// A production start loads no simulator or demo module: fakes are reached only
// through the lazy import() behind --demo.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLE_ENV } from '../helpers/example-env.js';

const MAIN = new URL('../../src/main.js', import.meta.url);
const REGISTER = new URL('../fixtures/module-log/register.js', import.meta.url);

/** Starts main.js with the module log on, waits for `ready` in its output, stops it; returns the loaded URLs. */
function loadedModules(args: string[], ready: RegExp): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'modules-'));
  const logFile = join(dir, 'modules.log');
  writeFileSync(logFile, '');
  const child = spawn(process.execPath, ['--import', REGISTER.href, MAIN.pathname, ...args], {
    env: { PATH: process.env.PATH ?? '', ...EXAMPLE_ENV, MODULE_LOG: logFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!ready.test(out)) return reject(new Error(`never saw ${ready} (exit ${code}):\n${out}`));
      resolve(readFileSync(logFile, 'utf8').split('\n').filter(Boolean));
    });
  });
}

const isFake = (url: string) => /\/sim\//.test(url) || /\/demo\.js$/.test(url);

describe('production start', () => {
  it('loads no simulator or demo module, while --demo does', async () => {
    // The example config, pointed at a closed loopback port: no request leaves the machine.
    const dir = mkdtempSync(join(tmpdir(), 'prod-'));
    const config = readFileSync(new URL('../../../config.example.yaml', import.meta.url), 'utf8').replace(
      /endpoint: https:\/\/\S+/g,
      'endpoint: http://127.0.0.1:9',
    );
    writeFileSync(join(dir, 'config.yaml'), config);
    const prod = await loadedModules([`--config.file=${join(dir, 'config.yaml')}`, '--web.listen-address=127.0.0.1:0'], /"msg":"listening"/);
    const own = prod.filter((u) => u.includes('/dist/src/'));
    assert.ok(
      own.some((u) => u.endsWith('/sources/wangsu-cdn/source.js')),
      'the module log saw the sources load',
    );
    assert.deepEqual(own.filter(isFake), []);

    const demo = await loadedModules(['--demo', '--web.listen-address=127.0.0.1:0'], /"msg":"listening"/);
    assert.ok(demo.filter(isFake).length >= 2, 'the module log would not see a simulator load');
  });
});
