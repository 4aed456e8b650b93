// Writes dist/src/build-info.json (or the path given): the git revision, branch, build date and
// build user that --version and rtc_cdn_exporter_build_info report. Run by `npm run build` after
// tsc. BUILD_REVISION, BUILD_BRANCH, BUILD_DATE and BUILD_USER win when set (the Docker build has
// no .git); otherwise git answers; "unknown" when neither can.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import process from 'node:process';

const out = resolve(process.argv[2] ?? 'dist/src/build-info.json');

/** The first non-empty answer, or "unknown". */
function first(...answers) {
  for (const answer of answers) {
    const value = typeof answer === 'function' ? answer() : answer;
    if (value) return value.trim();
  }
  return 'unknown';
}

function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined; // no git, or not a repository
  }
}

function user() {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return undefined;
  }
}

/** UTC, as Prometheus's build tool (promu) writes it: 20060102-15:04:05. */
function now() {
  const iso = new Date().toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19)}`;
}

const { env } = process;
const info = {
  revision: first(env.BUILD_REVISION, () => git('rev-parse', 'HEAD')),
  branch: first(env.BUILD_BRANCH, () => git('rev-parse', '--abbrev-ref', 'HEAD')),
  buildDate: first(env.BUILD_DATE, now),
  buildUser: first(env.BUILD_USER, user),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(info, null, 2)}\n`);
process.stdout.write(`build info: ${out}: revision ${info.revision}, branch ${info.branch}, date ${info.buildDate}\n`);
