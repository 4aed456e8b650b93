import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../../../src/sim/manual-clock.js';
import { UpstreamError } from '../../../src/upstream/api.js';
import type { KeyData } from '../../../src/source.js';
import { httpDate, signApiKey } from '../../../src/sources/wangsu-cdn/auth.js';
import { DETAIL_PATH, STREAM_LIST_PATH } from '../../../src/sources/wangsu-cdn/client.js';
import { THROTTLE_CODE, WANGSU_ERRORS } from '../../../src/sources/wangsu-cdn/errors.js';
import { classify } from '../../../src/upstream/classify.js';
import { formatRequestDate } from '../../../src/sources/wangsu-cdn/time.js';
import { API_KEY, API_USER, apiKeyAuth, buildSource, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';
import { settle } from '../../../src/sim/drive.js';

const ERROR_CODES = WANGSU_ERRORS.codes;
const classifyWangsu = (res: Parameters<typeof classify>[0]) => classify(res, WANGSU_ERRORS);
const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
const at = (minutesAgo: number) => formatRequestDate(clock.now() - minutesAgo * 60_000, 480);
const big = { domain: 'big.example', streams: Array.from({ length: 2001 }, (_, i) => `live/s${i}`) };
const ok = { dateFrom: at(20), dateTo: at(15), dataType: 'flow', dataInterval: '1m', domainStream: [{ domain: 'a.example' }] };

let sim: Awaited<ReturnType<typeof startSim>>;
before(async () => {
  sim = await startSim({ clock, model: { seed: 3, domains: [{ domain: 'a.example', streams: ['live/s1', 'live/s2'] }, big] } });
});
after(() => sim.close());

/** Sends a signed request with the given body and headers; returns status, code and the raw answer. */
async function send(body: unknown, headers: Record<string, string> = {}, path = DETAIL_PATH) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await request(`${sim.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...signApiKey({ username: API_USER, apiKey: API_KEY }, httpDate(clock.now())),
      ...headers,
    },
    body: text,
  });
  const raw = await res.body.text();
  const resHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') resHeaders[k] = v;
  const response = { status: res.statusCode, headers: resHeaders, body: raw, requestId: resHeaders['x-cnc-request-id'] };
  const code = /^\s*\{/.test(raw) ? (JSON.parse(raw) as { code?: string }).code : undefined;
  return { status: res.statusCode, code, message: code ? (JSON.parse(raw) as { message: string }).message : raw, response };
}

// Every row of the seed's error table, provoked through the simulator.
const CASES: { name: string; body: unknown; headers?: Record<string, string>; code: string; status: number; message: RegExp }[] = [
  { name: 'Accept not JSON/XML', body: ok, headers: { accept: 'text/csv' }, code: '24102013', status: 400, message: /accept header/ },
  { name: 'no body', body: '', code: '24102014', status: 400, message: /requires a body/ },
  { name: 'bad X-Time-Zone', body: ok, headers: { 'x-time-zone': 'Asia/Shanghai' }, code: '24102020', status: 400, message: /accept header/ },
  { name: 'body not JSON', body: '{"dataType": flow', code: '24102002', status: 400, message: /error in the body/ },
  { name: 'dateFrom malformed', body: { ...ok, dateFrom: '2026-11-22 11:40' }, code: '24102006', status: 400, message: /date specified is invalid/ },
  { name: 'dateFrom after dateTo', body: { ...ok, dateFrom: at(10), dateTo: at(12) }, code: '24102006', status: 400, message: /invalid/ },
  { name: 'dateFrom in the future', body: { ...ok, dateFrom: at(-5), dateTo: at(-8) }, code: '24102006', status: 400, message: /invalid/ },
  { name: 'older than half a year', body: { ...ok, dateFrom: at(190 * 1440), dateTo: at(190 * 1440 - 5) }, code: '24102006', status: 400, message: /invalid/ },
  { name: 'more than 10 minutes', body: { ...ok, dateFrom: at(30), dateTo: at(15) }, code: '24102007', status: 400, message: /greater than 10 minute/ },
  {
    name: 'more than 20 groups',
    body: { ...ok, domainStream: Array.from({ length: 21 }, (_, i) => ({ domain: `d${i}.example` })) },
    code: '24102019',
    status: 400,
    message: /number of domain\(21\) exceeds the limit \(20\)/,
  },
  { name: 'dataType', body: { ...ok, dataType: 'traffic' }, code: '24102008', status: 400, message: /param: dataType/ },
  { name: 'domainStream', body: { ...ok, domainStream: [] }, code: '24102008', status: 400, message: /param: domainStream/ },
  { name: 'stream', body: { ...ok, domainStream: [{ domain: 'a.example', stream: 'live/s1' }] }, code: '24102008', status: 400, message: /param: stream/ },
  { name: 'domain', body: { ...ok, domainStream: [{ stream: ['live/s1'] }] }, code: '24102008', status: 400, message: /param: domain / },
  { name: 'dataInterval', body: { ...ok, dataInterval: '10m' }, code: '24102008', status: 400, message: /param: dataInterval/ },
  { name: 'filterEmptyStream', body: { ...ok, filterEmptyStream: 2 }, code: '24102008', status: 400, message: /param: filterEmptyStream/ },
  { name: 'more than 2000 streams listed', body: { ...ok, domainStream: [big] }, code: '24102010', status: 400, message: /number of stream is excessive/ },
  {
    name: 'all streams of a domain over 2000',
    body: { ...ok, domainStream: [{ domain: 'big.example' }] },
    code: '24102010',
    status: 400,
    message: /excessive/,
  },
  {
    name: 'one domain split into groups over 2000 in total',
    body: {
      ...ok,
      domainStream: [
        { domain: 'big.example', stream: big.streams.slice(0, 1500) },
        { domain: 'big.example', stream: big.streams.slice(1500) },
      ],
    },
    code: '24102010',
    status: 400,
    message: /excessive/,
  },
];

describe('wangsu simulator: every error of the seed', () => {
  for (const c of CASES) {
    it(`${c.code} ${c.name}`, async () => {
      const r = await send(c.body, c.headers);
      assert.equal(r.status, c.status);
      assert.equal(r.code, c.code);
      assert.match(r.message, c.message);
      assert.ok(r.response.requestId?.startsWith('sim-'), 'x-cnc-request-id missing');
      // …and the exporter turns it into a clear, classified error.
      const err = classifyWangsu(r.response);
      assert.ok(err);
      assert.equal(err.outcome, ERROR_CODES[c.code]!.outcome);
      assert.equal(err.code, c.code);
      assert.equal(err.requestId, r.response.requestId);
      assert.ok(err.message.includes(ERROR_CODES[c.code]!.meaning), err.message);
    });
  }

  it('24102500 internal error is a server_error', async () => {
    sim.sim.injectFault('server_error');
    const r = await send(ok);
    assert.deepEqual([r.status, r.code], [500, '24102500']);
    const err = classifyWangsu(r.response)!;
    assert.equal(err.outcome, 'server_error');
    assert.match(err.message, /Wangsu error 24102500 \(HTTP 500\): We encountered an internal error.*retried with back-off/);
  });

  it('covers every code of the table', () => {
    const provoked = new Set([...CASES.map((c) => c.code), '24102500', THROTTLE_CODE]);
    assert.deepEqual([...provoked].sort(), Object.keys(ERROR_CODES).sort());
  });

  it('accepts a valid request and answers XML when asked for XML', async () => {
    assert.equal((await send(ok)).status, 200);
    const xml = await send(ok, { accept: 'application/xml' });
    assert.equal(xml.status, 200);
    assert.match(xml.message, /^<\?xml/);
    const err = classifyWangsu(xml.response)!;
    assert.equal(err.outcome, 'invalid_response');
    assert.match(err.message, /Wangsu answered HTTP 200 with XML, not JSON; ignored/);
  });

  it('limits streamList to 3 days and needs a domain', async () => {
    assert.equal((await send({ dateFrom: at(5 * 1440), dateTo: at(10), domain: 'a.example' }, {}, STREAM_LIST_PATH)).code, '24102007');
    assert.equal((await send({ dateFrom: at(60), dateTo: at(0), domain: '' }, {}, STREAM_LIST_PATH)).code, '24102008');
    const listed = await send({ dateFrom: at(60), dateTo: at(0), domain: 'a.example' }, {}, STREAM_LIST_PATH);
    assert.deepEqual(JSON.parse(listed.response.body).result[0].domain, 'a.example');
  });
});

describe('wangsu client: answers that are not data', () => {
  async function refreshOnce(fault: Parameters<typeof sim.sim.injectFault>[0], onSource?: (src: ReturnType<typeof buildSource>) => Promise<void>) {
    const src = buildSource({ endpoint: sim.url, auth: apiKeyAuth, domains: [{ domain: 'a.example' }], data_types: ['flow'] }, clock, { random: () => 0 });
    try {
      const [key] = await src.source.listKeys({ signal: new AbortController().signal, priority: 0 });
      sim.sim.injectFault(fault);
      const result = (await settle(clock, src.source.refresh(key!, { signal: new AbortController().signal, priority: 0 })).catch(
        (e: unknown) => e,
      )) as UpstreamError;
      await onSource?.(src);
      return result;
    } finally {
      await src.close();
    }
  }

  it('drops and counts slices that cannot be right, uses the rest; none usable fails the refresh', async () => {
    const slice = (minutesAgo: number, value: unknown) => ({ timestamp: at(minutesAgo).replace('T', ' ').slice(0, 16), value });
    const answer = (list: unknown[]) => ({
      code: '0',
      message: 'success',
      data: [{ domain: 'a.example', domainOfStreamList: [{ stream: 'live/s1', detailList: list }] }],
    });
    const dropped = async (src: ReturnType<typeof buildSource>, reason: string) =>
      (await src.metrics.pointsDropped.get()).values.find((v) => v.labels.reason === reason && v.labels.api === 'stream_detail')?.value ?? 0;
    let counts: number[] = [];
    const partial = await refreshOnce(
      { answer: answer([slice(16, '1.50'), slice(17, '-3.00'), slice(18, 'NaN'), slice(19, null), { timestamp: 'yesterday', value: '1.00' }]) },
      async (src) => {
        counts = [await dropped(src, 'bad_value'), await dropped(src, 'bad_time')];
      },
    );
    assert.ok(!(partial instanceof Error) && (partial as unknown as KeyData).series.series > 0, `a partly bad answer still refreshes: ${String(partial)}`);
    assert.deepEqual(counts, [3, 1]);
    const none = await refreshOnce({ answer: answer([{ timestamp: 'yesterday', value: '1.00' }]) });
    assert.equal(none.outcome, 'invalid_response');
    assert.match(none.message, /no usable slice in the answer \(dropped: 1 bad_time\)/);
  });

  it('reports an HTML page from a proxy clearly and never parses it', async () => {
    const err = await refreshOnce('html');
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.outcome, 'server_error');
    assert.match(err.message, /Wangsu answered HTTP 502 with an HTML page \(a proxy or gateway\?\), not JSON; ignored/);
    assert.match(err.requestId ?? '', /^sim-/);
  });

  it('rejects a success body of the wrong shape as invalid_response', async () => {
    const err = await refreshOnce('malformed');
    assert.equal(err.outcome, 'invalid_response');
    assert.match(err.message, /unexpected response body/);
  });

  it('treats HTTP 446 WPLUS_AccountApiTooFrequence as throttling with a 30–60 s pause', async () => {
    const err = await refreshOnce('throttle');
    assert.equal(err.outcome, 'throttled');
    assert.equal(err.code, THROTTLE_CODE);
    assert.equal(err.status, 446);
    assert.equal(err.retryAfterMs, 30_000, 'random() pinned to 0 gives the minimum pause');
    const r429 = classifyWangsu({ status: 429, headers: {}, body: '{"code":"WPLUS_AccountApiTooFrequence"}', requestId: 'x' })!;
    assert.equal(r429.outcome, 'throttled');
  });
});
