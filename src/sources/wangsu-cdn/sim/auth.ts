// How the simulator checks credentials, as strictly as Wangsu's gateway:
// the API-key scheme (Date within the allowed skew, HMAC-SHA1 password over
// that exact string) and AK/SK (CNC-HMAC-SHA256 over the received request,
// timestamp within the skew, never the same timestamp twice per access key).
// Wangsu's status and codes for auth failures are not published [I]: 401 with
// a descriptive code, which the exporter classifies by status.
import { timingSafeEqual } from 'node:crypto';
import { akskCanonicalRequest, akskSignature, akskStringToSign, apiKeyPassword, AKSK_ALGORITHM } from '../auth.js';

export interface SimCredentials {
  /** username → API key */
  apiKeys?: Record<string, string>;
  /** access key → secret key */
  akSk?: Record<string, string>;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  uri: string;
  /** Lowercase header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

export type AuthVerdict = { ok: true; account: string } | { ok: false; status: number; code: string; message: string };

const deny = (code: string, message: string): AuthVerdict => ({ ok: false, status: 401, code, message });

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SimAuthenticator {
  /** access key → timestamps already used (seconds), pruned past the skew. */
  private readonly used = new Map<string, Set<number>>();

  constructor(
    private readonly creds: SimCredentials,
    private readonly skewMs = 5 * 60_000,
  ) {}

  verify(req: ReceivedRequest, nowMs: number): AuthVerdict {
    if (req.headers['x-cnc-auth-method']?.toUpperCase() === 'AKSK') return this.verifyAkSk(req, nowMs);
    return this.verifyApiKey(req, nowMs);
  }

  private verifyApiKey(req: ReceivedRequest, nowMs: number): AuthVerdict {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!m) return deny('MissingAuthorization', 'Authorization header missing or not Basic');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return deny('MalformedAuthorization', 'Basic credentials are not user:password');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const date = req.headers['x-cnc-date'] ?? req.headers.date;
    if (!date) return deny('MissingDate', 'Date (or x-cnc-date) header missing');
    const at = Date.parse(date);
    if (!/ GMT$/.test(date) || Number.isNaN(at)) return deny('InvalidDate', 'Date header is not an RFC 1123 GMT date');
    if (Math.abs(at - nowMs) > this.skewMs) return deny('RequestTimeTooSkewed', 'Date differs from server time by more than 5 minutes');
    const key = this.creds.apiKeys?.[user];
    if (key === undefined || !same(password, apiKeyPassword(key, date))) return deny('InvalidSignature', 'user unknown or password does not match');
    return { ok: true, account: user };
  }

  private verifyAkSk(req: ReceivedRequest, nowMs: number): AuthVerdict {
    const m = /^CNC-HMAC-SHA256 Credential=([^,\s]+), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
    if (!m) return deny('MalformedAuthorization', `Authorization is not "${AKSK_ALGORITHM} Credential=…, SignedHeaders=…, Signature=…"`);
    const [, credential, signedHeaders, signature] = m as unknown as [string, string, string, string];
    const accessKey = req.headers['x-cnc-accesskey'];
    if (!accessKey || accessKey !== credential) return deny('InvalidAccessKey', 'x-cnc-accessKey missing or different from Credential');
    const secret = this.creds.akSk?.[accessKey];
    if (secret === undefined) return deny('InvalidAccessKey', 'access key unknown');
    const tsText = req.headers['x-cnc-timestamp'] ?? '';
    if (!/^\d{1,12}$/.test(tsText)) return deny('InvalidTimestamp', 'x-cnc-timestamp is not unix seconds');
    const ts = Number(tsText);
    if (Math.abs(ts * 1000 - nowMs) > this.skewMs) return deny('RequestTimeTooSkewed', 'x-cnc-timestamp differs from server time by more than 5 minutes');
    const names = signedHeaders.split(';');
    if (!names.includes('host')) return deny('InvalidSignedHeaders', 'SignedHeaders must include host');
    const headers: Record<string, string> = {};
    for (const n of names) headers[n] = req.headers[n] ?? '';
    const expected = akskSignature(
      secret,
      akskStringToSign(akskCanonicalRequest({ method: req.method, uri: req.uri, headers, body: req.body }, names), tsText),
    );
    if (!same(signature, expected)) return deny('SignatureDoesNotMatch', 'the signature does not match the request');
    const used = this.usedFor(accessKey, nowMs);
    if (used.has(ts)) return deny('TimestampReplayed', 'this x-cnc-timestamp was already used by this access key');
    used.add(ts);
    return { ok: true, account: accessKey };
  }

  private usedFor(accessKey: string, nowMs: number): Set<number> {
    let used = this.used.get(accessKey);
    if (!used) this.used.set(accessKey, (used = new Set()));
    const oldest = (nowMs - this.skewMs) / 1000 - 1;
    for (const t of used) if (t < oldest) used.delete(t);
    return used;
  }
}
