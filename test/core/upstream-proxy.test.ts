// A source's proxy_url: every upstream call of the source (Huawei's IAM token
// call included) goes through a real forward proxy on loopback, with its
// credentials sent and masked, and a proxy that refuses is a refresh error.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../src/config.js';
import { huaweiRtc } from '../../src/sources/huawei-rtc/index.js';
import { huaweiSetup } from '../../src/sources/huawei-rtc/sim/drive.js';
import { apiKeyAuth, buildSource, startSim } from '../../src/sources/wangsu-cdn/sim/drive.js';
import { ManualClock } from '../../src/sim/manual-clock.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.js';

const WORLD = { seed: 5, apps: 1, roomsPerApp: 1, maxUsers: 2, cycleMs: 86_400_000, openMs: 86_000_000 };
const PROXY_USER = 'egress-user';
// The characters a URL must percent-encode: the header carries the decoded password.
const PROXY_PASSWORD = 'pr0xy-p@ss:w0rd/7Hq2';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const withCredentials = (proxy: ForwardProxy) => `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${proxy.port}`;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const proxies: ForwardProxy[] = [];
async function proxy(opts: Parameters<typeof startForwardProxy>[0] = {}): Promise<ForwardProxy> {
  const p = await startForwardProxy(opts);
  proxies.push(p);
  return p;
}
after(() => Promise.all(proxies.map((p) => p.close())));

/** Paths of the absolute-URI requests the proxy relayed to `upstream`, with their status. */
const relayed = (p: ForwardProxy, upstream: string) =>
  p.requests.filter((r) => r.target === new URL(upstream).host && r.url !== undefined).map((r) => ({ path: new URL(r.url!).pathname, status: r.status }));

describe('proxy_url', () => {
  it('sends huawei_rtc IAM token and RTC API requests through the proxy', async () => {
    const egress = await proxy();
    const h = await huaweiSetup({
      sim: { world: WORLD },
      config: (url) => ({
        proxy_url: egress.url,
        auth: { iam: { endpoint: url, domain: 'sim-account', user: 'sim-user', password: 'sim-password' } },
      }),
    });
    try {
      await h.clock.advance(30 * 60_000);
      assert.match(await h.scrape(), /^huaweicloud_rtc_audio_jitter_seconds\{/m);
      const paths = relayed(egress, h.url);
      assert.ok(
        paths.some((r) => r.path === '/v3/auth/tokens' && r.status === 201),
        `no IAM token request through the proxy: ${JSON.stringify(paths)}`,
      );
      assert.ok(
        paths.some((r) => /\/rtc\/client\/qos\/details$/.test(r.path) && r.status === 200),
        `no qos/details request through the proxy: ${JSON.stringify(paths)}`,
      );
      // Every request the simulator saw came through the proxy.
      assert.equal(paths.length, h.sim.requests.length);
    } finally {
      await h.close();
    }
  });

  it('sends wangsu_cdn requests through the proxy', async () => {
    const egress = await proxy();
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 20));
    const sim = await startSim({ clock, model: { seed: 7, domains: [{ domain: 'live.example.com', streams: ['live/main'] }], liveRatio: 1 } });
    const h = buildSource({ endpoint: sim.url, auth: apiKeyAuth, domains: [{ domain: 'live.example.com' }], proxy_url: egress.url }, clock);
    try {
      await h.settle(Promise.all(h.scheduler.runners.map((r) => r.kick())));
      assert.match(h.scheduler.exposition().text, /^wangsu_live_stream_bandwidth_bytes_per_second\{domain="live.example.com",stream="live\/main"\} \d/m);
      const paths = relayed(egress, sim.url);
      assert.ok(
        paths.some((r) => r.path === '/api/report/flow-bandwidth/stream/detail' && r.status === 200),
        `no detail request through the proxy: ${JSON.stringify(paths)}`,
      );
      assert.equal(paths.length, sim.sim.requests.length);
    } finally {
      await h.close();
      await sim.close();
    }
  });

  it('authenticates to a proxy that demands it, and shows the password nowhere', async () => {
    const egress = await proxy({ credentials: `${PROXY_USER}:${PROXY_PASSWORD}` });
    const h = await huaweiSetup({
      sim: { world: WORLD },
      config: (url) => ({
        proxy_url: withCredentials(egress),
        auth: { iam: { endpoint: url, domain: 'sim-account', user: 'sim-user', password: 'sim-password' } },
      }),
    });
    try {
      await h.clock.advance(30 * 60_000);
      assert.match(await h.scrape(), /^huaweicloud_rtc_audio_jitter_seconds\{/m);
      assert.ok(egress.requests.length > 0);
      assert.deepEqual(new Set(egress.requests.map((r) => r.authorization)), new Set([basic(PROXY_USER, PROXY_PASSWORD)]));
      assert.ok(egress.requests.every((r) => r.status !== 407));

      // The parsed config prints the URL with the password replaced, however it is printed.
      const block = { project_id: 'p1', auth: { token: 'static-token-value' }, apps: [{ app_id: 'a1' }], proxy_url: withCredentials(egress) };
      const { config, secrets } = parseConfig(JSON.stringify({ huawei_rtc: block }), { sources: [huaweiRtc] });
      const source = config.sources.get('huawei_rtc')!;
      const shown = `http://${PROXY_USER}:[REDACTED]@127.0.0.1:${egress.port}`;
      assert.equal((JSON.parse(JSON.stringify(source)) as { proxy_url: string }).proxy_url, shown);
      assert.equal(String(source.proxy_url), shown);
      assert.ok(inspect(source).includes(shown), inspect(source));
      assert.ok(secrets.includes(PROXY_PASSWORD) && secrets.includes(Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')));

      // A log line carrying the password in any form it takes is masked.
      h.log.logger.warn({ proxy: withCredentials(egress), header: basic(PROXY_USER, PROXY_PASSWORD) }, `password ${PROXY_PASSWORD}`);
      const text = [...h.log.lines, JSON.stringify(source), inspect(source), String(source.proxy_url)].join('\n');
      for (const needle of [PROXY_PASSWORD, encodeURIComponent(PROXY_PASSWORD), Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')]) {
        assert.ok(!text.includes(needle), `${needle} shown`);
      }
    } finally {
      await h.close();
    }
  });
});

describe('a source dispatcher', () => {
  it('is closed when the exporter shuts down: no connection to the proxy is left open', async () => {
    const egress = await proxy();
    const h = await huaweiSetup({ sim: { world: WORLD }, config: { proxy_url: egress.url } });
    let closed = false;
    try {
      await h.clock.advance(30 * 60_000);
      assert.match(await h.scrape(), /^huaweicloud_rtc_audio_jitter_seconds\{/m);
      assert.ok(egress.openConnections() > 0, 'no keep-alive connection to the proxy');
      // The exporter's shutdown, then the simulator's (which drops only the proxy's connections to it).
      await h.close();
      closed = true;
      // Well inside the ~4 s an idle keep-alive connection would otherwise stay open.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still open'), 1_000)));
      assert.equal(await Promise.race([egress.idle().then(() => 'closed'), late]), 'closed');
      clearTimeout(timer);
    } finally {
      if (!closed) await h.close();
    }
  });
});

describe('a proxy that refuses', () => {
  for (const { name, proxyUrl, expect } of [
    {
      name: 'with 407 (no credentials given)',
      proxyUrl: async () => (await proxy({ credentials: `${PROXY_USER}:${PROXY_PASSWORD}` })).url,
      expect: /Proxy Authentication Required \(407\)/,
    },
    {
      name: 'with 407 (wrong password)',
      proxyUrl: async () => `http://${PROXY_USER}:not-the-password@127.0.0.1:${(await proxy({ credentials: `${PROXY_USER}:${PROXY_PASSWORD}` })).port}`,
      expect: /Proxy Authentication Required \(407\)/,
    },
    { name: 'the connection', proxyUrl: async () => `http://127.0.0.1:${await closedPort()}`, expect: /network error: ECONNREFUSED/ },
  ]) {
    it(`${name}: a logged refresh error and up 0, not a crash`, async () => {
      const url = await proxyUrl();
      const h = await huaweiSetup({ sim: { world: WORLD }, config: { proxy_url: url } });
      try {
        await h.clock.advance(30 * 60_000);
        const page = await h.settle(Promise.resolve(request(h.exporter.app).get('/metrics')));
        assert.equal(page.status, 200);
        assert.match(page.text, /^rtc_cdn_exporter_up\{source="huawei_rtc"\} 0$/m);
        assert.equal(h.sim.requests.length, 0, 'a request reached the API past the proxy');
        const errors = h.log.records().filter((r) => r.level === 'error' && /^refresh failed: /.test(String(r.msg)));
        assert.ok(errors.length > 0, 'no refresh error logged');
        assert.ok(
          errors.every((r) => r.outcome === 'network_error' && expect.test(String(r.msg))),
          JSON.stringify(errors),
        );
        assert.ok(!h.log.lines.join('\n').includes('not-the-password'));
      } finally {
        await h.close();
      }
    });
  }
});
