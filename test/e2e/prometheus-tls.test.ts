// End to end with a real Prometheus over TLS: the exporter (demo mode) started
// with a --web.config.file asking for HTTPS, a client certificate from our CA
// and basic auth, scraped by Debian's Prometheus configured as a user would
// (scheme: https, tls_config, basic_auth). Asserts through the Prometheus HTTP
// API that the right credentials bring the target up with the exporter's
// metrics, and a wrong password or a missing client certificate take it down.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { request } from 'undici';
import { makeTestPki } from '../helpers/test-pki.js';
import { eventually as waitFor, instantQuery, startPrometheus, type RunningPrometheus } from './prometheus-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PASSWORD = 'scrape-password-e2e';
let dir = '';
let exporter: ChildProcess | undefined;
let exporterOutput = '';
let prometheus: RunningPrometheus | undefined;

const query = (expr: string) => instantQuery(prometheus!.url, expr);
const eventually = (seconds: number, what: string, check: () => Promise<boolean>) =>
  waitFor(seconds, what, check, () => `\nprometheus:\n${prometheus?.output()}\nexporter:\n${exporterOutput}`);

describe('end to end with a real Prometheus over TLS, client certificates and basic auth', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-tls-'));
    const pki = makeTestPki(dir);
    const webConfig = join(dir, 'web.yml');
    writeFileSync(
      webConfig,
      [
        'tls_server_config:',
        `  cert_file: ${pki.server.cert}`,
        `  key_file: ${pki.server.key}`,
        '  client_auth_type: RequireAndVerifyClientCert',
        `  client_ca_file: ${pki.ca.cert}`,
        'basic_auth_users:',
        `  prometheus: ${bcrypt.hashSync(PASSWORD, 10)}`,
        '',
      ].join('\n'),
    );
    exporter = spawn(process.execPath, ['dist/src/main.js', '--demo', '--web.listen-address=127.0.0.1:0', `--web.config.file=${webConfig}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: root,
    });
    exporter.stdout!.on('data', (d: Buffer) => (exporterOutput += d));
    exporter.stderr!.on('data', (d: Buffer) => (exporterOutput += d));
    await eventually(30, 'the exporter to listen', async () => /"msg":"listening"/.test(exporterOutput));
    const port = /"address":"127\.0\.0\.1:(\d+)"/.exec(exporterOutput)![1];

    const job = (name: string, opts: { password: string; clientCert: boolean }) => [
      `  - job_name: ${name}`,
      '    scheme: https',
      '    tls_config:',
      `      ca_file: ${pki.ca.cert}`,
      ...(opts.clientCert ? [`      cert_file: ${pki.client.cert}`, `      key_file: ${pki.client.key}`] : []),
      `    basic_auth: {username: prometheus, password: ${opts.password}}`,
      `    static_configs: [{targets: ["127.0.0.1:${port}"]}]`,
    ];
    prometheus = await startPrometheus(
      dir,
      [
        'global: {scrape_interval: 2s, scrape_timeout: 2s}',
        'scrape_configs:',
        ...job('exporter-tls', { password: PASSWORD, clientCert: true }),
        ...job('wrong-password', { password: 'not-the-password', clientCert: true }),
        ...job('no-client-cert', { password: PASSWORD, clientCert: false }),
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    await prometheus?.stop();
    if (exporter && exporter.exitCode === null && exporter.signalCode === null) {
      exporter.kill('SIGTERM');
      await once(exporter, 'exit');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes over HTTPS with a client certificate and basic auth: the target is up and the metrics arrive', async () => {
    await eventually(60, 'the TLS target to be up', async () => (await query('up{job="exporter-tls"} == 1')).length === 1);
    await eventually(60, "the exporter's metrics", async () => (await query('rtc_cdn_exporter_up{job="exporter-tls"} == 1')).length === 2);
    assert.ok((await query('wangsu_live_stream_bandwidth_bytes_per_second{job="exporter-tls"}')).length > 0);
  });

  it('a wrong password or a missing client certificate takes the target down', async () => {
    await eventually(60, 'both refused targets scraped and down', async () => (await query('up{job=~"wrong-password|no-client-cert"} == 0')).length === 2);
    const res = await request(`${prometheus!.url}/api/v1/targets`);
    const body = (await res.body.json()) as { data: { activeTargets: Array<{ labels: { job: string }; lastError: string }> } };
    const errors = Object.fromEntries(body.data.activeTargets.map((t) => [t.labels.job, t.lastError]));
    assert.match(errors['wrong-password']!, /401 Unauthorized/);
    assert.equal(errors['exporter-tls'], '');
    // Node cannot fail the TLS 1.3 handshake over a client certificate: the connection is closed after it.
    assert.match(errors['no-client-cert']!, /EOF|reset/);
    assert.ok(!exporterOutput.includes(PASSWORD), 'the password was logged');
  });
});
