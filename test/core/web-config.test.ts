// --web.config.file parsing: the toolkit's keys accepted and translated to
// Node's names, every mistake refused with its key and the fix, and what
// Node cannot serve refused rather than weakened.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { after, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { ConfigError } from '../../src/config-error.js';
import { subjectAltNames } from '../../src/client-auth.js';
import { loadWebConfigFile, parseWebConfig, webConfigSecrets, type WebConfig } from '../../src/web-config.js';
import { CIPHER_SUITES } from '../../src/web-tls-names.js';
import { EXAMPLE_ENV } from '../helpers/example-env.js';
import { makeTestPki } from '../helpers/test-pki.js';

const dir = mkdtempSync(join(tmpdir(), 'web-config-'));
const pki = makeTestPki(dir);
const HASH = bcrypt.hashSync('secret-password', 4);
after(() => rmSync(dir, { recursive: true, force: true }));

const TLS = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';

function problems(yaml: string): string[] {
  try {
    parseWebConfig(yaml, { name: 'web.yml', baseDir: dir });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail(`accepted:\n${yaml}`);
}

function parse(yaml: string): WebConfig {
  return parseWebConfig(yaml, { name: 'web.yml', baseDir: dir });
}

describe('web config', () => {
  it('translates the toolkit keys to what Node takes, files relative to the web config', () => {
    const web = parse(
      [
        TLS,
        '  client_auth_type: RequireClientCert',
        '  client_ca_file: ca.crt',
        '  client_allowed_sans: [prometheus.example]',
        '  max_version: TLS12',
        '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]',
        '  prefer_server_cipher_suites: false',
        '  curve_preferences: [X25519, CurveP256]',
        'http_server_config:',
        '  http2: false',
        '  headers: {X-Frame-Options: sameorigin, Content-Security-Policy: ""}',
        `basic_auth_users: {alice: "${HASH}"}`,
      ].join('\n'),
    );
    assert.deepEqual(web.tls, {
      cert: { file: join(dir, 'server.crt') },
      key: { file: join(dir, 'server.key') },
      clientCa: { file: join(dir, 'ca.crt') },
      clientAuth: 'RequireAnyClientCert', // the toolkit's old name for it
      allowedSans: ['prometheus.example'],
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305', // TLS 1.3 suites are not configurable, as in Go
      honorCipherOrder: false,
      ecdhCurve: 'X25519:P-256',
    });
    assert.deepEqual(web.headers, [['X-Frame-Options', 'sameorigin']], 'a blank header is unset');
    assert.equal(web.http2, false);
    assert.equal(web.users.get('alice')?.reveal(), HASH);
    assert.equal(String(web.users.get('alice')), '[REDACTED]');
    assert.deepEqual(webConfigSecrets(web), [HASH]);
  });

  it('defaults as the toolkit does: TLS 1.2 to 1.3, server cipher order, no client certificate; an empty file is plain HTTP', () => {
    const tls = parse(TLS).tls!;
    assert.equal(tls.minVersion, 'TLSv1.2');
    assert.equal(tls.maxVersion, 'TLSv1.3');
    assert.equal(tls.honorCipherOrder, true);
    assert.equal(tls.clientAuth, 'NoClientCert');
    assert.equal(tls.ciphers, undefined);
    const empty = parse('');
    assert.equal(empty.tls, undefined);
    assert.equal(empty.users.size, 0);
    assert.equal(empty.http2, true);
  });

  it('every cipher suite name maps to one this Node build knows', () => {
    for (const [go, openssl] of CIPHER_SUITES) assert.doesNotThrow(() => createSecureContext({ ciphers: openssl }), go);
  });

  it('names the key and the fix for every mistake', () => {
    const cases: Array<[string, RegExp]> = [
      [`${TLS}  cert_flie: x`, /^tls_server_config\.cert_flie: unknown key; remove it or fix its spelling \(see the README, Security\)$/],
      ['tls_config: {}', /^tls_config: unknown key; remove it or fix its spelling/],
      [
        `${TLS}  client_auth_type: RequireCert`,
        /^tls_server_config\.client_auth_type: must be one of "NoClientCert", "RequestClientCert", .*"RequireAndVerifyClientCert"/,
      ],
      [
        'tls_server_config:\n  cert_file: server.crt',
        /^tls_server_config\.key_file: missing; set key_file to the PEM file of its private key \(or key to the PEM text\)$/,
      ],
      ['tls_server_config:\n  key_file: server.key\n  cert_file: ""', /^tls_server_config\.cert_file: missing; set cert_file/],
      [`${TLS}  cert: "-----BEGIN"`, /^tls_server_config\.cert_file: set cert or cert_file, not both; remove one$/],
      [
        'http_server_config:\n  headers: {X-Powered-By: me}',
        /^http_server_config\.headers\.X-Powered-By: this header cannot be set \(the toolkit allows Strict-Transport-Security, .*\); remove it$/,
      ],
      [
        'http_server_config:\n  headers: {X-Frame-Options: allow-from}',
        /^http_server_config\.headers\.X-Frame-Options: must be "deny" or "sameorigin", not "allow-from"$/,
      ],
      ['http_server_config:\n  headers: {X-Content-Type-Options: NOSNIFF}', /^http_server_config\.headers\.X-Content-Type-Options: must be "nosniff"/],
      [
        'basic_auth_users:\n  alice: $2y$10$tooshort',
        /^basic_auth_users\.alice: is not a bcrypt hash \(.*\); make one with: htpasswd -nBC 10 "" \| tr -d ':\\n'$/,
      ],
      [`basic_auth_users:\n  alice: "${HASH.replace('$04$', '$03$')}"`, /^basic_auth_users\.alice: is not a bcrypt hash/],
      [`basic_auth_users:\n  "a:b": "${HASH}"`, /^basic_auth_users\.a:b: a user name cannot contain ":"; rename the user$/],
      [
        `${TLS}  min_version: TLS10`,
        /^tls_server_config\.min_version: "TLS10" cannot be served: Node's OpenSSL 3 refuses TLS 1\.0 and 1\.1 .*; write TLS12 or TLS13$/,
      ],
      [`${TLS}  max_version: TLS14`, /^tls_server_config\.max_version: "TLS14" is not a TLS version; write TLS12 or TLS13$/],
      [`${TLS}  min_version: TLS13\n  max_version: TLS12`, /^tls_server_config\.min_version: is above max_version; lower min_version or raise max_version$/],
      [
        `${TLS}  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]`,
        /^tls_server_config\.cipher_suites\.0: "TLS_RSA_WITH_RC4_128_SHA" is not a cipher suite the exporter-toolkit accepts; use Go's names/,
      ],
      [
        `${TLS}  curve_preferences: [P-256]`,
        /^tls_server_config\.curve_preferences\.0: "P-256" is not a curve; write CurveP256, CurveP384, CurveP521, X25519$/,
      ],
      [
        `${TLS}  client_ca_file: ca.crt`,
        /^tls_server_config\.client_ca_file: a client CA is set but client_auth_type is NoClientCert; set client_auth_type: RequireAndVerifyClientCert/,
      ],
      [
        `${TLS}  client_auth_type: RequireAndVerifyClientCert`,
        /^tls_server_config\.client_ca_file: missing; client_auth_type RequireAndVerifyClientCert verifies client certificates against it/,
      ],
      [
        `${TLS}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n  client_allowed_sans: [a]`,
        /^tls_server_config\.client_allowed_sans: needs a client certificate on every connection; set client_auth_type to RequireAndVerifyClientCert/,
      ],
      ['basic_auth_users:\n  alice: 7', /^basic_auth_users\.alice: expected string, got number; change the value$/],
      ['rate_limit: {interval: 1s, burst: 5}', /^rate_limit: is not supported by this exporter; remove it/],
      ['basic_auth_users:\n  __proto__: x', /^basic_auth_users\.__proto__: "__proto__" is not allowed as a key; remove it$/],
      ['- a\n- b', /^web\.yml: the top level must be a mapping of keys, not a list$/],
      ['tls_server_config: [', /^web\.yml:\d+:\d+: YAML syntax error/],
    ];
    for (const [yaml, expected] of cases) {
      const got = problems(yaml);
      assert.ok(
        got.some((p) => expected.test(p)),
        `${yaml}\n→ ${got.join('\n  ')}`,
      );
    }
  });

  it('never repeats a hash or a key in a message', () => {
    const got = problems(`tls_server_config:\n  cert_file: a\n  key: 7\nbasic_auth_users:\n  alice: $2y$10$secretish-but-wrong`);
    assert.ok(!got.join('\n').includes('secretish'), got.join('\n'));
  });

  it('at startup, checks the files it names: readable, a certificate, the matching key, a CA with a certificate', () => {
    const load = (yaml: string) => {
      const file = join(dir, 'startup.yml');
      writeFileSync(file, yaml);
      try {
        loadWebConfigFile(file);
        return [];
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
    };
    const { server, client, ca } = pki;
    assert.deepEqual(load(`tls_server_config:\n  cert_file: ${server.cert}\n  key_file: ${server.key}\n`), []);
    assert.match(
      load(`tls_server_config:\n  cert_file: nope.crt\n  key_file: ${server.key}\n`)[0]!,
      /^tls_server_config\.cert_file: cannot read .*nope\.crt \(ENOENT\); create it or fix the path$/,
    );
    assert.match(
      load(`tls_server_config:\n  cert_file: ${server.key}\n  key_file: ${server.key}\n`)[0]!,
      /^tls_server_config\.cert_file: holds no PEM certificate/,
    );
    assert.match(
      load(`tls_server_config:\n  cert_file: ${server.cert}\n  key_file: ${server.cert}\n`)[0]!,
      /^tls_server_config\.key_file: not a usable private key/,
    );
    assert.match(
      load(`tls_server_config:\n  cert_file: ${server.cert}\n  key_file: ${client.key}\n`)[0]!,
      /^tls_server_config\.key_file: does not belong to the certificate in tls_server_config\.cert_file; give the matching pair$/,
    );
    assert.match(
      load(
        `tls_server_config:\n  cert_file: ${server.cert}\n  key_file: ${server.key}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${ca.key}\n`,
      )[0]!,
      /^tls_server_config\.client_ca_file: holds no PEM certificate/,
    );
    assert.deepEqual(load('basic_auth_users: {}\n'), []);
    assert.throws(
      () => loadWebConfigFile(join(dir, 'missing.yml')),
      (err: ConfigError) => /missing\.yml: cannot read the web config file \(ENOENT\); check --web\.config\.file$/.test(err.problems[0]!),
    );
  });

  it('reads SANs as Go prints them: IPv6 short, quoted values unquoted', () => {
    assert.deepEqual(subjectAltNames('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:a.example, email:x@y.z, URI:spiffe://a/b, DNS:"a, b"'), [
      '127.0.0.1',
      '::1',
      'a.example',
      'x@y.z',
      'spiffe://a/b',
      'a, b',
    ]);
    assert.deepEqual(subjectAltNames(undefined), []);
  });

  it('--config.check checks the web config too: 0 and a verdict, or 2 and its problems', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['dist/src/main.js', '--config.file=config.example.yaml', '--config.check', ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...EXAMPLE_ENV },
      });
    const good = join(dir, 'good.yml');
    writeFileSync(good, `tls_server_config:\n  cert_file: ${pki.server.cert}\n  key_file: ${pki.server.key}\nbasic_auth_users:\n  alice: "${HASH}"\n`);
    const ok = run(`--web.config.file=${good}`);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /good\.yml: OK \(TLS, client_auth_type NoClientCert, basic auth users: 1\)/);

    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'tls_server_config:\n  cert_file: server.crt\nhttp_server_config:\n  headers: {Server: me}\n');
    const r = run(`--web.config.file=${bad}`);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^web config error: tls_server_config\.key_file: missing/m);
    assert.match(r.stderr, /^web config error: http_server_config\.headers\.Server: this header cannot be set/m);
    assert.equal(run('--web.config.file=/nonexistent/web.yml').status, 2);
  });
});
