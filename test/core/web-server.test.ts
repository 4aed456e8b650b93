// --web.config.file served for real: HTTPS, client certificates, basic auth
// and headers, with certificates made by openssl and the real curl as the
// client, on loopback. Certificates and the web config are edited on disk
// while the server runs, as an operator or cert-manager would.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { memoryLogger } from '../../src/sim/memory-logger.js';
import { createWebServer, type WebServer } from '../../src/web-server.js';
import { curl } from '../helpers/curl.js';
import { FakeSource, fakeExporter } from '../helpers/fakes.js';
import { makeTestPki } from '../helpers/test-pki.js';

const dir = mkdtempSync(join(tmpdir(), 'web-server-'));
const pki = makeTestPki(dir);
// Cost 4, the lowest bcrypt allows: the tests check behaviour, not bcrypt's cost.
const ALICE_PASSWORD = 'alice-correct-horse';
const ALICE_HASH = bcrypt.hashSync(ALICE_PASSWORD, 4);
const BOB_PASSWORD = 'bob-battery-staple';
const BOB_HASH = bcrypt.hashSync(BOB_PASSWORD, 4);

const servers: WebServer[] = [];
let fileCount = 0;

after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

function tlsBlock(lines: string[] = [], cert = pki.server): string {
  return ['tls_server_config:', `  cert_file: ${cert.cert}`, `  key_file: ${cert.key}`, ...lines.map((l) => `  ${l}`)].join('\n');
}

/** A server for a tiny app with `yaml` as its web config; the file stays editable. */
async function serve(yaml: string) {
  const file = join(dir, `web-${++fileCount}.yml`);
  writeFileSync(file, yaml);
  const log = memoryLogger();
  const server = createWebServer((_req, res) => res.end('ok\n'), { webConfigFile: file, logger: log.logger });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const scheme = yaml.includes('tls_server_config') ? 'https' : 'http';
  return { url: `${scheme}://127.0.0.1:${port}/metrics`, file, log };
}

const withCa = (ca = pki.ca.cert) => ['--cacert', ca];
const withClient = (c: { cert: string; key: string }) => ['--cert', c.cert, '--key', c.key];

describe('HTTPS from the web config', () => {
  it('serves with the configured certificate: a client trusting its CA gets through, one trusting another CA does not', async () => {
    const { url } = await serve(tlsBlock());
    const ok = await curl(url, withCa());
    assert.equal(ok.status, 200, ok.stderr);
    assert.equal(ok.body, 'ok\n');
    const wrong = await curl(url, withCa(pki.wrongCa.cert));
    assert.equal(wrong.status, 0);
    assert.equal(wrong.code, 60, wrong.stderr); // curl: peer certificate cannot be authenticated
  });

  it('RequireAndVerifyClientCert: a certificate from the client CA gets through; none, or one from another CA, is refused', async () => {
    const { url, log } = await serve(tlsBlock(['client_auth_type: RequireAndVerifyClientCert', `client_ca_file: ${pki.ca.cert}`]));
    const ok = await curl(url, [...withCa(), ...withClient(pki.client)]);
    assert.equal(ok.status, 200, ok.stderr);
    const none = await curl(url, withCa());
    assert.equal(none.status, 0, 'no client certificate, no response');
    assert.notEqual(none.code, 0);
    const wrong = await curl(url, [...withCa(), ...withClient(pki.wrongClient)]);
    assert.equal(wrong.status, 0, 'a client certificate from another CA, no response');
    assert.notEqual(wrong.code, 0);
    const refusals = log.records().filter((r) => r.msg === 'TLS client refused');
    assert.deepEqual(
      refusals.map((r) => String(r.reason).split(' (')[0]),
      ['no client certificate', 'client certificate not verified by the client CA'],
    );
  });

  it('the other client_auth_type modes ask for, require and verify what the toolkit documents', async () => {
    const cases: Array<{ mode: string; none: number; wrong: number; right: number }> = [
      { mode: 'NoClientCert', none: 200, wrong: 200, right: 200 },
      { mode: 'RequestClientCert', none: 200, wrong: 200, right: 200 },
      { mode: 'RequireAnyClientCert', none: 0, wrong: 200, right: 200 },
      { mode: 'VerifyClientCertIfGiven', none: 200, wrong: 0, right: 200 },
    ];
    for (const c of cases) {
      const ca = c.mode === 'NoClientCert' ? [] : [`client_ca_file: ${pki.ca.cert}`];
      const { url } = await serve(tlsBlock([`client_auth_type: ${c.mode}`, ...ca]));
      const got = {
        mode: c.mode,
        none: (await curl(url, withCa())).status,
        wrong: (await curl(url, [...withCa(), ...withClient(pki.wrongClient)])).status,
        right: (await curl(url, [...withCa(), ...withClient(pki.client)])).status,
      };
      assert.deepEqual(got, c);
    }
  });

  it('client_allowed_sans: a verified client certificate without an allowed SAN is refused', async () => {
    const base = ['client_auth_type: RequireAndVerifyClientCert', `client_ca_file: ${pki.ca.cert}`];
    const allowed = await serve(tlsBlock([...base, 'client_allowed_sans: [other.example, prometheus.example]']));
    assert.equal((await curl(allowed.url, [...withCa(), ...withClient(pki.client)])).status, 200);
    const refused = await serve(tlsBlock([...base, 'client_allowed_sans: [other.example]']));
    assert.equal((await curl(refused.url, [...withCa(), ...withClient(pki.client)])).status, 0);
    assert.ok(refused.log.records().some((r) => r.reason === 'client certificate has none of client_allowed_sans'));
  });

  it('min_version, max_version and cipher_suites reach the handshake', async () => {
    const tls13 = await serve(tlsBlock(['min_version: TLS13']));
    assert.equal((await curl(tls13.url, [...withCa(), '--tls-max', '1.2'])).status, 0, 'a TLS 1.2 client refused');
    assert.equal((await curl(tls13.url, withCa())).status, 200);

    const suite = await serve(tlsBlock(['max_version: TLS12', 'cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]']));
    const res = await curl(suite.url, [...withCa(), '-v']);
    assert.equal(res.status, 200, res.stderr);
    assert.match(res.stderr, /SSL connection using TLSv1\.2 \/ ECDHE-ECDSA-AES256-GCM-SHA384/);
  });

  it('a certificate replaced on disk is presented from the next new connection on', async () => {
    const own = join(dir, 'rotating');
    mkdirSync(own);
    const live = { cert: join(own, 'tls.crt'), key: join(own, 'tls.key') };
    copyFileSync(pki.server.cert, live.cert);
    copyFileSync(pki.server.key, live.key);
    const { url, log } = await serve(tlsBlock([], live));
    const before = await curl(url, [...withCa(), '-v']);
    assert.equal(before.status, 200);
    assert.match(before.stderr, /subject: CN=exporter$/m);

    const renewed = pki.issue('renewed', { cn: 'exporter-renewed', san: 'IP:127.0.0.1', usage: 'serverAuth', serial: 1002 });
    // As cert-manager writes a Secret's volume: new files renamed over the old ones.
    copyFileSync(renewed.cert, `${live.cert}.new`);
    copyFileSync(renewed.key, `${live.key}.new`);
    rmSync(live.cert);
    rmSync(live.key);
    copyFileSync(`${live.cert}.new`, live.cert);
    copyFileSync(`${live.key}.new`, live.key);
    const after = await curl(url, [...withCa(), '-v']);
    assert.equal(after.status, 200, after.stderr);
    assert.match(after.stderr, /subject: CN=exporter-renewed$/m);
    assert.ok(log.records().some((r) => r.msg === 'TLS certificate, key and client CA reloaded'));
  });

  it('a key that does not match the new certificate is logged and the previous certificate keeps serving', async () => {
    const own = join(dir, 'half-rotated');
    mkdirSync(own);
    const live = { cert: join(own, 'tls.crt'), key: join(own, 'tls.key') };
    copyFileSync(pki.server.cert, live.cert);
    copyFileSync(pki.server.key, live.key);
    const { url, log } = await serve(tlsBlock([], live));
    const other = pki.issue('other', { cn: 'exporter-other', san: 'IP:127.0.0.1', usage: 'serverAuth', serial: 1003 });
    copyFileSync(other.cert, live.cert); // the key is not replaced yet
    const res = await curl(url, [...withCa(), '-v']);
    assert.equal(res.status, 200, res.stderr);
    assert.match(res.stderr, /subject: CN=exporter$/m);
    const errors = log.records().filter((r) => r.level === 'error');
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]!.err), /tls_server_config\.key_file: does not belong to the certificate/);
  });
});

describe('basic auth and headers from the web config', () => {
  const config = [
    tlsBlock(),
    'http_server_config:',
    '  headers:',
    '    X-Frame-Options: deny',
    '    X-Content-Type-Options: nosniff',
    '    Strict-Transport-Security: max-age=31536000',
    'basic_auth_users:',
    `  alice: ${ALICE_HASH}`,
  ].join('\n');

  it('lets the right user in and answers 401 with WWW-Authenticate: Basic otherwise; headers on every answer', async () => {
    const { url, log } = await serve(config);
    const ok = await curl(url, [...withCa(), '-u', `alice:${ALICE_PASSWORD}`]);
    assert.equal(ok.status, 200, ok.stderr);
    assert.equal(ok.body, 'ok\n');
    // Once more: from the cache of successful checks.
    assert.equal((await curl(url, [...withCa(), '-u', `alice:${ALICE_PASSWORD}`])).status, 200);
    for (const args of [['-u', 'alice:wrong'], ['-u', `mallory:${ALICE_PASSWORD}`], []]) {
      const res = await curl(url, [...withCa(), ...args]);
      assert.equal(res.status, 401, args.join(' '));
      assert.equal(res.headers['www-authenticate'], 'Basic');
      assert.equal(res.headers['x-frame-options'], 'deny');
    }
    assert.equal(ok.headers['x-frame-options'], 'deny');
    assert.equal(ok.headers['x-content-type-options'], 'nosniff');
    assert.equal(ok.headers['strict-transport-security'], 'max-age=31536000');
    const text = log.lines.join('\n');
    assert.ok(!text.includes(ALICE_PASSWORD) && !text.includes(ALICE_HASH), 'a password or hash was logged');
  });

  it('serves plain HTTP with basic auth when there is no tls_server_config', async () => {
    const { url } = await serve(`basic_auth_users:\n  alice: ${ALICE_HASH}\n`);
    assert.match(url, /^http:/);
    assert.equal((await curl(url, ['-u', `alice:${ALICE_PASSWORD}`])).status, 200);
    assert.equal((await curl(url)).status, 401);
  });

  it('an edited web config applies from the next request; an invalid edit is logged and the last good one keeps serving', async () => {
    const { url, file, log } = await serve(config);
    assert.equal((await curl(url, [...withCa(), '-u', `alice:${ALICE_PASSWORD}`])).status, 200);

    writeFileSync(file, [tlsBlock(), 'basic_auth_users:', `  bob: ${BOB_HASH}`].join('\n'));
    assert.equal((await curl(url, [...withCa(), '-u', `alice:${ALICE_PASSWORD}`])).status, 401, 'alice was removed');
    const bob = await curl(url, [...withCa(), '-u', `bob:${BOB_PASSWORD}`]);
    assert.equal(bob.status, 200);
    assert.equal(bob.headers['x-frame-options'], undefined, 'the headers were removed too');

    writeFileSync(file, [tlsBlock(), 'basic_auth_users:', '  carol: not-a-hash'].join('\n'));
    assert.equal((await curl(url, [...withCa(), '-u', `bob:${BOB_PASSWORD}`])).status, 200, 'the last good config serves');
    assert.equal((await curl(url, [...withCa(), '-u', 'carol:not-a-hash'])).status, 401);
    const errors = log.records().filter((r) => r.level === 'error');
    assert.equal(errors.length, 1, 'logged once, not per request');
    assert.equal(errors[0]!.msg, 'web config not reloaded: it is invalid; the previous one keeps serving');
    assert.match(JSON.stringify(errors[0]!.problems), /basic_auth_users\.carol: is not a bcrypt hash/);

    writeFileSync(file, `basic_auth_users:\n  bob: ${BOB_HASH}\n`);
    assert.equal((await curl(url, [...withCa(), '-u', `bob:${BOB_PASSWORD}`])).status, 200, 'TLS cannot be switched off without a restart');
    assert.match(JSON.stringify(log.records().at(-1)), /switching TLS on or off needs a restart/);
  });

  it('guards the exporter itself: /metrics over HTTPS with basic auth', async () => {
    const file = join(dir, 'exporter-web.yml');
    writeFileSync(file, config);
    const { exporter } = fakeExporter([new FakeSource()], { webConfigFile: file });
    const [addr] = (await exporter.listen(['127.0.0.1:0'])) as [AddressInfo];
    try {
      const url = `https://127.0.0.1:${addr.port}/metrics`;
      const res = await curl(url, [...withCa(), '-u', `alice:${ALICE_PASSWORD}`]);
      assert.equal(res.status, 200, res.stderr);
      assert.match(res.body, /^test_value\{key="k1"\} 1$/m);
      assert.equal((await curl(url, withCa())).status, 401);
    } finally {
      await exporter.shutdown();
    }
  });
});
