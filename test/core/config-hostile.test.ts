// Hostile and broken config files, each run through the real CLI: every one
// must exit 2 within seconds with a message naming the key or line, and never
// with a stack trace, a hang or a runaway allocation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const WANGSU = `wangsu_cdn:
  auth: {mode: api_key, username: u, api_key: k-123}
  domains: [{domain: live.example.com}]
`;
const HUAWEI = `huawei_rtc:
  project_id: p1
  auth: {aksk: {access_key: ak, secret_key: sk-123}}
  apps: [{app_id: app1}]
`;
/** A valid file with both sources, to break one key at a time. */
const BASE = WANGSU + HUAWEI;

/** BASE with `find` replaced by `put` (asserting the text was there). */
function edit(find: string, put: string, text = BASE): string {
  assert.ok(text.includes(find), `fixture has no ${find}`);
  return text.replace(find, put);
}
const wangsu = (extra: string) => BASE.replace('  domains: [{domain: live.example.com}]\n', `  domains: [{domain: live.example.com}]\n${extra}\n`);
const huawei = (extra: string) => `${BASE}${extra}\n`;
const refresh = (extra: string) => `refresh:\n${extra}\n${BASE}`;

const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function mkfifo(name: string): string {
  const path = join(dir, name);
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, `mkfifo: ${String(r.stderr)}`);
  return path;
}
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface Case {
  name: string;
  /** The config text, or a function returning the path of the config file. */
  config: string | Buffer | (() => string);
  /** Must appear on stderr: names the key or line, and the fix. */
  expect: RegExp;
  /** Must not appear on stderr. */
  never?: RegExp;
}

const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]']
  .concat(['b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`))
  .join('\n');

const cases: Case[] = [
  // The file itself.
  {
    name: 'config is /dev/zero',
    config: () => '/dev/zero',
    expect: /\/dev\/zero: cannot read the config file \(it is a character device, not a regular file\)/,
  },
  { name: 'config is a FIFO', config: () => mkfifo('config.fifo'), expect: /config\.fifo: cannot read the config file \(it is a FIFO, not a regular file\)/ },
  {
    name: 'config is a directory',
    config: () => (mkdirSync(join(dir, 'cfgdir'), { recursive: true }), join(dir, 'cfgdir')),
    expect: /cfgdir: cannot read .* a directory/,
  },
  { name: 'config is missing', config: () => join(dir, 'nope.yaml'), expect: /nope\.yaml: cannot read the config file \(ENOENT\); check --config\.file/ },
  {
    name: 'config of 2 MiB',
    config: `${BASE}${'# padding padding padding padding\n'.repeat(64 * 1024)}`,
    expect: /cannot read the config file \(it is larger than 1 MiB\)/,
  },
  { name: 'config of 1 MiB of one line', config: `a: "${'x'.repeat(1024 * 1024)}"\n`, expect: /larger than 1 MiB/ },
  {
    name: 'non-UTF-8 bytes',
    config: Buffer.concat([Buffer.from(BASE), Buffer.from('# caf\xe9\n', 'latin1')]),
    expect: /not valid UTF-8 text \(first bad byte on line 8\)/,
  },
  { name: 'empty file', config: '', expect: /no source is enabled; enable at least one source/ },
  { name: 'comments only', config: '# nothing here\n', expect: /enable at least one source/ },
  { name: 'only core keys', config: 'refresh:\n  interval: 30s\n', expect: /enable at least one source/ },
  {
    name: 'every source disabled',
    config: edit('  apps: [{app_id: app1}]', '  apps: [{app_id: app1}]\n  enabled: false', wangsu('  enabled: false')),
    expect: /enable at least one source/,
  },
  { name: 'top level is a list', config: '- a\n- b\n', expect: /the top level must be a mapping of keys, not a list/ },
  { name: 'top level is a scalar', config: 'hello\n', expect: /the top level must be a mapping of keys, not string/ },
  { name: 'two YAML documents', config: `${BASE}---\n${BASE}`, expect: /:\d+:\d+: YAML syntax error: .*multiple documents/i },

  // YAML structure abuse.
  { name: 'alias to its own list', config: 'a: &x [*x]\n', expect: /:1:\d+: alias \*x refers to a value that contains it/ },
  { name: 'alias to its own mapping', config: `${BASE}b: &y {c: {d: *y}}\n`, expect: /:8:\d+: alias \*y refers to a value that contains it/ },
  { name: 'billion laughs', config: laughs, expect: /:2:\d+: YAML error: aliases expand to too many values/ },
  { name: 'alias of an unknown anchor', config: `${BASE}x: *nope\n`, expect: /:8:\d+: YAML error: .*nope/ },
  { name: '100000 nested flow lists', config: `x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, expect: /:1:\d+: .*nest/ },
  {
    name: '40 nested mappings',
    config: Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n',
    expect: /:\d+:\d+: nested deeper than 32 levels; flatten the file/,
  },
  { name: 'tab indentation', config: edit('  domains:', '\tdomains:'), expect: /:3:1: YAML syntax error: .*tab/i },
  { name: 'duplicate top-level key', config: `${BASE}${WANGSU}`, expect: /:8:1: YAML syntax error: Map keys must be unique/ },
  { name: 'duplicate nested key', config: refresh('  interval: 30s\n  interval: 40s'), expect: /:3:3: YAML syntax error: Map keys must be unique/ },
  { name: 'unterminated flow list', config: refresh('  interval: [30s'), expect: /:\d+:\d+: YAML syntax error/ },
  { name: 'unterminated quote', config: refresh('  interval: "30s'), expect: /:\d+:\d+: YAML syntax error: Missing closing "quote/ },
  {
    name: '__proto__ at the top',
    config: `${BASE}__proto__: {refresh: {interval: 1s}}\n`,
    expect: /__proto__: "__proto__" is not allowed as a key; remove it/,
  },
  { name: '__proto__ in refresh', config: refresh('  __proto__: {interval: 1s}'), expect: /refresh\.__proto__: "__proto__" is not allowed/ },
  { name: '__proto__ in a budget', config: wangsu('  budget: {__proto__: {requests: 100000}}'), expect: /wangsu_cdn\.budget\.__proto__: .*not allowed/ },
  { name: 'constructor key', config: wangsu('  constructor: x'), expect: /wangsu_cdn\.constructor: "constructor" is not allowed/ },
  {
    name: 'prototype key in a list item',
    config: edit('{app_id: app1}', '{app_id: app1, prototype: x}'),
    expect: /huawei_rtc\.apps\.0\.prototype: "prototype" is not allowed/,
  },
  { name: '__proto__ in units', config: huawei('  units: {__proto__: ms}'), expect: /units\.__proto__: .*not allowed/ },

  // Wrong types.
  { name: 'refresh is a list', config: `refresh: [1]\n${BASE}`, expect: /refresh: expected object, got a list/ },
  { name: 'interval is a number', config: refresh('  interval: 30'), expect: /refresh\.interval: expected string, got number; change the value/ },
  { name: 'max_series is a string', config: wangsu('  max_series: many'), expect: /wangsu_cdn\.max_series: expected number, got string/ },
  { name: 'max_series is negative', config: wangsu('  max_series: -1'), expect: /wangsu_cdn\.max_series: Too small/ },
  { name: 'max_series is a fraction', config: wangsu('  max_series: 1.5'), expect: /wangsu_cdn\.max_series: expected int/ },
  { name: 'max_series is .inf', config: wangsu('  max_series: .inf'), expect: /wangsu_cdn\.max_series: /i },
  { name: 'enabled is a string', config: wangsu('  enabled: "yes"'), expect: /wangsu_cdn\.enabled: expected boolean, got string/ },
  { name: 'domains is a string', config: edit('[{domain: live.example.com}]', 'live.example.com'), expect: /wangsu_cdn\.domains: expected array, got string/ },
  { name: 'unknown auth mode', config: edit('mode: api_key', 'mode: magic'), expect: /wangsu_cdn\.auth\.mode: /i },
  { name: 'page_size 0', config: huawei('  page_size: 0'), expect: /huawei_rtc\.page_size: Too small/ },
  { name: 'page_size 5000', config: huawei('  page_size: 5000'), expect: /huawei_rtc\.page_size: Too big/ },
  { name: 'no apps', config: edit('apps: [{app_id: app1}]', 'apps: []'), expect: /huawei_rtc\.apps: Too small/ },
  { name: 'two huawei auth modes', config: edit('auth: {aksk', 'auth: {token: t, aksk'), expect: /huawei_rtc\.auth: set exactly one of aksk, token, iam/ },
  {
    name: 'no huawei auth mode',
    config: edit('auth: {aksk: {access_key: ak, secret_key: sk-123}}', 'auth: {}'),
    expect: /huawei_rtc\.auth: set exactly one of aksk, token, iam/,
  },
  { name: 'data_interval 2m', config: wangsu('  data_interval: 2m'), expect: /wangsu_cdn\.data_interval: must be one of "1m", "5m"/ },
  { name: 'mb_bytes 1024', config: wangsu('  mb_bytes: 1024'), expect: /wangsu_cdn\.mb_bytes: / },
  { name: 'mids in capitals', config: huawei('  mids: [ALL]'), expect: /huawei_rtc\.mids\.0: / },
  {
    name: 'secret is a list',
    config: edit('api_key: k-123', 'api_key: [k-123]'),
    expect: /wangsu_cdn\.auth\.api_key: expected string, got a list/,
    never: /k-123/,
  },

  // Unknown keys, one per section.
  { name: 'unknown top-level key', config: `${BASE}scrape: {}\n`, expect: /^config error: scrape: unknown key; remove it or fix its spelling/m },
  { name: 'unknown refresh key', config: refresh('  intervall: 30s'), expect: /refresh\.intervall: unknown key/ },
  { name: 'unknown wangsu key', config: wangsu('  endpont: https://x.example'), expect: /wangsu_cdn\.endpont: unknown key/ },
  { name: 'unknown wangsu auth key', config: edit('api_key: k-123', 'api_key: k-123, password: p'), expect: /wangsu_cdn\.auth\.password: unknown key/ },
  { name: 'unknown budget key', config: wangsu('  budget: {request: 10}'), expect: /wangsu_cdn\.budget\.request: unknown key/ },
  {
    name: 'unknown domain entry key',
    config: edit('{domain: live.example.com}', '{domain: live.example.com, stream: a}'),
    expect: /wangsu_cdn\.domains\.0\.stream: unknown key/,
  },
  { name: 'unknown aksk key', config: edit('secret_key: sk-123', 'secret_key: sk-123, region: x'), expect: /huawei_rtc\.auth\.aksk\.region: unknown key/ },
  { name: 'unknown app key', config: edit('{app_id: app1}', '{app_id: app1, room: r}'), expect: /huawei_rtc\.apps\.0\.room: unknown key/ },

  // Durations.
  {
    name: 'request_timeout 9999999999d',
    config: wangsu('  request_timeout: 9999999999d'),
    expect: /wangsu_cdn\.request_timeout: "9999999999d" is out of range: a duration is at most 292y24w3d23h47m16s854ms/,
  },
  {
    name: 'backoff_max 25d',
    config: refresh('  backoff_max: 25d'),
    expect: /refresh\.backoff_max: "25d" is a valid duration, but longer than the 24d20h31m23s647ms a timer can hold; write at most "24d"/,
  },
  {
    name: 'request_timeout 2y',
    config: wangsu('  request_timeout: 2y'),
    expect: /wangsu_cdn\.request_timeout: "2y" is a valid duration, but longer than .* a timer can hold/,
  },
  { name: 'a 400-digit duration', config: refresh(`  interval: ${'9'.repeat(400)}s`), expect: /refresh\.interval: "9+s" is out of range/ },
  {
    name: 'refresh_interval 30d',
    config: wangsu('  refresh_interval: 30d'),
    expect: /wangsu_cdn\.refresh_interval: "30d" is a valid duration, but longer than/,
  },
  { name: 'max_scrape_wait 0s', config: refresh('  max_scrape_wait: 0s'), expect: /refresh\.max_scrape_wait: must be longer than 0/ },
  { name: 'backoff_initial 0s', config: refresh('  backoff_initial: 0s'), expect: /refresh\.backoff_initial: must be longer than 0/ },
  { name: 'shutdown_timeout 0ms', config: `shutdown_timeout: 0ms\n${BASE}`, expect: /shutdown_timeout: must be longer than 0/ },
  { name: 'request_timeout 0s', config: huawei('  request_timeout: 0s'), expect: /huawei_rtc\.request_timeout: must be longer than 0/ },
  { name: 'budget window 0s', config: wangsu('  budget: {window: 0s}'), expect: /wangsu_cdn\.budget\.window: must be longer than 0/ },
  { name: 'discovery_interval 0m', config: huawei('  discovery_interval: 0m'), expect: /huawei_rtc\.discovery_interval: must be longer than 0/ },
  { name: 'departed_after 0s', config: huawei('  departed_after: 0s'), expect: /huawei_rtc\.departed_after: must be longer than 0/ },
  {
    name: 'departed_after as long as lookback',
    config: huawei('  lookback: 5m\n  departed_after: 5m'),
    expect: /huawei_rtc\.departed_after: must be shorter than lookback \(5m\)/,
  },
  { name: 'duration "soon"', config: wangsu('  request_timeout: soon'), expect: /wangsu_cdn\.request_timeout: "soon" is not a duration/ },
  { name: 'duration with a space', config: refresh('  interval: 1 m'), expect: /refresh\.interval: "1 m" is not a duration/ },
  { name: 'negative duration', config: refresh('  interval: -5s'), expect: /refresh\.interval: "-5s" is not a duration/ },
  { name: 'units out of order', config: refresh('  interval: 1s1h'), expect: /refresh\.interval: "1s1h" is not a duration; .*largest first/ },
  { name: 'a unit twice', config: refresh('  interval: 5m5m'), expect: /refresh\.interval: "5m5m" is not a duration/ },
  { name: 'fractional duration', config: refresh('  interval: 1.5s'), expect: /refresh\.interval: "1\.5s" is not a duration/ },

  // Endpoints.
  { name: 'file: endpoint', config: wangsu('  endpoint: file:///etc/passwd'), expect: /wangsu_cdn\.endpoint: expected an http:\/\/ or https:\/\/ URL/ },
  { name: 'ftp: endpoint', config: huawei('  endpoint: ftp://rtc.example.com'), expect: /huawei_rtc\.endpoint: expected an http:\/\/ or https:\/\/ URL/ },
  {
    name: 'javascript: IAM endpoint',
    config: edit('auth: {aksk: {access_key: ak, secret_key: sk-123}}', 'auth: {iam: {endpoint: "javascript:alert(1)", domain: d, user: u, password: pw}}'),
    expect: /huawei_rtc\.auth\.iam\.endpoint: expected an http/,
  },
  { name: 'endpoint without a scheme', config: wangsu('  endpoint: open.chinanetcenter.com'), expect: /wangsu_cdn\.endpoint: expected an http/ },
  { name: 'endpoint is a number', config: wangsu('  endpoint: 42'), expect: /wangsu_cdn\.endpoint: / },

  // Rules across keys.
  {
    name: 'backoff_initial above backoff_max',
    config: refresh('  backoff_initial: 10m\n  backoff_max: 5m'),
    expect: /refresh\.backoff_initial: must not exceed refresh\.backoff_max/,
  },
  {
    name: 'backoff_initial above the default backoff_max',
    config: refresh('  backoff_initial: 6m'),
    expect: /refresh\.backoff_initial: must not exceed refresh\.backoff_max/,
  },
  {
    name: 'throttle pauses reversed',
    config: wangsu('  budget: {throttle_pause_min: 2m, throttle_pause_max: 1m}'),
    expect: /wangsu_cdn\.budget\.throttle_pause_min: throttle_pause_min must not exceed/,
  },
  { name: 'wangsu window 11m', config: wangsu('  window: 11m'), expect: /wangsu_cdn\.window: Wangsu allows at most 10m/ },
  { name: 'wangsu window 90s', config: wangsu('  window: 90s'), expect: /wangsu_cdn\.window: must be a multiple of data_interval/ },
  {
    name: 'online users with 5m slices',
    config: wangsu('  data_interval: 5m\n  online_users: true'),
    expect: /wangsu_cdn\.online_users: online users come with 1m slices only/,
  },
  {
    name: 'a key and its _file',
    config: edit('api_key: k-123', 'api_key: k-123, api_key_file: /etc/hostname'),
    expect: /wangsu_cdn\.auth\.api_key_file: set api_key or api_key_file, not both/,
  },

  // *_file values.
  {
    name: 'api_key_file is /dev/zero',
    config: edit('api_key: k-123', 'api_key_file: /dev/zero'),
    expect: /wangsu_cdn\.auth\.api_key_file: cannot read file \/dev\/zero \(it is a character device, not a regular file\)/,
  },
  {
    name: 'api_key_file is a FIFO',
    config: () => file('fifo-key.yaml', edit('api_key: k-123', `api_key_file: ${mkfifo('key.fifo')}`)),
    expect: /wangsu_cdn\.auth\.api_key_file: cannot read file .*key\.fifo \(it is a FIFO/,
  },
  {
    name: 'secret_key_file is a directory',
    config: edit('secret_key: sk-123', 'secret_key_file: /'),
    expect: /huawei_rtc\.auth\.aksk\.secret_key_file: cannot read file \/ \(it is a directory/,
  },
  {
    name: 'api_key_file of 100 KiB',
    config: () => file('big-key.yaml', edit('api_key: k-123', `api_key_file: ${file('big.key', 'k'.repeat(100 * 1024))}`)),
    expect: /api_key_file: cannot read file .*big\.key \(it is larger than 64 KiB\)/,
  },
  {
    name: 'api_key_file missing',
    config: edit('api_key: k-123', 'api_key_file: /nonexistent/key'),
    expect: /api_key_file: cannot read file \/nonexistent\/key \(ENOENT\); create it or fix the path/,
  },
  {
    name: 'api_key_file empty',
    config: () => file('empty-key.yaml', edit('api_key: k-123', `api_key_file: ${file('empty.key', '\n')}`)),
    expect: /api_key_file: file .*empty\.key is empty; put the value in it/,
  },
  {
    name: 'api_key_file not UTF-8',
    config: () => file('latin-key.yaml', edit('api_key: k-123', `api_key_file: ${file('latin.key', Buffer.from([0x6b, 0xff, 0xfe]))}`)),
    expect: /api_key_file: cannot read file .*latin\.key \(it is not valid UTF-8 text/,
  },

  // Environment variables.
  {
    name: 'unset variable in a secret',
    config: edit('api_key: k-123', 'api_key: "${HOSTILE_UNSET_KEY}"'),
    expect: /wangsu_cdn\.auth\.api_key: environment variable HOSTILE_UNSET_KEY is not set; set it/,
    never: /:-default/,
  },
  {
    name: 'unset variable in an IAM password',
    config: edit('auth: {aksk: {access_key: ak, secret_key: sk-123}}', 'auth: {iam: {domain: d, user: u, password: "${HOSTILE_UNSET_PW}"}}'),
    expect: /huawei_rtc\.auth\.iam\.password: environment variable HOSTILE_UNSET_PW is not set; set it/,
    never: /:-default/,
  },
  {
    name: 'unset variable in a plain key',
    config: edit('username: u', 'username: "${HOSTILE_UNSET_USER}"'),
    expect: /wangsu_cdn\.auth\.username: environment variable HOSTILE_UNSET_USER is not set; set it, or write \$\{HOSTILE_UNSET_USER:-default\}/,
  },
];

const TIMEOUT_MS = 5000;

function check(configPath: string) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['dist/src/main.js', '--config.check', `--config.file=${configPath}`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: TIMEOUT_MS,
    maxBuffer: 1024 * 1024,
  });
  return { code: r.status, signal: r.signal, err: r.stderr, out: r.stdout, ms: Date.now() - started, error: r.error };
}

describe('hostile config files', () => {
  it('has a large table of them', () => {
    assert.ok(cases.length >= 60, `only ${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names must be unique');
  });

  it('accepts the base file the cases break', () => {
    const r = check(file('base.yaml', BASE));
    assert.equal(r.code, 0, r.err);
  });

  cases.forEach((c, i) => {
    it(`exits 2 with a clear message: ${c.name}`, () => {
      const path = typeof c.config === 'function' ? c.config() : file(`case-${i}.yaml`, c.config);
      const r = check(path);
      assert.equal(r.error, undefined, `did not finish within ${TIMEOUT_MS} ms (${String(r.error)})`);
      assert.equal(r.code, 2, `exit ${r.code}, stderr:\n${r.err}`);
      assert.match(r.err, c.expect);
      assert.match(r.err, /^config error: /);
      assert.doesNotMatch(r.err, /\n\s+at /, 'a stack trace');
      if (c.never) assert.doesNotMatch(r.err, c.never);
      assert.equal(r.out, '', 'nothing on stdout: no OK verdict');
      assert.ok(r.ms < TIMEOUT_MS, `took ${r.ms} ms`);
    });
  });
});
