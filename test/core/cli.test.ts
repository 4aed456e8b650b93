import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLE_ENV } from '../helpers/example-env.js';
import { freePort } from '../helpers/free-port.js';
import { parseLogfmt } from '../helpers/logfmt.js';

function run(...args: string[]) {
  return runWith({}, ...args);
}

function runWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ['dist/src/main.js', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...EXAMPLE_ENV, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A running exporter (or a wrapper that execs it): its output so far, a wait on it, and SIGTERM. */
function start(argv: string[], env: Record<string, string> = {}) {
  const child = spawn(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH ?? '', ...EXAMPLE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  /** Emits 'change' on output and at exit. */
  const changed = new EventEmitter();
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    changed.emit('change');
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    changed.emit('change');
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      changed.emit('change');
      resolve(code);
    }),
  );
  return {
    out: () => out,
    err: () => err,
    /** Resolves once `test` holds for the output; fails if the process exits first. */
    async waitFor(test: (stdout: string, stderr: string) => boolean): Promise<void> {
      while (!test(out, err)) {
        if (exitCode !== undefined) throw new Error(`exited ${exitCode} first:\n${out}\n${err}`);
        await once(changed, 'change');
      }
    },
    async stop(): Promise<number | null> {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The JSON log lines with msg "listening": one per address the exporter listens on. */
const listening = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; address: string })
    .filter((r) => r.msg === 'listening');
const portOf = (address: string) => Number(address.split(':').at(-1));

const FLAGS = [
  '--config.file',
  '--web.listen-address',
  '--web.systemd-socket',
  '--web.telemetry-path',
  '--web.config.file',
  '--web.max-connections',
  '--scrape.timeout-offset',
  '--log.level',
  '--log.format',
  '--shard.count',
  '--shard.index',
  '--config.check',
  '--demo',
  '--help',
  '--version',
];

describe('command line', () => {
  it('prints help, naming every flag, and exits 0', () => {
    const help = run('--help');
    assert.equal(help.code, 0);
    for (const flag of FLAGS) assert.match(help.out, new RegExp(`^  ${flag.replaceAll('.', '\\.')}[= ]`, 'm'), flag);
    assert.match(help.out, /--web\.listen-address=ADDR\s+Address to listen on; repeat the flag to listen on several\.\s+Default: :10187/);
    assert.match(help.out, /--web\.telemetry-path=PATH\s+.*Default: \/metrics/);
    assert.match(help.out, /--log\.format=FORMAT\s+json or logfmt\. Default: json/);
  });

  it('prints the version as Prometheus exporters do, with what the build recorded', () => {
    const version = run('--version');
    assert.equal(version.code, 0);
    const recorded = JSON.parse(readFileSync('dist/src/build-info.json', 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const lines = version.out.split('\n');
    assert.equal(lines[0], `rtc-cdn-exporter, version ${pkg.version} (branch: ${recorded.branch}, revision: ${recorded.revision})`);
    assert.equal(lines[1], `  build user:       ${recorded.buildUser}`);
    assert.equal(lines[2], `  build date:       ${recorded.buildDate}`);
    assert.equal(lines[3], `  node version:     ${process.version}`);
    assert.match(lines[4]!, /^ {2}platform: {9}(linux|darwin|win32)\/(amd64|arm64|\w+)$/);
    assert.deepEqual(lines.slice(5), ['']);
  });

  it('exits 2 on a bad flag or a bad listen address', () => {
    for (const args of [['--nope'], ['--log.level=loud'], ['--web.listen-address=10187']]) {
      const r = run(...args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}`);
      assert.match(r.err, /^rtc-cdn-exporter: /);
    }
    const refused: [string[], RegExp][] = [
      [['--log.format=xml'], /--log\.format: "xml" is not one of json, logfmt/],
      [['--web.telemetry-path=metrics'], /--web\.telemetry-path: "metrics" is not a path; write one starting with "\/"/],
      [['--web.telemetry-path=/:name'], /--web\.telemetry-path: "\/:name" is not a path/],
      [['--web.telemetry-path=/'], /--web\.telemetry-path: "\/" is taken by the landing page/],
      [['--web.telemetry-path=/-/healthy'], /--web\.telemetry-path: "\/-\/healthy" is taken/],
      [['--web.listen-address=127.0.0.1:10187', '--web.listen-address=127.0.0.1:10187'], /--web\.listen-address: "127\.0\.0\.1:10187" is given twice/],
      [['--web.listen-address=:10187', '--web.listen-address=nope'], /--web\.listen-address: "nope" is not host:port/],
      [['--scrape.timeout-offset=1s1h'], /--scrape\.timeout-offset: "1s1h" is not a duration; .*largest first/],
      [['--scrape.timeout-offset=5m5m'], /--scrape\.timeout-offset: "5m5m" is not a duration/],
      [['--scrape.timeout-offset=999999999999999999999h'], /--scrape\.timeout-offset: "999999999999999999999h" is out of range/],
      [['--scrape.timeout-offset='], /--scrape\.timeout-offset: is empty/],
      [['--web.systemd-socket', '--demo'], /--web\.systemd-socket: systemd passed no sockets \(LISTEN_PID and LISTEN_FDS are not set\)/],
    ];
    for (const [args, message] of refused) {
      const r = run(...args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.err}`);
      assert.match(r.err, message);
    }
    // Sockets meant for another process (a wrapper that did not exec the exporter) are not taken.
    const other = runWith({ LISTEN_PID: '1', LISTEN_FDS: '1' }, '--web.systemd-socket', '--demo');
    assert.equal(other.code, 2);
    assert.match(other.err, /--web\.systemd-socket: the sockets are for process 1 \(LISTEN_PID\), not this one/);
    // A run that does not listen needs no sockets: a unit's ExecStartPre can check the config.
    assert.equal(run('--web.systemd-socket', '--config.file=config.example.yaml', '--config.check').code, 0);
  });

  it('reads --scrape.timeout-offset as Prometheus reads durations: 0 and weeks included', () => {
    for (const offset of ['0', '1w', '2y', '1h30m', '250ms']) {
      const r = run('--config.file=config.example.yaml', '--config.check', `--scrape.timeout-offset=${offset}`);
      assert.equal(r.code, 0, `${offset}: ${r.err}`);
    }
  });

  it('listens on every --web.listen-address and serves metrics at --web.telemetry-path only', { timeout: 60_000 }, async () => {
    const exporter = start([
      process.execPath,
      'dist/src/main.js',
      '--demo',
      // Port 0 twice: two ports, so the test needs no free port picked in advance.
      '--web.listen-address=127.0.0.1:0',
      '--web.listen-address=127.0.0.1:0',
      '--web.telemetry-path=/probe/metrics',
    ]);
    try {
      await exporter.waitFor((out) => listening(out).length === 2);
      const ports = listening(exporter.out()).map((l) => portOf(l.address));
      assert.notEqual(ports[0], ports[1]);
      for (const base of ports.map((port) => `http://127.0.0.1:${port}`)) {
        const metrics = await fetch(`${base}/probe/metrics`);
        assert.equal(metrics.status, 200, base);
        assert.match(await metrics.text(), /^rtc_cdn_exporter_build_info\{version="[^"]+",revision="[^"]+",branch="[^"]+",nodejs="v[\d.]+"\} 1$/m);
        assert.equal((await fetch(`${base}/metrics`)).status, 404, `${base}/metrics`);
        assert.match(await (await fetch(`${base}/`)).text(), /href="probe\/metrics"/);
      }
    } finally {
      assert.equal(await exporter.stop(), 0, exporter.err());
    }
  });

  it('writes logfmt lines with --log.format=logfmt, a secret masked as in JSON', { timeout: 60_000 }, async () => {
    // A vendor answer that echoes the API key back into the error message the exporter logs.
    const secret = 'sk-"logfmt" key=0123456789';
    const upstream = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: '24102008', message: `api key ${secret} is invalid` }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'cli-logfmt-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `refresh: {backoff_initial: 1s, backoff_max: 2s}
shutdown_timeout: 2s
wangsu_cdn:
  endpoint: http://127.0.0.1:${(upstream.address() as AddressInfo).port}
  auth: {mode: api_key, username: u, api_key: "\${KEY}"}
  domains: [{domain: live.example.com}]
`,
    );
    const exporter = start([process.execPath, 'dist/src/main.js', `--config.file=${config}`, '--web.listen-address=127.0.0.1:0', '--log.format=logfmt'], {
      KEY: secret,
    });
    try {
      await exporter.waitFor((out) => /msg="refresh failed: .*is invalid/.test(out));
    } finally {
      assert.equal(await exporter.stop(), 0, exporter.err());
      upstream.close();
    }
    const records = exporter
      .out()
      .split('\n')
      .filter(Boolean)
      .map((line) => parseLogfmt(line));
    for (const r of records) assert.deepEqual(Object.keys(r).slice(0, 3), ['ts', 'level', 'msg']);
    assert.ok(records.some((r) => r.msg === 'listening' && /^127\.0\.0\.1:\d+$/.test(r.address ?? '')));
    const failed = records.find((r) => r.msg?.startsWith('refresh failed'));
    assert.equal(failed?.level, 'error');
    assert.match(failed?.msg ?? '', /api key \[REDACTED\] is invalid/);
    for (const text of [exporter.out(), exporter.err()]) assert.doesNotMatch(text, /0123456789|logfmt\\?" key/);
    assert.deepEqual(records.at(-1)?.msg, 'stopped');
  });

  it('listens on the sockets systemd passes with --web.systemd-socket', { timeout: 60_000 }, async () => {
    const port = await freePort();
    // systemd-socket-activate binds the port, then execs the exporter with LISTEN_PID/LISTEN_FDS on the first connection.
    const exporter = start([
      'systemd-socket-activate',
      `--listen=127.0.0.1:${port}`,
      process.execPath,
      'dist/src/main.js',
      '--demo',
      '--web.systemd-socket',
      '--web.listen-address=127.0.0.1:1',
    ]);
    try {
      await exporter.waitFor((_out, err) => /Listening on 127\.0\.0\.1:/.test(err));
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(metrics.status, 200);
      const body = await metrics.text();
      assert.match(body, /^rtc_cdn_exporter_up\{source="huawei_rtc"\} 1$/m);
      assert.match(body, /^rtc_cdn_exporter_up\{source="wangsu_cdn"\} 1$/m);
      await exporter.waitFor((out) => listening(out).length === 1);
      assert.equal(listening(exporter.out())[0]!.address, `127.0.0.1:${port}`, 'the socket from systemd, not --web.listen-address');
    } finally {
      assert.equal(await exporter.stop(), 0, exporter.err());
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
