// Wangsu's two request signers, as pure functions of their inputs (the date or
// timestamp is passed in), plus the per-second gate that AK/SK signing needs.
import { createHash, createHmac } from 'node:crypto';
import type { Gate } from '../../upstream/budget.js';

export const AKSK_ALGORITHM = 'CNC-HMAC-SHA256';
/** The SDKs' default signed headers. */
const AKSK_SIGNED_HEADERS = ['content-type', 'host'] as const;

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** RFC 1123 date as the seed's `date -u "+%a, %d %b %Y %H:%M:%S GMT"` prints it. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** The API-key password: base64(HMAC-SHA1(apiKey, date string)). */
export function apiKeyPassword(apiKey: string, date: string): string {
  return createHmac('sha1', apiKey).update(date, 'utf8').digest('base64');
}

/** Headers for the API-key scheme: `Date` and `Authorization: Basic …`. */
export function signApiKey(creds: { username: string; apiKey: string }, date: string): Record<string, string> {
  const password = apiKeyPassword(creds.apiKey, date);
  return { date, authorization: `Basic ${Buffer.from(`${creds.username}:${password}`, 'utf8').toString('base64')}` };
}

export interface AkSkRequest {
  method: string;
  /** The URI as sent: path plus optional `?query`, not decoded. */
  uri: string;
  /** Header values by lowercase name; those in SignedHeaders must be present. */
  headers: Readonly<Record<string, string>>;
  /** The exact body string sent (empty for none). */
  body: string;
}

/** The canonical request, byte for byte as the vendor's Python and Go SDKs build it. */
export function akskCanonicalRequest(req: AkSkRequest, signedHeaders: readonly string[] = AKSK_SIGNED_HEADERS): string {
  const q = req.uri.indexOf('?');
  const path = q < 0 ? req.uri : req.uri.slice(0, q);
  // POST never signs its query; other methods sign it percent-decoded, unsorted (no literal '+' allowed).
  const query = req.method === 'POST' || q < 0 ? '' : decodeURIComponent(req.uri.slice(q + 1));
  const names = [...signedHeaders].map((h) => h.toLowerCase()).sort();
  let headers = '';
  for (const name of names) headers += `${name}:${(req.headers[name] ?? '').toLowerCase()}\n`;
  const bodyHash = sha256Hex(req.method === 'GET' ? '' : req.body);
  return `${req.method}\n${path}\n${query}\n${headers}\n${names.join(';')}\n${bodyHash}`;
}

export function akskStringToSign(canonicalRequest: string, timestamp: string): string {
  return `${AKSK_ALGORITHM}\n${timestamp}\n${sha256Hex(canonicalRequest)}`;
}

export function akskSignature(secretKey: string, stringToSign: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(stringToSign, 'utf8').digest('hex');
}

/** Headers for the AK/SK scheme; `timestamp` is unix seconds as a decimal string. */
export function signAkSk(creds: { accessKey: string; secretKey: string }, req: AkSkRequest, timestamp: string): Record<string, string> {
  const names = [...AKSK_SIGNED_HEADERS];
  const signature = akskSignature(creds.secretKey, akskStringToSign(akskCanonicalRequest(req, names), timestamp));
  return {
    'x-cnc-accesskey': creds.accessKey,
    'x-cnc-timestamp': timestamp,
    'x-cnc-auth-method': 'AKSK',
    authorization: `${AKSK_ALGORITHM} Credential=${creds.accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/**
 * Wangsu rejects a second request signed with the same AK/SK timestamp, so an
 * account's requests are spaced into distinct seconds: the gate opens once per
 * clock second, and `nextTimestamp` never hands out a second twice even if the
 * clock reading crosses a second between the grant and the signing.
 */
export class UniqueSecondGate implements Gate {
  private lastGrantedSecond = -Infinity;
  private lastIssued = -Infinity;

  waitMs(now: number): number {
    const second = Math.floor(now / 1000);
    return second > this.lastGrantedSecond ? 0 : (this.lastGrantedSecond + 1) * 1000 - now;
  }
  take(now: number): void {
    this.lastGrantedSecond = Math.floor(now / 1000);
  }
  release(): void {}
  onRelease(): void {}

  /** A unix-seconds timestamp not issued before, at or just after `now`. */
  nextTimestamp(now: number): string {
    this.lastIssued = Math.max(this.lastIssued + 1, Math.floor(now / 1000));
    return String(this.lastIssued);
  }
}
