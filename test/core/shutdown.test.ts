import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { FakeSource, fakeExporter, sample } from '../helpers/fakes.js';
import type { Sample } from '../../src/series-writer.js';

describe('graceful shutdown', () => {
  it('lets an in-flight scrape finish with the last good data, aborts the upstream call, refuses new connections', async () => {
    let hang = false;
    let aborted = false;
    let hanging!: () => void;
    const hangStarted = new Promise<void>((r) => (hanging = r));
    const source = new FakeSource({
      refresher: (_key, ctx) => {
        if (!hang) return Promise.resolve([sample({ room: 'r1' }, 1)]);
        hanging();
        return new Promise<Sample[]>((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason);
          }),
        );
      },
    });
    source.refreshIntervalMs = 0; // every scrape refreshes
    const { exporter } = fakeExporter([source], { configYaml: 'refresh: {interval: 0s, max_scrape_wait: 60s}\nshutdown_timeout: 5s\nfake: {}' });
    const [addr] = (await exporter.listen(['127.0.0.1:0'])) as [AddressInfo];
    const url = `http://127.0.0.1:${addr.port}/metrics`;
    assert.match(await (await request(url)).body.text(), /^test_value\{room="r1"\} 1$/m);
    hang = true;
    const inflight = request(url);
    await hangStarted;
    await exporter.shutdown();
    const res = await inflight;
    assert.equal(res.statusCode, 200);
    assert.match(await res.body.text(), /^test_value\{room="r1"\} 1$/m);
    assert.equal(aborted, true, 'upstream call not aborted');
    await assert.rejects(request(url), /ECONNREFUSED/);
  });

  it('exits 0 on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const child = spawn(process.execPath, ['dist/src/main.js', '--demo', '--web.listen-address=127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      while (!out.includes('"msg":"listening"')) await once(child.stdout, 'data');
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, `exit code after ${signal}: ${code}\n${out}`);
      assert.match(out, /"msg":"stopped"/);
    }
  });

  it('exits 0 on a SIGTERM that arrives while the demo is starting, having closed what it opened', { timeout: 20_000 }, async () => {
    const register = new URL('../fixtures/module-log/register.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', register, 'dist/src/main.js', '--demo', '--web.listen-address=127.0.0.1:0'], {
      env: { PATH: process.env.PATH ?? '', SIGTERM_AT: '/dist/src/demo.js' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.deepEqual([code, signal], [0, null], out);
    assert.doesNotMatch(out, /"msg":"listening"/);
  });

  it('in demo mode, SIGHUP reloads the demo config (nothing changes) and the process serves on', { timeout: 20_000 }, async () => {
    const child = spawn(process.execPath, ['dist/src/main.js', '--demo', '--web.listen-address=127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    while (!out.includes('"msg":"listening"')) await once(child.stdout, 'data');
    const port = Number(/"address":"[^"]*:(\d+)"/.exec(out)![1]);
    child.kill('SIGHUP');
    while (!out.includes('"msg":"config reloaded"')) await once(child.stdout, 'data');
    assert.match(out, /"trigger":"SIGHUP","kept":\["huawei_rtc","wangsu_cdn"\],"rebuilt":\[\]/);
    assert.equal((await request(`http://127.0.0.1:${port}/-/healthy`)).statusCode, 200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, out);
  });
});
