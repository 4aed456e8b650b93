// HTTP_PROXY and NO_PROXY as a user sets them: a real exporter process, its
// sources pointed at both simulators on 127.0.0.1, sends its upstream calls
// through a forward proxy on loopback, unless NO_PROXY covers 127.0.0.1.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Agent, request } from 'undici';
import type { DemoUpstream } from '../../src/source.js';
import { sources } from '../../src/sources/index.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.js';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
const PROXY_USER = 'egress';
const PROXY_PASSWORD = 'env-proxy-Pw-4f9c1e';

interface Running {
  port: number;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** Starts main.js with `env` (and PATH only), waits for its "listening" line. */
function startExporter(configFile: string, env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [MAIN, `--config.file=${configFile}`, '--web.listen-address=127.0.0.1:0'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"address":"127\.0\.0\.1:(\d+)"[^\n]*"msg":"listening"/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      resolve({
        port: Number(m[1]),
        output: () => out,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exporter exited (${code}) before listening:\n${out}`));
    });
  });
}

describe('HTTP_PROXY and NO_PROXY', () => {
  let upstreams: DemoUpstream[] = [];
  let egress: ForwardProxy;
  let configFile: string;
  /** host:port of each simulator. */
  let simHosts: string[];
  // The test's own requests go direct, whatever its environment says.
  const direct = new Agent();

  before(async () => {
    upstreams = await Promise.all(sources.map((s) => s.startDemo()));
    simHosts = upstreams.map((u) => new URL((u.config as { endpoint: string }).endpoint).host);
    egress = await startForwardProxy({ credentials: `${PROXY_USER}:${PROXY_PASSWORD}` });
    const raw: Record<string, unknown> = { refresh: { interval: '15s', max_scrape_wait: '15s' } };
    sources.forEach((s, i) => (raw[s.name] = upstreams[i]!.config));
    configFile = join(mkdtempSync(join(tmpdir(), 'proxy-env-')), 'config.yaml');
    writeFileSync(configFile, JSON.stringify(raw));
  });
  after(async () => {
    await Promise.all(upstreams.map((u) => u.close()));
    await egress.close();
    await direct.close();
  });

  /** A scrape, which waits for the first refreshes. */
  async function scrape(port: number): Promise<string> {
    const res = await request(`http://127.0.0.1:${port}/metrics`, { dispatcher: direct });
    assert.equal(res.statusCode, 200);
    return res.body.text();
  }

  it('sends every upstream call through HTTP_PROXY, with its credentials, masked', async () => {
    const exporter = await startExporter(configFile, { HTTP_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${egress.port}`, NO_PROXY: '' });
    try {
      const page = await scrape(exporter.port);
      for (const s of sources) assert.match(page, new RegExp(`^rtc_cdn_exporter_up\\{source="${s.name}"\\} 1$`, 'm'), page);
      for (const host of simHosts) {
        assert.ok(
          egress.requests.some((r) => r.target === host && r.status === 200),
          `no request to ${host} through the proxy: ${JSON.stringify(egress.requests.slice(0, 5))}`,
        );
      }
      assert.ok(egress.requests.every((r) => r.status !== 407));
    } finally {
      assert.equal(await exporter.stop(), 0);
    }
    assert.ok(!exporter.output().includes(PROXY_PASSWORD), 'the password in the output');
  });

  it('goes direct to hosts NO_PROXY covers', async () => {
    const seen = egress.requests.length;
    const exporter = await startExporter(configFile, { HTTP_PROXY: `http://127.0.0.1:${egress.port}`, NO_PROXY: 'localhost,127.0.0.1' });
    try {
      const page = await scrape(exporter.port);
      for (const s of sources) assert.match(page, new RegExp(`^rtc_cdn_exporter_up\\{source="${s.name}"\\} 1$`, 'm'), page);
      assert.deepEqual(egress.requests.slice(seen), []);
    } finally {
      assert.equal(await exporter.stop(), 0);
    }
  });

  it('refuses a malformed HTTPS_PROXY at start: exit 2, naming the variable', async () => {
    await assert.rejects(startExporter(configFile, { HTTPS_PROXY: `socks5://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:1080` }), (err: Error) => {
      assert.match(err.message, /exited \(2\)/);
      assert.match(err.message, /config error: environment variable HTTPS_PROXY: the scheme must be http:\/\/ or https:\/\//);
      assert.ok(!err.message.includes(PROXY_PASSWORD));
      return true;
    });
  });
});

/** A self-signed certificate for 127.0.0.1, made by openssl; the exporter trusts it through NODE_EXTRA_CA_CERTS. */
function loopbackCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

/** TLS in front of a plain-http simulator: the upstream is https://, as the vendors' APIs are. */
async function tlsFront(httpUrl: string, tls: { key: string; cert: string }): Promise<{ server: TlsServer; url: string }> {
  const { port } = new URL(httpUrl);
  const server = createTlsServer(tls, (socket) => {
    const plain = connect(Number(port), '127.0.0.1');
    socket.on('error', () => plain.destroy());
    plain.on('error', () => socket.destroy());
    socket.pipe(plain).pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('https upstreams through a proxy', () => {
  let upstreams: DemoUpstream[] = [];
  const fronts: TlsServer[] = [];
  /** huawei_rtc's proxy_url, and the one HTTPS_PROXY names. */
  let own: ForwardProxy;
  let environment: ForwardProxy;
  let dir: string;
  let tls: ReturnType<typeof loopbackCertificate>;
  const direct = new Agent();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proxy-tls-'));
    tls = loopbackCertificate(dir);
    upstreams = await Promise.all(sources.map((s) => s.startDemo()));
    own = await startForwardProxy();
    environment = await startForwardProxy();
  });
  after(async () => {
    for (const f of fronts) f.close();
    await Promise.all(upstreams.map((u) => u.close()));
    await own.close();
    await environment.close();
    await direct.close();
  });

  it('tunnels with CONNECT: huawei_rtc through its proxy_url, wangsu_cdn through HTTPS_PROXY', async () => {
    const raw: Record<string, unknown> = { refresh: { interval: '15s', max_scrape_wait: '15s' } };
    const hosts: Record<string, string> = {};
    for (const [i, s] of sources.entries()) {
      const config = upstreams[i]!.config as Record<string, unknown>;
      const front = await tlsFront(config.endpoint as string, tls);
      fronts.push(front.server);
      hosts[s.name] = new URL(front.url).host;
      raw[s.name] = { ...config, endpoint: front.url, ...(s.name === 'huawei_rtc' ? { proxy_url: own.url } : {}) };
    }
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, JSON.stringify(raw));
    // HTTP_PROXY points nowhere: an https:// upstream takes HTTPS_PROXY.
    const exporter = await startExporter(configFile, {
      HTTPS_PROXY: environment.url,
      HTTP_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '',
      NODE_EXTRA_CA_CERTS: tls.certFile,
    });
    try {
      const res = await request(`http://127.0.0.1:${exporter.port}/metrics`, { dispatcher: direct });
      const page = await res.body.text();
      for (const s of sources) assert.match(page, new RegExp(`^rtc_cdn_exporter_up\\{source="${s.name}"\\} 1$`, 'm'), exporter.output());
      const tunnels = (p: ForwardProxy) => new Set(p.requests.map((r) => `${r.method} ${r.target} ${r.status}`));
      assert.deepEqual(tunnels(own), new Set([`CONNECT ${hosts.huawei_rtc} 200`]));
      assert.deepEqual(tunnels(environment), new Set([`CONNECT ${hosts.wangsu_cdn} 200`]));
    } finally {
      assert.equal(await exporter.stop(), 0);
    }
  });
});
