// One classifier for every vendor: the HTTP status ladder, body sniffing (JSON,
// HTML from a proxy, XML), message clipping and the vendor's error-code table.
// Pure: it decides what an answer means; what to do about it is the caller's.
import { UpstreamError, type Failure, type UpstreamResponse } from './api.js';

export interface ErrorCode {
  outcome: Failure;
  /** What the code means for the operator, and what to do. */
  meaning: string;
}

/** What a source knows about its vendor's answers. */
export interface VendorErrors {
  /** The vendor as operators know it, e.g. "Wangsu": starts every message. */
  readonly vendor: string;
  /** Response header carrying the vendor's request id, for support tickets and logs. */
  readonly requestIdHeader: string;
  /** Where a JSON answer carries the vendor's code and message. */
  read(body: Readonly<Record<string, unknown>>): { code?: string | undefined; message?: string | undefined };
  /** Codes that mean success in a 2xx answer (besides no code at all). */
  readonly successCodes?: readonly string[];
  /** Statuses that mean "throttled" besides 429, and "credentials refused" besides 401 and 403. */
  readonly throttleStatuses?: readonly number[];
  readonly authStatuses?: readonly number[];
  /** The vendor's error codes; a key ending in `*` matches every code with that prefix. */
  readonly codes: Readonly<Record<string, ErrorCode>>;
}

const MAX_MESSAGE = 200;

/** Vendor text goes into logs: one line, clipped. */
export function clip(text: string, max = MAX_MESSAGE): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function lookupCode(vendor: VendorErrors, code: string | undefined): ErrorCode | undefined {
  if (code === undefined) return undefined;
  const exact = vendor.codes[code];
  if (exact) return exact;
  for (const [key, entry] of Object.entries(vendor.codes)) if (key.endsWith('*') && code.startsWith(key.slice(0, -1))) return entry;
  return undefined;
}

/** Replaces every credential in a text; identity when there is nothing to hide. */
export type Mask = (text: string) => string;

/**
 * Undefined for a success; otherwise the classified failure, its message ready
 * for a log line. Vendor text is masked before it is clipped: a gateway that
 * echoes request headers must not leak half a credential cut at the limit.
 */
export function classify(res: Omit<UpstreamResponse, 'bytes'>, vendor: VendorErrors, mask: Mask = (t) => t): UpstreamError | undefined {
  const ok = res.status >= 200 && res.status < 300;
  const throttledStatus = res.status === 429 || (vendor.throttleStatuses ?? []).includes(res.status);
  const authStatus = res.status === 401 || res.status === 403 || (vendor.authStatuses ?? []).includes(res.status);
  const fail = (outcome: Failure, message: string, code?: string) =>
    new UpstreamError({ outcome, message, status: res.status, code, requestId: res.requestId });

  const body = parseJson(res.body);
  if (!body.ok) {
    const what = `${vendor.vendor} answered HTTP ${res.status} with ${describeBody(res, body.error === undefined ? undefined : mask(body.error))}`;
    if (throttledStatus) return fail('throttled', `${what}; throttled: pausing the account`);
    if (authStatus) return fail('auth_error', `${what}; the credentials were refused: check the auth settings and this host's clock`);
    return fail(res.status >= 500 ? 'server_error' : ok ? 'invalid_response' : 'client_error', `${what}; ignored`);
  }
  const { code, message } = isRecord(body.value) ? vendor.read(body.value) : {};
  const known = lookupCode(vendor, code);
  let outcome: Failure;
  if (throttledStatus || known?.outcome === 'throttled') outcome = 'throttled';
  else if (authStatus || known?.outcome === 'auth_error') outcome = 'auth_error';
  else if (ok && (code === undefined || (vendor.successCodes ?? []).includes(code))) return undefined;
  else outcome = known?.outcome ?? (res.status >= 500 ? 'server_error' : 'client_error');
  const meaning = known?.meaning ?? DEFAULT_MEANING[outcome];
  const text = `${vendor.vendor} error ${code ?? '(no code)'} (HTTP ${res.status})${message ? `: ${clip(mask(message))}` : ''}${meaning ? ` — ${meaning}` : ''}`;
  return fail(outcome, text, code);
}

const DEFAULT_MEANING: Partial<Record<Failure, string>> = {
  throttled: "throttled: the account's request budget is used up; every API of the account pauses",
  auth_error: "the credentials were refused: check the auth settings and this host's clock",
  server_error: 'retried with back-off',
};

type Parsed = { ok: true; value: unknown } | { ok: false; error: string | undefined };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** What a body that is not JSON looks like, for the message. */
function describeBody(res: Omit<UpstreamResponse, 'bytes'>, jsonError: string | undefined): string {
  const type = res.headers['content-type']?.split(';')[0]?.trim() || 'no content type';
  if (/html/i.test(type) || /^\s*<(!doctype|html)/i.test(res.body)) return 'an HTML page (a proxy or gateway?), not JSON';
  if (/xml/i.test(type) || /^\s*<\?xml/.test(res.body)) return 'XML, not JSON';
  if (/json/i.test(type) || /^\s*[[{]/.test(res.body)) return `an unexpected response body: malformed JSON (${clip(jsonError ?? '', 80)})`;
  return `a non-JSON body (${type})`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
