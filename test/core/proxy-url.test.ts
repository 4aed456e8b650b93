// proxy_url in config and HTTP(S)_PROXY in the environment: which forms are
// accepted, what a refusal says (never the password), and how the value prints.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config.js';
import { sources } from '../../src/sources/index.js';
import { wangsuCdn } from '../../src/sources/wangsu-cdn/index.js';
import { proxyEnvironment } from '../../src/upstream/dispatcher.js';

const wangsu = (proxyUrl: unknown) =>
  parseConfig(
    JSON.stringify({ wangsu_cdn: { auth: { mode: 'api_key', username: 'u', api_key: 'key-value' }, domains: [{ domain: 'd.example' }], proxy_url: proxyUrl } }),
    {
      sources: [wangsuCdn],
    },
  );

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('accepted');
}

describe('proxy_url', () => {
  it('is a key of every source, absent unless set', () => {
    for (const source of sources) {
      assert.ok(
        source.schema.safeParse({ proxy_url: 'ftp://x' }).error?.issues.some((i) => i.path[0] === 'proxy_url'),
        source.name,
      );
    }
    assert.equal(wangsu(undefined).config.sources.get('wangsu_cdn')!.proxy_url, undefined);
  });

  it('accepts http:// and https:// with and without credentials, and prints without the password', () => {
    for (const [written, shown] of [
      ['http://proxy.example.com:3128', 'http://proxy.example.com:3128'],
      ['https://proxy.example.com', 'https://proxy.example.com'],
      ['http://proxy.example.com:3128/', 'http://proxy.example.com:3128'],
      ['http://alice:s3cret-pass@10.0.0.1:8080', 'http://alice:[REDACTED]@10.0.0.1:8080'],
    ] as const) {
      const { config, secrets } = wangsu(written);
      const proxy = config.sources.get('wangsu_cdn')!.proxy_url!;
      assert.equal(String(proxy), shown);
      assert.equal(JSON.stringify(proxy), JSON.stringify(shown));
      assert.equal(inspect(proxy), shown);
      assert.equal(secrets.includes('s3cret-pass'), written.includes('s3cret-pass'));
    }
  });

  it('collects the password in every form it is written or sent', () => {
    const { secrets } = wangsu('http://alice:p%40ss%3Aword@proxy:3128');
    for (const form of ['p@ss:word', 'p%40ss%3Aword', Buffer.from('alice:p@ss:word').toString('base64')]) assert.ok(secrets.includes(form), form);
  });

  it('refuses other schemes, paths, a user without a password, and not-URLs, without quoting the value', () => {
    for (const [value, expect] of [
      ['socks5://proxy:1080', /wangsu_cdn\.proxy_url: the scheme must be http:\/\/ or https:\/\/, not socks5:\/\//],
      ['proxy.example.com:3128', /wangsu_cdn\.proxy_url: has no scheme; write it like http:\/\/proxy\.example\.com:3128/],
      ['alice:p4ssw0rd@proxy:3128', /wangsu_cdn\.proxy_url: has no scheme/],
      ['http://proxy:3128/path?q=1', /wangsu_cdn\.proxy_url: a proxy URL has no path, query or fragment/],
      ['http://alice@proxy:3128', /wangsu_cdn\.proxy_url: a user without a password is not sent/],
      ['http://p4ssw0rd here', /wangsu_cdn\.proxy_url: not a URL; write it like http:\/\/proxy\.example\.com:3128/],
      [3128, /wangsu_cdn\.proxy_url: expected string, got number/],
    ] as const) {
      const found = problems(() => wangsu(value));
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, expect);
      assert.ok(!found[0]!.includes('p4ssw0rd'), found[0]);
    }
    const withPath = problems(() => wangsu('http://alice:hunter22-secret@proxy:3128/path'));
    assert.ok(!withPath.join('\n').includes('hunter22-secret'), withPath.join('\n'));
  });
});

describe('HTTP_PROXY / HTTPS_PROXY', () => {
  it('reads the lower-case name first, as undici does, and a bare host:port as http://', () => {
    const env = proxyEnvironment({ http_proxy: 'proxy-a:3128', HTTP_PROXY: 'http://proxy-b:3128', HTTPS_PROXY: 'http://u:pw-value@proxy-c:8080' });
    assert.equal(env.http?.uri, 'http://proxy-a:3128');
    assert.equal(String(env.https?.url), 'http://u:[REDACTED]@proxy-c:8080');
    assert.ok(env.https?.url.credentials().includes('pw-value'));
    assert.deepEqual(proxyEnvironment({ http_proxy: '', HTTP_PROXY: 'http://proxy-b:3128' }), {});
  });

  it('refuses a malformed one, naming the variable and not the value', () => {
    const found = problems(() => proxyEnvironment({ HTTPS_PROXY: 'socks5://u:pw-value@proxy:1080', http_proxy: 'http://proxy:3128/x' }));
    assert.deepEqual(found, [
      'environment variable http_proxy: a proxy URL has no path, query or fragment; write only scheme://[user:password@]host:port',
      'environment variable HTTPS_PROXY: the scheme must be http:// or https://, not socks5://; write it like http://proxy.example.com:3128',
    ]);
  });
});
