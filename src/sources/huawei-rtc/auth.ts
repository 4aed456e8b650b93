// Huawei Cloud API Gateway request signing (SDK-HMAC-SHA256), as a pure
// function of the request, the credentials and the date.
import { createHash, createHmac } from 'node:crypto';

const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

export interface SignableRequest {
  method: string;
  url: URL;
  /** Headers to sign (and send); names any case. */
  headers: Record<string, string>;
  body?: string;
}

/** `20191115T033655Z`: the X-Sdk-Date format. */
export function sdkDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Percent-encoding of the gateway: unreserved A-Za-z0-9-_.~ kept, everything else %XX upper-case. */
export function gatewayEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalUri(pathname: string): string {
  // Segments arrive percent-encoded in a URL; decode, then encode the gateway's way.
  const encoded = pathname
    .split('/')
    .map((seg) => gatewayEncode(decodeURIComponent(seg)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function canonicalQuery(params: URLSearchParams): string {
  const pairs = [...params].map(([k, v]) => [gatewayEncode(k), gatewayEncode(v)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

const sha256hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The canonical request and the list of signed headers, for signing and for verifying. */
export function canonicalRequest(req: SignableRequest, signedHeaderNames?: string[]): { text: string; signedHeaders: string } {
  const lower = new Map(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const names = (signedHeaderNames ?? [...lower.keys()]).map((n) => n.toLowerCase()).sort();
  const headerBlock = names.map((n) => `${n}:${lower.get(n) ?? ''}\n`).join('');
  const signedHeaders = names.join(';');
  const text = [
    req.method.toUpperCase(),
    canonicalUri(req.url.pathname),
    canonicalQuery(req.url.searchParams),
    headerBlock,
    signedHeaders,
    sha256hex(req.body ?? ''),
  ].join('\n');
  return { text, signedHeaders };
}

export function signature(secretKey: string, date: string, canonical: string): string {
  const stringToSign = `${SIGNING_ALGORITHM}\n${date}\n${sha256hex(canonical)}`;
  return createHmac('sha256', secretKey).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Returns the request's headers plus X-Sdk-Date and Authorization. Every
 * header passed in is signed, X-Sdk-Date included.
 */
export function signRequest(req: SignableRequest, accessKey: string, secretKey: string, nowMs: number): Record<string, string> {
  const date = sdkDate(nowMs);
  const headers = { ...req.headers, 'X-Sdk-Date': date };
  const { text, signedHeaders } = canonicalRequest({ ...req, headers });
  const sig = signature(secretKey, date, text);
  return { ...headers, Authorization: `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders}, Signature=${sig}` };
}

/** Parses `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`; undefined when malformed. */
export function parseAuthorization(header: string | undefined): { access: string; signedHeaders: string[]; signature: string } | undefined {
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(header ?? '');
  return m ? { access: m[1]!, signedHeaders: m[2]!.split(';'), signature: m[3]! } : undefined;
}
