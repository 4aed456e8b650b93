import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalRequest, gatewayEncode, parseAuthorization, sdkDate, signRequest } from '../../../src/sources/huawei-rtc/auth.js';

// Published vectors of the Huawei Cloud API Gateway signer (../shared/API-NOTES.md §1).
describe('huawei SDK-HMAC-SHA256 signer', () => {
  it('matches the published VPC vector: canonical-request hash and signature', () => {
    const req = {
      method: 'GET',
      url: new URL('https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0'),
      headers: { 'content-type': 'application/json', host: 'service.region.example.com' },
    };
    const when = Date.UTC(2019, 10, 15, 3, 36, 55);
    assert.equal(sdkDate(when), '20191115T033655Z');
    const { text, signedHeaders } = canonicalRequest({ ...req, headers: { ...req.headers, 'X-Sdk-Date': '20191115T033655Z' } });
    assert.equal(signedHeaders, 'content-type;host;x-sdk-date');
    assert.equal(createHash('sha256').update(text).digest('hex'), 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a');
    const signed = signRequest(req, 'QTWAOYTTINDUT2QVKYUC', 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc', when);
    assert.equal(
      signed.Authorization,
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
    assert.equal(signed['X-Sdk-Date'], '20191115T033655Z');
  });

  it('matches the published GET and POST vectors with only x-sdk-date signed', () => {
    const when = Date.UTC(2006, 0, 2, 15, 4, 5);
    const get = signRequest({ method: 'GET', url: new URL('http://h/path?limit=1'), headers: {} }, 'AccessKey', 'SecretKey', when);
    assert.equal(parseAuthorization(get.Authorization)?.signature, '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
    const post = signRequest(
      { method: 'POST', url: new URL('http://h/path?key=value'), headers: {}, body: '{"Name":"test","Id":1}\n' },
      'AccessKey',
      'SecretKey',
      when,
    );
    assert.equal(parseAuthorization(post.Authorization)?.signature, 'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
  });

  it('encodes the canonical URI and query the gateway way', () => {
    assert.equal(gatewayEncode("a b!*'()~._-"), 'a%20b%21%2A%27%28%29~._-');
    const { text } = canonicalRequest({ method: 'get', url: new URL('http://h/v1/p/rtc?mid=b&mid=a&z=&a=x%20y'), headers: {} });
    const [method, uri, query] = text.split('\n');
    assert.equal(method, 'GET');
    assert.equal(uri, '/v1/p/rtc/');
    assert.equal(query, 'a=x%20y&mid=a&mid=b&z=');
  });
});
