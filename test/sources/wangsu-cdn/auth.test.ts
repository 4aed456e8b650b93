import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { Budget } from '../../../src/upstream/budget.js';
import { ManualClock, flushMicrotasks } from '../../../src/sim/manual-clock.js';
import {
  akskCanonicalRequest,
  akskSignature,
  akskStringToSign,
  apiKeyPassword,
  httpDate,
  signAkSk,
  signApiKey,
  UniqueSecondGate,
} from '../../../src/sources/wangsu-cdn/auth.js';
import { DETAIL_PATH } from '../../../src/sources/wangsu-cdn/client.js';
import { ACCESS_KEY, akskAuth, apiKeyAuth, API_KEY, API_USER, buildSource, SECRET_KEY, startSim } from '../../../src/sources/wangsu-cdn/sim/drive.js';
import { settle } from '../../../src/sim/drive.js';

// Vectors from the vendor's Python and Go SDKs (/work/wangsu-aksk-vectors.md), verbatim.
const SDK = { ak: 'ak-example', sk: 'sk-example', ts: '1700000000', host: 'open.chinanetcenter.com' };
const BODY_A = '{"startTime":"2023-11-14T00:00:00+08:00","endTime":"2023-11-14T01:00:00+08:00","domains":["live.example.com"]}';
const VECTORS = [
  {
    name: '(a) POST with a JSON body',
    method: 'POST',
    uri: '/api/report/flow-bandwidth/stream/detail',
    contentType: 'application/json',
    body: BODY_A,
    canonical:
      'POST\n/api/report/flow-bandwidth/stream/detail\n\ncontent-type:application/json\nhost:open.chinanetcenter.com\n\ncontent-type;host\nd1dfaee48aec52e319bd266ea6949039a092bd8a0ecd5b49ff4757fde65d0e42',
    stringToSign: 'CNC-HMAC-SHA256\n1700000000\n5ef69ad739f963c219f498d3dee3568a16cea5ea997e0ab9f07cd2f6afcd9360',
    signature: '778f53340066713490ffd25b921a3a2b40e75246fc155bfb3e2a843eae7040ef',
  },
  {
    name: '(b) GET with a query string',
    method: 'GET',
    uri: '/api/domain?x=1&y=a%20b',
    contentType: 'application/json',
    body: '',
    canonical:
      'GET\n/api/domain\nx=1&y=a b\ncontent-type:application/json\nhost:open.chinanetcenter.com\n\ncontent-type;host\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    stringToSign: 'CNC-HMAC-SHA256\n1700000000\neff2251e7a578eec204bb67f250b15ea4623c3b4ae549bab48dde14f95e26d87',
    signature: '14d5e9db084abb2ec1c9302542e9d111c446fff36936181d97d15a72e5d59ed4',
  },
  {
    name: '(c) POST with an empty body',
    method: 'POST',
    uri: '/api/report/flow-bandwidth/stream/detail',
    contentType: 'application/json',
    body: '',
    canonical:
      'POST\n/api/report/flow-bandwidth/stream/detail\n\ncontent-type:application/json\nhost:open.chinanetcenter.com\n\ncontent-type;host\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    stringToSign: 'CNC-HMAC-SHA256\n1700000000\ndc4870b9b2b71dc00b78fc17ac545aa77a9ee400147e7f230652de89ecdb0c1f',
    signature: 'fc40c2c0f1be63cb6aabd915a7e5056176b720e256f84756677d077435963af2',
  },
  {
    name: '(f) Content-Type with a charset',
    method: 'POST',
    uri: '/api/report/flow-bandwidth/stream/detail',
    contentType: 'application/json; charset=UTF-8',
    body: BODY_A,
    canonical:
      'POST\n/api/report/flow-bandwidth/stream/detail\n\ncontent-type:application/json; charset=utf-8\nhost:open.chinanetcenter.com\n\ncontent-type;host\nd1dfaee48aec52e319bd266ea6949039a092bd8a0ecd5b49ff4757fde65d0e42',
    stringToSign: 'CNC-HMAC-SHA256\n1700000000\n5d21d2c5da4f68f6c140e7282d5dd80e3c2d58b18aad03fbce6c21d4d36166b5',
    signature: 'aed7efb201ceffb6b4d009d5a332f28eb60aa44e4c6eccd756fda3ff8ef6a023',
  },
];

describe('wangsu auth: API-key scheme', () => {
  it('matches the published vector', () => {
    const date = 'Thu, 17 May 2012 19:37:58 GMT';
    assert.equal(apiKeyPassword('apikey-example', date), 'omD5YTwCiVfHVBV3Q6Cwj/bQr9E=');
    assert.deepEqual(signApiKey({ username: 'user-example', apiKey: 'apikey-example' }, date), {
      date,
      authorization: 'Basic dXNlci1leGFtcGxlOm9tRDVZVHdDaVZmSFZCVjNRNkN3ai9iUXI5RT0=',
    });
    // The Date the signer sends is the seed's `date -u "+%a, %d %b %Y %H:%M:%S GMT"`.
    assert.equal(httpDate(Date.UTC(2012, 4, 17, 19, 37, 58)), date);
  });
});

describe('wangsu auth: AK/SK (CNC-HMAC-SHA256) against the vendor SDK vectors', () => {
  for (const v of VECTORS) {
    it(v.name, () => {
      const headers = { 'content-type': v.contentType, host: SDK.host };
      const req = { method: v.method, uri: v.uri, headers, body: v.body };
      assert.equal(akskCanonicalRequest(req), v.canonical);
      assert.equal(akskStringToSign(v.canonical, SDK.ts), v.stringToSign);
      assert.equal(akskSignature(SDK.sk, v.stringToSign), v.signature);
      assert.deepEqual(signAkSk({ accessKey: SDK.ak, secretKey: SDK.sk }, req, SDK.ts), {
        'x-cnc-accesskey': 'ak-example',
        'x-cnc-timestamp': '1700000000',
        'x-cnc-auth-method': 'AKSK',
        authorization: `CNC-HMAC-SHA256 Credential=ak-example, SignedHeaders=content-type;host, Signature=${v.signature}`,
      });
    });
  }

  it('(d) leaves a POST query string out of the signature', () => {
    const headers = { 'content-type': 'application/json', host: SDK.host };
    const req = { method: 'POST', uri: '/api/report/flow-bandwidth/stream/detail?x=1&y=a%20b', headers, body: BODY_A };
    assert.equal(akskSignature(SDK.sk, akskStringToSign(akskCanonicalRequest(req), SDK.ts)), VECTORS[0]!.signature);
  });
});

describe('wangsu auth: one AK/SK timestamp per second', () => {
  it("spaces an account's requests into distinct seconds and never issues a second twice", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 400));
    const gate = new UniqueSecondGate();
    const budget = new Budget(clock, [gate]);
    const stamps: { ts: string; at: number }[] = [];
    const runs = Array.from({ length: 5 }, () => budget.run(async () => void stamps.push({ ts: gate.nextTimestamp(clock.now()), at: clock.now() })));
    await flushMicrotasks();
    assert.equal(stamps.length, 1, 'a second request went out in the same second');
    await clock.advance(5_000);
    await Promise.all(runs);
    assert.deepEqual(
      stamps.map((s) => s.ts),
      ['1767225600', '1767225601', '1767225602', '1767225603', '1767225604'],
    );
    // A clock reading that falls back into a used second still gets a fresh timestamp.
    assert.equal(gate.nextTimestamp(Date.UTC(2026, 0, 1, 0, 0, 1)), '1767225605');
  });

  it('lets the simulator accept every request of a busy AK/SK source (no replayed timestamp)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
    const sim = await startSim({
      clock,
      model: {
        seed: 1,
        domains: [
          { domain: 'a.example', streams: ['live/s1'] },
          { domain: 'b.example', streams: ['live/s2'] },
        ],
      },
    });
    const src = buildSource({ endpoint: sim.url, auth: akskAuth, domains: [{ domain: 'a.example' }, { domain: 'b.example', keyword: '^live/' }] }, clock);
    try {
      const { scheduler } = src;
      await settle(clock, Promise.all(scheduler.runners.map((r) => r.kick())));
      const detail = sim.sim.requests.filter((r) => r.path === DETAIL_PATH);
      assert.equal(detail.length, 4, 'two batches × two data types');
      assert.deepEqual(
        detail.map((r) => r.status),
        [200, 200, 200, 200],
      );
    } finally {
      await src.close();
      await sim.close();
    }
  });
});

describe('wangsu simulator: auth checks', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
  const body = JSON.stringify({ dataType: 'flow', dataInterval: '1m', domainStream: [{ domain: 'a.example' }] });

  async function send(url: string, headers: Record<string, string>, sentBody = body) {
    const res = await request(`${url}${DETAIL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: sentBody });
    return { status: res.statusCode, body: (await res.body.json()) as { code: string } };
  }
  const akskHeaders = (url: string, ts: string, secret = SECRET_KEY, signedBody = body) =>
    signAkSk(
      { accessKey: ACCESS_KEY, secretKey: secret },
      { method: 'POST', uri: DETAIL_PATH, headers: { 'content-type': 'application/json', host: new URL(url).host }, body: signedBody },
      ts,
    );

  it('accepts both schemes and rejects tampered, skewed and replayed requests', async () => {
    const sim = await startSim({ clock, model: { seed: 1, domains: [{ domain: 'a.example', streams: ['live/s1'] }] } });
    try {
      const now = String(clock.now() / 1000);
      const date = httpDate(clock.now());
      assert.equal((await send(sim.url, signApiKey({ username: API_USER, apiKey: API_KEY }, date))).status, 200);
      assert.equal((await send(sim.url, signApiKey({ username: API_USER, apiKey: 'wrong' }, date))).body.code, 'InvalidSignature');
      const skewedDate = httpDate(clock.now() - 6 * 60_000);
      assert.equal((await send(sim.url, signApiKey({ username: API_USER, apiKey: API_KEY }, skewedDate))).body.code, 'RequestTimeTooSkewed');

      assert.equal((await send(sim.url, akskHeaders(sim.url, now))).status, 200);
      const replay = await send(sim.url, akskHeaders(sim.url, now));
      assert.deepEqual([replay.status, replay.body.code], [401, 'TimestampReplayed']);
      const next = String(Number(now) + 1);
      const tampered = await send(sim.url, akskHeaders(sim.url, next), body.replace('flow', 'bandwidth'));
      assert.deepEqual([tampered.status, tampered.body.code], [401, 'SignatureDoesNotMatch']);
      assert.equal((await send(sim.url, akskHeaders(sim.url, String(Number(now) + 2), 'wrong-secret'))).body.code, 'SignatureDoesNotMatch');
      assert.equal((await send(sim.url, akskHeaders(sim.url, String(Number(now) - 301)))).body.code, 'RequestTimeTooSkewed');
      assert.equal((await send(sim.url, akskHeaders(sim.url, String(Number(now) + 3)))).status, 200);
    } finally {
      await sim.close();
    }
  });

  it('makes a source with bad credentials fail as auth_error without leaking the secret', async () => {
    const sim = await startSim({ clock, model: { seed: 1, domains: [{ domain: 'a.example', streams: ['live/s1'] }] } });
    const src = buildSource({ endpoint: sim.url, auth: { ...apiKeyAuth, api_key: 'not-the-key-123' }, domains: [{ domain: 'a.example' }] }, clock);
    try {
      const [key] = await src.source.listKeys({ signal: new AbortController().signal, priority: 0 });
      const err = await settle(clock, src.source.refresh(key!, { signal: new AbortController().signal, priority: 0 })).catch((e: unknown) => e);
      assert.equal((err as { outcome: string }).outcome, 'auth_error');
      assert.match((err as Error).message, /^Wangsu error InvalidSignature \(HTTP 401\): .* — the credentials were refused/);
      assert.doesNotMatch(JSON.stringify({ ...(err as object), m: (err as Error).message }), /not-the-key-123/);
    } finally {
      await src.close();
      await sim.close();
    }
  });
});
