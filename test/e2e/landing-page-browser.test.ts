// The landing page in a real browser (Debian's chromium, headless), served
// behind a reverse proxy under a path prefix: it renders, every link resolves
// under the prefix and answers through the proxy, and a failing key's error is
// on screen. The screenshot is left in the OS temp dir, its path printed.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { Exporter } from '../../src/exporter.js';
import { UpstreamError } from '../../src/upstream/api.js';
import { FakeSource, sample } from '../helpers/fakes.js';
import { fakeExporter } from '../helpers/fakes.js';
import { startPathPrefixProxy, type PathPrefixProxy } from '../helpers/path-prefix-proxy.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PREFIX = '/exporters/rtc/';
const UPSTREAM_ERROR = 'stream API answered 502 Bad Gateway: <html><body>upstream overloaded</body></html>';

describe('landing page in chromium behind a path-prefix proxy', () => {
  let exporter: Exporter;
  let proxy: PathPrefixProxy;
  let browser: Browser;
  let base: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM to its path)`);
    const rooms = new FakeSource({ name: 'rooms', keys: ['room-1', 'room-2', 'room-3'] });
    const family = { name: 'test_stream_value', help: 'A test gauge.', type: 'gauge' } as const;
    const streams = new FakeSource({
      name: 'streams',
      keys: ['batch-0', 'batch-1'],
      refresher: async (key) => {
        if (key === 'batch-1') throw new UpstreamError({ outcome: 'server_error', status: 502, message: UPSTREAM_ERROR });
        return [sample({ key }, 1, family)];
      },
    });
    ({ exporter } = fakeExporter([rooms, streams]));
    const [{ port }] = (await exporter.listen(['127.0.0.1:0'])) as [AddressInfo];
    proxy = await startPathPrefixProxy(PREFIX, port);
    base = `http://127.0.0.1:${proxy.port}${PREFIX}`;
    // A scrape through the proxy waits for the first refreshes; readiness follows the first listing.
    assert.equal((await fetch(`${base}metrics`)).status, 200);
    await until(async () => (await fetch(`${base}-/ready`)).status === 200);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await exporter?.shutdown();
  });

  it('renders, and every link stays under the prefix and answers 200 through the proxy', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const response = await page.goto(base);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'rtc-cdn-exporter');
    const screenshot = join(mkdtempSync(join(tmpdir(), 'rtc-cdn-exporter-landing-')), 'landing-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`landing page screenshot: ${screenshot}`);

    // As the browser resolved them against the page's URL.
    const hrefs = await page.locator('a').evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    assert.deepEqual(
      hrefs,
      ['metrics', '-/healthy', '-/ready', 'config'].map((p) => `${base}${p}`),
    );
    for (const href of hrefs) {
      const answer = await page.goto(href);
      assert.equal(answer?.status(), 200, href);
      assert.ok(page.url().startsWith(base), `${href} led to ${page.url()}`);
    }
    // Nothing the page asked for left the prefix (chromium's own favicon probe aside).
    assert.deepEqual(
      proxy.outside.filter((p) => p !== '/favicon.ico'),
      [],
    );
    await page.close();
  });

  it("shows the failing key's error on screen, and the source as down", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(base);
    // The page escapes the vendor's HTML: it is shown as text, not rendered.
    assert.ok(await page.getByText(UPSTREAM_ERROR, { exact: true }).isVisible(), 'the error message is visible');
    assert.ok(await page.getByRole('cell', { name: 'batch-1', exact: true }).isVisible(), 'the failing key is visible');
    const streamsRow = page.getByRole('row').filter({ hasText: 'streams' }).first();
    assert.equal(await streamsRow.getByRole('cell').nth(1).textContent(), 'down');
    const roomsRow = page.getByRole('row').filter({ hasText: 'rooms' }).first();
    assert.equal(await roomsRow.getByRole('cell').nth(1).textContent(), 'up');
    await page.close();
  });
});

/** Retries `check` a bounded number of times, a few milliseconds apart (real servers, real time). */
async function until(check: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('condition never held');
}
