import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { request as undiciRequest } from 'undici';
import { ManualClock, flushMicrotasks } from '../../src/sim/manual-clock.js';
import { landingPage } from '../../src/landing-page.js';
import { scrapeWaitMs } from '../../src/server.js';
import { FakeSource, deferred, fakeExporter, sample } from '../helpers/fakes.js';
import type { Sample } from '../../src/series-writer.js';

describe('http server', () => {
  it('serves upstream series then self-metrics with the exposition content type', async () => {
    const { exporter } = fakeExporter([new FakeSource({ refresher: async () => [sample({ room: 'r"1' }, 0.5)] })]);
    const res = await request(exporter.app).get('/metrics').expect(200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(res.headers['etag'], undefined);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.match(res.text, /^test_value\{room="r\\"1"\} 0\.5$/m);
    assert.match(res.text, /^rtc_cdn_exporter_up\{source="fake"\} 1$/m);
    assert.match(res.text, /^rtc_cdn_exporter_series\{source="fake"\} 1$/m);
    assert.match(res.text, /^rtc_cdn_exporter_build_info\{version="0\.0\.0-test",revision="unknown",branch="unknown",nodejs="v[\d.]+"\} 1$/m);
    assert.match(res.text, /^process_cpu_user_seconds_total /m);
    assert.ok(res.text.indexOf('test_value') < res.text.indexOf('rtc_cdn_exporter_up'));
  });

  it('gzips when the scraper accepts it, and not otherwise', async () => {
    const { exporter } = fakeExporter([new FakeSource()]);
    const [addr] = (await exporter.listen(['127.0.0.1:0'])) as [AddressInfo];
    try {
      // undici does not decompress, so this sees the bytes on the wire.
      const gz = await undiciRequest(`http://127.0.0.1:${addr.port}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      const text = gunzipSync(Buffer.from(await gz.body.arrayBuffer())).toString();
      assert.match(text, /^test_value\{key="k1"\} 1$/m);
      assert.match(text, /^rtc_cdn_exporter_build_info/m);
      const plain = await undiciRequest(`http://127.0.0.1:${addr.port}/metrics`);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.match(await plain.body.text(), /^test_value\{key="k1"\} 1$/m);
    } finally {
      await exporter.shutdown();
    }
  });

  it('waits for a refresh at most the scrape timeout minus the offset', async () => {
    assert.equal(scrapeWaitMs('10', 500, 30_000), 9_500);
    assert.equal(scrapeWaitMs('10', 500, 5_000), 5_000);
    assert.equal(scrapeWaitMs(undefined, 500, 5_000), 5_000);
    assert.equal(scrapeWaitMs('0.2', 500, 5_000), 0);
    assert.equal(scrapeWaitMs('garbage', 500, 5_000), 5_000);

    const clock = new ManualClock();
    const hang = deferred<Sample[]>();
    const { exporter } = fakeExporter([new FakeSource({ refresher: () => hang.promise })], { clock });
    let answered = false;
    const scrape = request(exporter.app)
      .get('/metrics')
      .set('X-Prometheus-Scrape-Timeout-Seconds', '2')
      .then((r) => {
        answered = true;
        return r;
      });
    while (clock.pendingTimers() === 0) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(1_499);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answered, false, 'answered before the deadline');
    await clock.advance(1);
    const res = await scrape;
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /^test_value/m);
    hang.resolve([]);
  });

  it('is healthy at once and ready after the first key listing', async () => {
    const listing = deferred<string[]>();
    const source = new FakeSource();
    source.listKeys = () => listing.promise;
    const { exporter } = fakeExporter([source]);
    await request(exporter.app).get('/-/healthy').expect(200, 'Healthy\n');
    const notReady = await request(exporter.app).get('/-/ready').expect(503);
    assert.match(notReady.text, /fake/);
    void exporter.scheduler.collect(0);
    listing.resolve(['k1']);
    await flushMicrotasks();
    await request(exporter.app).get('/-/ready').expect(200, 'Ready\n');
  });

  it('shows version, sources and their state on the landing page, and JSON 404 elsewhere', async () => {
    const { exporter } = fakeExporter([new FakeSource({ name: 'fake_<b>' })]);
    const before = await request(exporter.app).get('/').expect(200);
    assert.match(before.text, /<td>no data yet<\/td>/);
    await request(exporter.app).get('/metrics');
    const res = await request(exporter.app).get('/').expect(200);
    assert.match(res.headers['content-type']!, /text\/html/);
    assert.match(res.text, /Version: <code>0\.0\.0-test<\/code>/);
    assert.match(
      res.text,
      /<code>fake_&#60;b&#62;<\/code><\/td><td class="up">up<\/td><td class="n">1<\/td><td class="n">1<\/td><td class="n">0<\/td><td>0s old<\/td>/,
    );
    assert.doesNotMatch(res.text, /<script|src=|<link/, 'no script and no external asset');
    const missing = await request(exporter.app).get('/nope').expect(404);
    assert.deepEqual(missing.body, { error: 'not found', path: '/nope' });
  });

  it('serves metrics at --web.telemetry-path only, and links to it from the landing page', async () => {
    const { exporter } = fakeExporter([new FakeSource()], { telemetryPath: '/probe/metrics' });
    const res = await request(exporter.app).get('/probe/metrics').expect(200);
    assert.match(res.text, /^test_value\{key="k1"\} 1$/m);
    await request(exporter.app).get('/metrics').expect(404);
    await request(exporter.app).post('/probe/metrics').expect(405);
    await request(exporter.app).post('/metrics').expect(404);
    assert.match((await request(exporter.app).get('/').expect(200)).text, /href="probe\/metrics"/);
    await request(exporter.app).get('/-/healthy').expect(200);
  });

  it('labels build_info with the revision and branch of the build', async () => {
    const { exporter } = fakeExporter([new FakeSource()], { build: { revision: '0123abc', branch: 'release-1' } });
    const res = await request(exporter.app).get('/metrics').expect(200);
    assert.match(res.text, /^rtc_cdn_exporter_build_info\{version="0\.0\.0-test",revision="0123abc",branch="release-1",nodejs="v[\d.]+"\} 1$/m);
  });

  it('listens on every address given, and stops listening on all at shutdown', async () => {
    const { exporter } = fakeExporter([new FakeSource()]);
    const bound = (await exporter.listen(['127.0.0.1:0', '127.0.0.1:0'])) as AddressInfo[];
    assert.equal(bound.length, 2);
    assert.notEqual(bound[0]!.port, bound[1]!.port);
    for (const { port } of bound) assert.equal((await undiciRequest(`http://127.0.0.1:${port}/metrics`)).statusCode, 200);
    await exporter.shutdown();
    for (const { port } of bound) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
      });
      assert.equal(outcome, 'ECONNREFUSED');
    }
  });

  it('links every endpoint relative to the page, so it works under any path prefix', async () => {
    const { exporter } = fakeExporter([new FakeSource()]);
    await exporter.scheduler.collect(1_000); // ready
    const res = await request(exporter.app).get('/').expect(200);
    const hrefs = [...res.text.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(hrefs, ['metrics', '-/healthy', '-/ready', 'config']);
    for (const href of hrefs) await request(exporter.app).get(`/${href}`).expect(200);
  });

  it('links the metrics path it is given (--web.telemetry-path), relative to the page', async () => {
    const { exporter } = fakeExporter([new FakeSource()]);
    const status = exporter.scheduler.status();
    for (const [path, href] of [
      ['/metrics', 'metrics'],
      ['/prometheus/metrics', 'prometheus/metrics'],
      ['/a:b', './a:b'],
    ] as const) {
      assert.match(landingPage({ version: '1', sources: status, metricsPath: path }), new RegExp(`<a href="${href.replace(/[.]/g, '\\.')}">Metrics</a>`));
    }
  });

  it("shows each failing key's last error, when and how often it failed, escaped and masked", async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 2, 3, 4, 5));
    const credential = 'tok-9d2f61aa7c';
    const source = new FakeSource({
      keys: ['ok', 'room<1>'],
      refresher: async (key) => {
        if (key === 'ok') return [sample({ key }, 1)];
        throw new Error(`401 <b>denied</b> & token ${credential} rejected`);
      },
    });
    const { exporter } = fakeExporter([source], { clock, secrets: [credential] });
    await exporter.scheduler.collect(0);
    await flushMicrotasks();
    await clock.advance(65_000);
    const res = await request(exporter.app).get('/').expect(200);
    assert.match(res.text, /<td class="down">down<\/td><td class="n">2<\/td><td class="n">1<\/td><td class="n">1<\/td><td>1m5s old<\/td>/);
    assert.match(res.text, /Errors of <code>fake<\/code>/);
    assert.match(
      res.text,
      /<td><code>room&#60;1&#62;<\/code><\/td><td class="message">401 &#60;b&#62;denied&#60;\/b&#62; &#38; token \[REDACTED\] rejected<\/td><td><time datetime="2025-01-02T03:04:05Z">2025-01-02T03:04:05Z<\/time><br><span class="muted">1m5s ago<\/span><\/td><td class="n">1<\/td>/,
    );
    assert.doesNotMatch(res.text, new RegExp(credential.slice(0, 8)));
  });

  it('serves the effective config as plain text at /config', async () => {
    const { exporter } = fakeExporter([new FakeSource()], { configYaml: 'refresh: { interval: 90s }\nfake: { max_series: 10 }' });
    const res = await request(exporter.app).get('/config').expect(200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(res.text, /^refresh:\n {2}interval: 1m30s\n/m);
    assert.match(res.text, /^fake:\n {2}enabled: true\n {2}max_series: 10\n/m);
    await request(exporter.app).post('/config').expect(405);
  });

  it('answers 405 with Allow to other methods, and routes exact paths only', async () => {
    const { exporter } = fakeExporter([new FakeSource()]);
    for (const method of ['post', 'put', 'delete', 'patch'] as const) {
      const res = await request(exporter.app)[method]('/metrics').expect(405);
      assert.equal(res.headers['allow'], 'GET, HEAD');
    }
    await request(exporter.app).post('/-/ready').expect(405);
    await request(exporter.app).head('/metrics').expect(200);
    for (const path of ['/Metrics', '/metrics/', '/METRICS', '/-/healthy/']) await request(exporter.app).get(path).expect(404);
  });

  it('closes connections over --web.max-connections at once, and serves again when one closes', { timeout: 10_000 }, async () => {
    const { exporter } = fakeExporter([new FakeSource()], { maxConnections: 2 });
    const [addr] = (await exporter.listen(['127.0.0.1:0'])) as [AddressInfo];
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect(addr.port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    try {
      const held = [await open(), await open()];
      const extra = await open();
      // The server destroys the socket over the cap as soon as it accepts it.
      await once(extra, 'close');
      held[0]!.destroy();
      await once(held[0]!, 'close');
      await flushUntil(async () => (await undiciRequest(`http://127.0.0.1:${addr.port}/-/healthy`).catch(() => undefined))?.statusCode === 200);
      held[1]!.destroy();
    } finally {
      await exporter.shutdown();
    }
  });
});

/** Retries `check` on event-loop turns (the server learns of a closed socket asynchronously). */
async function flushUntil(check: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail('condition never held');
}
