import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UpstreamResponse } from '../../src/upstream/api.js';
import { classify, clip, type VendorErrors } from '../../src/upstream/classify.js';

const VENDOR: VendorErrors = {
  vendor: 'Acme',
  requestIdHeader: 'x-id',
  read: (b) => ({ code: typeof b.code === 'string' ? b.code : undefined, message: typeof b.msg === 'string' ? b.msg : undefined }),
  successCodes: ['ok'],
  throttleStatuses: [446],
  authStatuses: [462],
  codes: {
    slow: { outcome: 'throttled', meaning: 'over budget' },
    key: { outcome: 'auth_error', meaning: 'check the key' },
    'E5*': { outcome: 'server_error', meaning: 'their side' },
    bad: { outcome: 'client_error', meaning: 'fix the request' },
  },
};

const res = (status: number, body: string, type = 'application/json'): Omit<UpstreamResponse, 'bytes'> => ({
  status,
  headers: { 'content-type': type },
  body,
  requestId: 'rid',
});
const outcome = (r: Omit<UpstreamResponse, 'bytes'>) => classify(r, VENDOR)?.outcome ?? 'success';

describe('response classifier', () => {
  it('walks the status ladder, with the vendor statuses and code table on top', () => {
    assert.equal(outcome(res(200, '{}')), 'success');
    assert.equal(outcome(res(200, '{"code":"ok"}')), 'success');
    assert.equal(outcome(res(200, '{"code":"bad"}')), 'client_error', 'an error code in a 200 answer');
    assert.equal(outcome(res(429, '{}')), 'throttled');
    assert.equal(outcome(res(446, '{}')), 'throttled');
    assert.equal(outcome(res(400, '{"code":"slow"}')), 'throttled');
    assert.equal(outcome(res(401, '{}')), 'auth_error');
    assert.equal(outcome(res(462, '{}')), 'auth_error');
    assert.equal(outcome(res(400, '{"code":"key"}')), 'auth_error');
    assert.equal(outcome(res(400, '{"code":"E5123"}')), 'server_error', 'a code matched by prefix');
    assert.equal(outcome(res(503, '{}')), 'server_error');
    assert.equal(outcome(res(404, '{"code":"unknown"}')), 'client_error');
  });

  it('says what a body that is not JSON is, and never trusts it', () => {
    const html = classify(res(502, '<html><body>Bad Gateway</body></html>', 'text/html'), VENDOR)!;
    assert.deepEqual(
      [html.outcome, html.message, html.requestId],
      ['server_error', 'Acme answered HTTP 502 with an HTML page (a proxy or gateway?), not JSON; ignored', 'rid'],
    );
    assert.equal(classify(res(200, '<?xml version="1.0"?><r/>', 'application/xml'), VENDOR)!.message, 'Acme answered HTTP 200 with XML, not JSON; ignored');
    const truncated = classify(res(200, '{"data": [1,'), VENDOR)!;
    assert.equal(truncated.outcome, 'invalid_response');
    assert.match(truncated.message, /^Acme answered HTTP 200 with an unexpected response body: malformed JSON/);
    assert.equal(classify(res(446, 'busy', 'text/plain'), VENDOR)!.outcome, 'throttled');
  });

  it('writes one clipped line with the code, the vendor message and the meaning', () => {
    const err = classify(res(400, JSON.stringify({ code: 'bad', msg: `line one\n  line two ${'x'.repeat(300)}` })), VENDOR)!;
    assert.equal(err.code, 'bad');
    assert.match(err.message, /^Acme error bad \(HTTP 400\): line one line two x+… — fix the request$/);
    assert.ok(err.message.length < 300);
    assert.equal(clip('a\n\tb'), 'a b');
  });
});
