// Reproduces the Dockerfile's runtime stage without a Docker engine: the compiled
// exporter with a production-only install of package-lock.json, started from its
// own directory in demo mode. A runtime import of a dev dependency fails here.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = process.cwd();

/** The lines of the Dockerfile's last (runtime) stage. */
function runtimeStage(): string[] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const from = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
  return lines.slice(from.at(-1));
}

describe('runtime stage (the Docker image without Docker)', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runtime-stage-'));
    // Node resolves packages from every ancestor's node_modules: there must be none.
    for (let d = dirname(dir); d !== dirname(d); d = dirname(d))
      assert.equal(existsSync(join(d, 'node_modules')), false, `${d}/node_modules would leak packages`);
    // What the runtime stage copies: package.json, production node_modules, dist/src.
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    cpSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const install = spawnSync(npm, ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
    assert.equal(install.status, 0, `npm ci --omit=dev failed:\n${install.stderr}`);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the Dockerfile runtime stage installs production dependencies only, runs as a numeric non-root user and starts node directly', () => {
    const stage = runtimeStage().join('\n');
    // The runtime image gets its node_modules from a stage that ran npm ci --omit=dev.
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(stage, /COPY --from=deps\b.*\/app\/node_modules/);
    assert.doesNotMatch(stage, /COPY --from=build\b.*node_modules/, 'dev dependencies must not reach the runtime image');
    const user = /^USER\s+(\d+)(?::(\d+))?\s*$/m.exec(stage);
    assert.ok(user, 'USER must be numeric (runAsNonRoot cannot verify a user name)');
    assert.notEqual(Number(user[1]), 0);
    assert.match(stage, /^EXPOSE 10187$/m);
    const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(stage);
    assert.ok(entry, 'ENTRYPOINT in exec form');
    const argv = JSON.parse(entry[1]!) as string[];
    assert.match(argv[0]!, /(^|\/)node$/, 'node is PID 1: no npm, no shell');
    assert.equal(argv[1], '/app/dist/src/main.js');
    assert.match(stage, /org\.opencontainers\.image\.version=/);
  });

  it('the build stage records the image arguments for --version, as the runtime stage then reports them', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    for (const arg of ['REVISION', 'BRANCH', 'CREATED']) assert.match(dockerfile, new RegExp(`^ARG ${arg}=`, 'm'));
    assert.match(dockerfile, /^RUN BUILD_REVISION="\$\{REVISION\}" BUILD_BRANCH="\$\{BRANCH\}" BUILD_DATE="\$\{CREATED\}" npm run build$/m);
    assert.match(readFileSync(join(ROOT, 'package.json'), 'utf8'), /"build": ".*node scripts\/write-build-info\.mjs"/);
    // As in the build stage: no .git, the values from the environment, into dist/src.
    const write = spawnSync(process.execPath, [join(ROOT, 'scripts', 'write-build-info.mjs'), join(dir, 'dist', 'src', 'build-info.json')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', BUILD_REVISION: '0123456789abcdef', BUILD_BRANCH: 'release-0.1', BUILD_DATE: '2026-11-22T12:00:00Z' },
      encoding: 'utf8',
    });
    assert.equal(write.status, 0, write.stderr);
    const version = spawnSync(process.execPath, ['dist/src/main.js', '--version'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.match(
      version.stdout,
      /^rtc-cdn-exporter, version \S+ \(branch: release-0\.1, revision: 0123456789abcdef\)\n {2}build user: +\S+\n {2}build date: +2026-11-22T12:00:00Z\n/,
    );
  });

  it('production dependencies exclude every devDependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    for (const dev of Object.keys(pkg.devDependencies)) assert.equal(existsSync(join(dir, 'node_modules', dev)), false, `${dev} installed`);
    for (const dep of Object.keys(pkg.dependencies)) assert.equal(existsSync(join(dir, 'node_modules', dep)), true, `${dep} missing`);
  });

  it('starts in demo mode, serves both sources on /metrics and exits 0 on SIGTERM', async () => {
    // NODE_ENV=production as in the image; no access to the repository's node_modules.
    const child = spawn(process.execPath, ['dist/src/main.js', '--demo', '--web.listen-address=127.0.0.1:0'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Poll the child's output for the "listening" log line (JSON, pino).
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          for (const line of stdout.split('\n')) {
            if (!line.startsWith('{')) continue;
            const rec = JSON.parse(line) as { msg?: string; address?: string };
            if (rec.msg === 'listening' && rec.address) resolve(Number(rec.address.split(':').at(-1)));
          }
        });
        void exited.then((code) => reject(new Error(`exporter exited ${code} before listening:\n${stdout}\n${stderr}`)));
      });
      assert.ok(port > 0);
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(body, /^huaweicloud_rtc_\w+\{/m, 'huawei_rtc families');
      assert.match(body, /^wangsu_live_stream_\w+\{/m, 'wangsu_cdn families');
      assert.match(body, /^rtc_cdn_exporter_up\{source="huawei_rtc"\} 1$/m);
      assert.match(body, /^rtc_cdn_exporter_up\{source="wangsu_cdn"\} 1$/m);
      assert.match(body, /^rtc_cdn_exporter_build_info\{version="[^"]+",revision="0123456789abcdef",branch="release-0\.1",nodejs="v[\d.]+"\} 1$/m);
      assert.equal((await fetch(`http://127.0.0.1:${port}/-/healthy`)).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `exit code after SIGTERM; stderr:\n${stderr}`);
    assert.match(stdout, /"msg":"stopped"/);
  });
});
