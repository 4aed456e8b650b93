// Wangsu answers → UpstreamError: every code of the seed's table with what it
// means for this exporter, throttling, credentials, and bodies that are not
// JSON (an XML answer, or an HTML page from a proxy) — reported, never trusted.
import { UpstreamError, type Outcome, type UpstreamResponse } from '../../http.js';

export const THROTTLE_CODE = 'WPLUS_AccountApiTooFrequence';
/** The code Wangsu gives when a domain has more streams than one group takes. */
export const TOO_MANY_STREAMS_CODE = '24102010';

type Failure = Exclude<Outcome, 'success'>;

/** The seed's error table: code → what it means here (24102008 covers several parameters). */
export const ERROR_CODES: Readonly<Record<string, { outcome: Failure; meaning: string }>> = {
  '24102013': { outcome: 'client_error', meaning: 'Accept header not supported (JSON or XML only)' },
  '24102014': { outcome: 'client_error', meaning: 'request body missing or Content-Type not set' },
  '24102020': { outcome: 'client_error', meaning: 'X-Time-Zone header invalid; check wangsu_cdn.time_zone' },
  '24102002': { outcome: 'client_error', meaning: 'request body is not valid JSON' },
  '24102006': { outcome: 'client_error', meaning: 'dateFrom/dateTo invalid, in the future, reversed or older than half a year' },
  '24102007': { outcome: 'client_error', meaning: 'dateFrom and dateTo too far apart; wangsu_cdn.window must not exceed the account limit' },
  '24102019': { outcome: 'client_error', meaning: 'too many domains in one request; lower wangsu_cdn.max_groups_per_request' },
  '24102008': { outcome: 'client_error', meaning: 'a parameter is missing or invalid (the message names it)' },
  '24102500': { outcome: 'server_error', meaning: 'Wangsu internal error; retried with back-off' },
  '24102010': { outcome: 'client_error', meaning: 'too many streams for one domain group; the domain is listed and split at the next key listing' },
};

interface Context {
  status: number;
  requestId: string | undefined;
  throttlePauseMs: () => number;
}

/** Turns a non-success answer into an UpstreamError; undefined when it is a JSON success. */
export function classifyWangsu(res: UpstreamResponse, throttlePauseMs: () => number): UpstreamError | undefined {
  const ctx: Context = { status: res.status, requestId: res.requestId, throttlePauseMs };
  const body = parseJsonObject(res.body);
  if (body === undefined) return nonJson(res, ctx);
  const code = typeof body.code === 'string' || typeof body.code === 'number' ? String(body.code) : undefined;
  const message = typeof body.message === 'string' ? body.message : typeof body.result === 'string' ? body.result : undefined;
  if (res.status === 446 || res.status === 429 || code === THROTTLE_CODE) {
    return fail('throttled', `throttled by Wangsu (HTTP ${res.status}${code ? ` ${code}` : ''}): the account's API budget is used up; pausing`, ctx, code, true);
  }
  if (res.status === 401 || res.status === 403 || res.status === 462) {
    return fail('auth_error', `Wangsu refused the credentials (HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${clip(message)}` : ''}); check wangsu_cdn.auth and the clock`, ctx, code);
  }
  if (res.status >= 200 && res.status < 300 && (code === undefined || code === '0')) return undefined;
  const known = code ? ERROR_CODES[code] : undefined;
  const outcome: Failure = known?.outcome ?? (res.status >= 500 ? 'server_error' : 'client_error');
  const what = `Wangsu error ${code ?? '(no code)'} (HTTP ${res.status})${message ? `: ${clip(message)}` : ''}`;
  return fail(outcome, known ? `${what} — ${known.meaning}` : what, ctx, code);
}

function nonJson(res: UpstreamResponse, ctx: Context): UpstreamError {
  const type = res.headers['content-type']?.split(';')[0]?.trim() || 'no content type';
  const kind = /html/i.test(type) || /^\s*<(!doctype|html)/i.test(res.body) ? 'an HTML page (a proxy or gateway?)' : /xml/i.test(type) || /^\s*<\?xml/.test(res.body) ? 'XML' : `a non-JSON body (${type})`;
  const message = `Wangsu answered HTTP ${res.status} with ${kind}, not JSON; ignored`;
  if (res.status === 446 || res.status === 429) return fail('throttled', message, ctx, undefined, true);
  if (res.status === 401 || res.status === 403 || res.status === 462) return fail('auth_error', message, ctx);
  const outcome: Failure = res.status >= 500 ? 'server_error' : res.status >= 400 ? 'client_error' : 'invalid_response';
  return fail(outcome, message, ctx);
}

function fail(outcome: Failure, message: string, ctx: Context, code?: string, throttled = false): UpstreamError {
  return new UpstreamError({
    outcome,
    message,
    status: ctx.status,
    code,
    requestId: ctx.requestId,
    ...(throttled ? { retryAfterMs: ctx.throttlePauseMs() } : {}),
  });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Vendor messages go into logs: keep them short and on one line. */
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
