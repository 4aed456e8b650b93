// What --version and build_info report comes from scripts/write-build-info.mjs at build time:
// BUILD_* variables first, then git, then "unknown"; a build without the script reads as unknown.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { readBuildInfo, versionText } from '../../src/build-info.js';

const SCRIPT = join(process.cwd(), 'scripts', 'write-build-info.mjs');

/** Runs the build script in `cwd` with only `env` (and PATH), and reads what it wrote. */
function writeBuildInfo(cwd: string, env: Record<string, string>) {
  const out = join(cwd, 'build-info.json');
  const r = spawnSync(process.execPath, [SCRIPT, out], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { out, recorded: JSON.parse(readFileSync(out, 'utf8')) as Record<string, string> };
}

describe('build info', () => {
  it('records BUILD_* variables when set, "unknown" where neither they nor git answer', () => {
    const outsideGit = mkdtempSync(join(tmpdir(), 'build-info-'));
    const given = writeBuildInfo(outsideGit, { BUILD_REVISION: 'abc123', BUILD_BRANCH: 'main', BUILD_DATE: '20261122-12:00:00', BUILD_USER: 'ci@builder' });
    assert.deepEqual(given.recorded, { revision: 'abc123', branch: 'main', buildDate: '20261122-12:00:00', buildUser: 'ci@builder' });
    const read = readBuildInfo(pathToFileURL(join(process.cwd(), 'package.json')), pathToFileURL(given.out));
    assert.deepEqual(read, { version: read.version, revision: 'abc123', branch: 'main', buildDate: '20261122-12:00:00', buildUser: 'ci@builder' });
    assert.match(read.version, /^\d+\.\d+\.\d+/);

    const bare = writeBuildInfo(outsideGit, {});
    assert.equal(bare.recorded.revision, 'unknown');
    assert.equal(bare.recorded.branch, 'unknown');
    // The build time itself is always known, written as Prometheus's build tool writes it.
    assert.match(bare.recorded.buildDate!, /^\d{8}-\d\d:\d\d:\d\d$/);
  });

  it('records the commit and branch of the git checkout it runs in', () => {
    const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' });
    const head = git('rev-parse', 'HEAD');
    assert.equal(head.status, 0, 'the tests run in a git checkout');
    const { recorded } = writeBuildInfo(process.cwd(), {});
    assert.equal(recorded.revision, head.stdout.trim());
    assert.equal(recorded.branch, git('rev-parse', '--abbrev-ref', 'HEAD').stdout.trim());
  });

  it('reads as unknown when the code was compiled without the build script', () => {
    const missing = pathToFileURL(join(mkdtempSync(join(tmpdir(), 'build-info-')), 'absent.json'));
    const info = readBuildInfo(pathToFileURL(join(process.cwd(), 'package.json')), missing);
    assert.deepEqual({ ...info, version: '' }, { version: '', revision: 'unknown', branch: 'unknown', buildDate: 'unknown', buildUser: 'unknown' });
  });

  it('prints like a Prometheus exporter', () => {
    const text = versionText('x_exporter', { version: '1.2.3', revision: 'abc', branch: 'main', buildDate: '20261122-12:00:00', buildUser: 'me@host' });
    assert.equal(
      text,
      `x_exporter, version 1.2.3 (branch: main, revision: abc)
  build user:       me@host
  build date:       20261122-12:00:00
  node version:     ${process.version}
  platform:         ${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch}
`,
    );
  });
});
