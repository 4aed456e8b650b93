// Secret canaries: a unique random value in every secret key of every auth mode
// of both sources (inline and as *_file), plus the IAM tokens the simulator
// issues, driven through refreshes that succeed and through 401 answers that
// echo the request's headers back. Nothing that leaves the exporter (log lines
// at debug level, /metrics, /, /-/ready, /config, error messages, a spawned
// main's stdout and stderr) may carry any of them, whole, JSON-escaped or in part.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { systemClock } from '../../src/clock.js';
import type { Exporter } from '../../src/exporter.js';
import { ManualClock } from '../../src/sim/manual-clock.js';
import { settle } from '../../src/sim/drive.js';
import { huaweiSetup } from '../../src/sources/huawei-rtc/sim/drive.js';
import { HuaweiRtcSimulator } from '../../src/sources/huawei-rtc/sim/simulator.js';
import { buildSource, startSim } from '../../src/sources/wangsu-cdn/sim/drive.js';
import type { RefreshContext, Source } from '../../src/source.js';

const canaries: string[] = [];
/** Unique and random; `special` adds the characters JSON escapes, so the escaped form is tested too. */
function canary(label: string, special = false): string {
  const v = `${label}-${randomBytes(12).toString('base64url')}${special ? '"q\\b' : ''}-${randomBytes(6).toString('hex')}`;
  canaries.push(v);
  return v;
}

const places: Array<{ where: string; text: string }> = [];
const record = (where: string, text: string) => places.push({ where, text });
const dir = mkdtempSync(join(tmpdir(), 'canary-'));
let files = 0;
/** A secret file, with the trailing newline editors leave. */
function secretFile(value: string): string {
  const path = join(dir, `secret-${++files}`);
  writeFileSync(path, `${value}\n`);
  return path;
}

const ctx = (): RefreshContext => ({ signal: new AbortController().signal, priority: 0 });

/** The exporter's pages; a scrape may wait for refreshes, which wait on the fake clock, so it is moved meanwhile. */
async function recordEndpoints(where: string, exporter: Exporter, clock: ManualClock): Promise<void> {
  for (const path of ['/metrics', '/', '/-/ready', '/config']) {
    const res = await settle(
      clock,
      Promise.resolve(
        request(exporter.app)
          .get(path)
          .then((r) => r),
      ),
    );
    record(`${where} ${path}`, res.text);
  }
}

/** What an error shows wherever it could be printed. */
function recordError(where: string, err: unknown): void {
  assert.ok(err instanceof Error, `${where}: expected a failure`);
  record(`${where} error`, `${String(err)}\n${inspect(err)}\n${JSON.stringify({ ...err, message: err.message, stack: err.stack })}`);
}

/** Needles of one canary: whole, JSON-escaped, first half, and every 8-character piece. */
function needles(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  const out = new Set([secret, escaped, secret.slice(0, Math.ceil(secret.length / 2))]);
  for (let i = 0; i + 8 <= secret.length; i++) out.add(secret.slice(i, i + 8));
  return [...out];
}

describe('secret canaries', () => {
  after(() => {
    // Printed for the record: how much was looked at, and what was found.
    const hits = places.flatMap((p) =>
      canaries.flatMap((c) =>
        needles(c)
          .filter((n) => p.text.includes(n))
          .map((n) => `${p.where}: ${n}`),
      ),
    );
    console.log(`secret canaries: ${canaries.length} canaries, ${places.length} places, ${hits.length} hits`);
  });

  for (const mode of ['inline', 'file'] as const) {
    it(`huawei_rtc aksk (${mode}): signatures and secret key stay out of sight through echoed 401s`, async () => {
      const sk = canary('hw-sk');
      const secret = mode === 'inline' ? { secret_key: sk } : { secret_key_file: secretFile(sk) };
      const h = await huaweiSetup({
        sim: { credentials: { accessKey: 'AK-CANARY', secretKey: sk } },
        config: { auth: { aksk: { access_key: 'AK-CANARY', ...secret } } },
      });
      try {
        h.sim.faults.push('echo_headers', 2);
        recordError('hw aksk direct', await settle(h.clock, h.source.listKeys(ctx())).catch((e: unknown) => e));
        await h.scrape();
        await recordEndpoints('hw aksk failing', h.exporter, h.clock);
        assert.match(places.find((p) => p.where === 'hw aksk failing /')!.text, /request headers/, 'the echoed 401 is on the landing page');
        await h.run(20 * 60_000, 60_000);
        await h.scrape();
        await recordEndpoints('hw aksk', h.exporter, h.clock);
        assert.ok(
          h.log.lines.some((l) => l.includes('request headers')),
          'an echoed 401 reached the log',
        );
        assert.match(await h.scrape(), /^huaweicloud_rtc_/m, 'refreshes also succeeded');
      } finally {
        record('hw aksk logs', h.log.lines.join('\n'));
        await h.close();
      }
    });

    it(`huawei_rtc token (${mode}): the static token stays out of sight through echoed 401s`, async () => {
      const token = canary('hw-token');
      const h = await huaweiSetup({
        sim: { staticTokens: [token] },
        config: { auth: mode === 'inline' ? { token } : { token_file: secretFile(token) } },
      });
      try {
        h.sim.faults.push('echo_headers', 2);
        recordError('hw token direct', await settle(h.clock, h.source.listKeys(ctx())).catch((e: unknown) => e));
        await h.scrape();
        await h.run(10 * 60_000, 60_000);
        await recordEndpoints('hw token', h.exporter, h.clock);
      } finally {
        record('hw token logs', h.log.lines.join('\n'));
        await h.close();
      }
    });

    it(`huawei_rtc iam (${mode}): password and every issued token stay out of sight, through renewals and echoed 401s`, async () => {
      const password = canary('hw-pw', true);
      const h = await huaweiSetup({
        sim: {
          iamUser: { domain: 'dom', user: 'usr', password },
          newToken: () => canary('hw-iam-token'),
          tokenLifetimeMs: 2 * 3_600_000,
          echoHeaders: true,
        },
        config: (url) => ({
          auth: { iam: { endpoint: url, domain: 'dom', user: 'usr', ...(mode === 'inline' ? { password } : { password_file: secretFile(password) }) } },
        }),
      });
      try {
        await h.scrape();
        h.sim.faults.push('echo_headers', 3);
        await h.run(10 * 60_000, 60_000);
        // Past the renewal point, twice: new tokens, each a canary.
        await h.run(3 * 3_600_000, 5 * 60_000);
        await recordEndpoints('hw iam', h.exporter, h.clock);
        assert.ok(canaries.filter((c) => c.startsWith('hw-iam-token')).length >= 2, 'tokens were issued and renewed');
      } finally {
        record('hw iam logs', h.log.lines.join('\n'));
        await h.close();
      }
    });

    it(`huawei_rtc iam (${mode}): a refused password echoed back by IAM with the request body`, async () => {
      const password = canary('hw-pw-refused', true);
      const h = await huaweiSetup({
        sim: { echoHeaders: true },
        config: (url) => ({
          auth: {
            iam: { endpoint: url, domain: 'sim-account', user: 'sim-user', ...(mode === 'inline' ? { password } : { password_file: secretFile(password) }) },
          },
        }),
      });
      try {
        recordError('hw iam refused direct', await settle(h.clock, h.source.listKeys(ctx())).catch((e: unknown) => e));
        await h.scrape();
        await recordEndpoints('hw iam refused', h.exporter, h.clock);
        assert.ok(h.log.lines.some((l) => l.includes('The username or password is wrong')));
      } finally {
        record('hw iam refused logs', h.log.lines.join('\n'));
        await h.close();
      }
    });

    for (const auth of ['api_key', 'aksk'] as const) {
      it(`wangsu_cdn ${auth} (${mode}): the key and what is computed from it stay out of sight through echoed 401s`, async () => {
        const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
        const key = canary(`ws-${auth}`);
        const wrong = canary(`ws-${auth}-wrong`);
        const field = auth === 'api_key' ? 'api_key' : 'secret_key';
        const block = (value: string) => ({
          mode: auth,
          ...(auth === 'api_key' ? { username: 'canary-user' } : { access_key: 'canary-ak' }),
          ...(mode === 'inline' ? { [field]: value } : { [`${field}_file`]: secretFile(value) }),
        });
        const credentials = auth === 'api_key' ? { apiKeys: { 'canary-user': key } } : { akSk: { 'canary-ak': key } };
        const sim = await startSim({ clock, model: { seed: 1, domains: [{ domain: 'a.example', streams: ['live/s1'] }] }, credentials, echoHeaders: true });
        const good = buildSource({ endpoint: sim.url, auth: block(key), domains: [{ domain: 'a.example' }] }, clock);
        const bad = buildSource({ endpoint: sim.url, auth: block(wrong), domains: [{ domain: 'a.example' }] }, clock);
        try {
          for (const [name, h] of [
            ['good', good],
            ['bad', bad],
          ] as const) {
            const source: Source = h.source;
            const [k] = await source.listKeys(ctx());
            if (name === 'good') sim.sim.injectFault('echo_headers');
            recordError(`ws ${auth} ${name} direct`, await settle(clock, source.refresh(k!, ctx())).catch((e: unknown) => e));
            sim.sim.injectFault('echo_headers', 2);
            await h.runScrapes(10 * 60_000, 60_000);
            await recordEndpoints(`ws ${auth} ${name}`, h.exporter, h.clock);
          }
          assert.ok(
            good.log.lines.some((l) => l.includes('request headers')),
            'an echoed 401 reached the log',
          );
          assert.match(good.scheduler.exposition().text, /^wangsu_live_/m, 'refreshes also succeeded');
        } finally {
          record(`ws ${auth} good logs`, good.log.lines.join('\n'));
          record(`ws ${auth} bad logs`, bad.log.lines.join('\n'));
          await good.close();
          await bad.close();
          await sim.close();
        }
      });
    }
  }

  it('a spawned main.js with a file config: stdout, stderr and its endpoints', async () => {
    const iamPassword = canary('main-pw', true);
    const wangsuKey = canary('main-ws-key');
    const hwSk = canary('main-hw-sk');
    const wsSk = canary('main-ws-sk');
    const hw = new HuaweiRtcSimulator({
      iamUser: { domain: 'dom', user: 'usr', password: iamPassword },
      newToken: () => canary('main-iam-token'),
      echoHeaders: true,
    });
    hw.faults.push('echo_headers', 1000);
    const hwServer = await hw.listen();
    const ws = await startSim({
      clock: systemClock,
      model: { seed: 1, domains: [{ domain: 'a.example', streams: ['live/s1'] }] },
      credentials: { apiKeys: { 'canary-user': 'the-right-key-1234' } },
      echoHeaders: true,
    });
    const closed = await closedPort();
    const core = 'refresh: {interval: 1s, backoff_initial: 1s, backoff_max: 2s, max_scrape_wait: 2s}\nshutdown_timeout: 2s\n';
    const configs = {
      simulators: `${core}
huawei_rtc:
  endpoint: ${hwServer.url}
  project_id: ${hw.projectId}
  auth: {iam: {endpoint: ${hwServer.url}, domain: dom, user: usr, password_file: ${secretFile(iamPassword)}}}
  apps: [{app_id: ${hw.world.appIds()[0]}}]
wangsu_cdn:
  endpoint: ${ws.url}
  auth: {mode: api_key, username: canary-user, api_key: "\${CANARY_WANGSU_KEY}"}
  domains: [{domain: a.example}]
`,
      closed: `${core}
huawei_rtc:
  endpoint: http://127.0.0.1:${closed}
  project_id: p1
  auth: {aksk: {access_key: AK, secret_key_file: ${secretFile(hwSk)}}}
  apps: [{app_id: a1}]
wangsu_cdn:
  endpoint: http://127.0.0.1:${closed}
  auth: {mode: aksk, access_key: AK, secret_key_file: ${secretFile(wsSk)}}
  domains: [{domain: a.example}]
`,
    };
    try {
      for (const [name, yaml] of Object.entries(configs)) {
        const file = join(dir, `${name}.yaml`);
        writeFileSync(file, yaml);
        const run = await runMain(file, { CANARY_WANGSU_KEY: wangsuKey });
        record(`main ${name} stdout`, run.stdout);
        record(`main ${name} stderr`, run.stderr);
        for (const [path, text] of Object.entries(run.pages)) record(`main ${name} ${path}`, text);
        assert.match(run.stdout, /refresh failed/, `${name}: the run saw failures`);
      }
      assert.ok(
        canaries.some((c) => c.startsWith('main-iam-token')),
        'the spawned exporter obtained an IAM token',
      );
    } finally {
      await hwServer.close();
      await ws.close();
    }
  });

  it('finds no canary anywhere: whole, JSON-escaped, half, or any 8 characters of one', () => {
    assert.ok(canaries.length >= 20, `${canaries.length} canaries`);
    assert.ok(places.length >= 60, `${places.length} places`);
    const hits: string[] = [];
    for (const { where, text } of places) {
      for (const c of canaries) for (const n of needles(c)) if (text.includes(n)) hits.push(`${where}: ${JSON.stringify(n)} of ${c.split('-')[0]}`);
      // Signatures and Basic credentials are computed, not planted: none may show in any form.
      for (const m of text.matchAll(/Signature=[0-9a-f]{8}|Basic [A-Za-z0-9+/]{8}/g)) hits.push(`${where}: ${m[0]}`);
    }
    assert.deepEqual(hits.slice(0, 10), [], `${hits.length} hits`);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Runs main.js at debug level until it has failed a few refreshes, reads its endpoints, stops it with SIGTERM. */
async function runMain(configFile: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['dist/src/main.js', `--config.file=${configFile}`, '--log.level=debug', '--web.listen-address=127.0.0.1:0'], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = async (test: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !test() && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  };
  const pages: Record<string, string> = {};
  try {
    await until(() => /"msg":"listening"/.test(stdout), 10_000);
    const port = /"address":"[^"]*:(\d+)"/.exec(stdout)?.[1];
    assert.ok(port, `main did not listen: ${stdout}${stderr}`);
    // Both sources fail at least twice (discovery, refreshes after back-off).
    await until(() => (stdout.match(/refresh failed/g) ?? []).length >= 4, 15_000);
    for (const path of ['/metrics', '/', '/-/ready', '/config']) pages[path] = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return { stdout, stderr, pages };
}
