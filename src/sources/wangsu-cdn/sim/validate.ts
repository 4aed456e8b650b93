// The simulator's checks of a stream/detail request, in the order of the
// seed's error table, each with its code, message and HTTP status.
import { parseRequestDate, parseZoneHeader } from '../time.js';

export interface SimError {
  status: number;
  code: string;
  message: string;
}

export interface SimLimits {
  maxGroups: number;
  maxStreamsPerDomain: number;
  maxSpanMs: number;
  maxAgeMs: number;
}

export const DEFAULT_LIMITS: SimLimits = { maxGroups: 20, maxStreamsPerDomain: 2000, maxSpanMs: 10 * 60_000, maxAgeMs: 183 * 86_400_000 };

export interface DetailRequest {
  fromMs: number;
  toMs: number;
  groups: { domain: string; streams: string[] | undefined }[];
  dataType: 'flow' | 'bandwidth';
  sliceMs: number;
  filterEmptyStream: boolean;
  keyword: RegExp | undefined;
  online: boolean;
  zoneOffsetMin: number;
}

const err = (code: string, message: string, status = 400): SimError => ({ status, code, message });
const invalidParam = (name: string) => err('24102008', `param: ${name} is null or invalid.`);
const INVALID_DATE = () => err('24102006', 'The date specified is invalid.');

/** The zone of X-Time-Zone (default GMT+08:00), or the 24102020 error. */
export function zoneOf(header: string | undefined): number | SimError {
  if (header === undefined) return 480;
  return parseZoneHeader(header) ?? err('24102020', 'The accept header specified in your request is not acceptable.');
}

/** Checks the Accept header (JSON or XML only) and that a body was sent. */
export function checkEnvelope(accept: string | undefined, contentType: string | undefined, body: string): { xml: boolean } | SimError {
  const wanted = (accept ?? 'application/json').toLowerCase();
  const json = /application\/json|\*\/\*|application\/\*/.test(wanted);
  const xml = /application\/xml|text\/xml/.test(wanted);
  if (!json && !xml) return err('24102013', 'The accept header specified in your request is not acceptable.');
  if (body.length === 0 || !contentType)
    return err('24102014', 'This operation requires a body. Ensure that the body is present and the Content-Type header is set.');
  return { xml: xml && !json };
}

/** Parses the dates: both absent means the last 10 minutes; dateTo after now is clamped. */
export function checkDates(body: Record<string, unknown>, nowMs: number, limits: SimLimits): { fromMs: number; toMs: number } | SimError {
  if (body.dateFrom === undefined && body.dateTo === undefined) return { fromMs: nowMs - limits.maxSpanMs, toMs: nowMs };
  if (typeof body.dateFrom !== 'string' || typeof body.dateTo !== 'string') return INVALID_DATE();
  const fromMs = parseRequestDate(body.dateFrom);
  let toMs = parseRequestDate(body.dateTo);
  if (fromMs === undefined || toMs === undefined || fromMs >= toMs || fromMs >= nowMs || fromMs < nowMs - limits.maxAgeMs) return INVALID_DATE();
  if (toMs > nowMs) toMs = nowMs;
  if (toMs - fromMs > limits.maxSpanMs) return err('24102007', `You cannot specify a period greater than ${limits.maxSpanMs / 60_000} minute(s).`);
  return { fromMs, toMs };
}

export function parseJsonBody(text: string): { json: Record<string, unknown> } | SimError {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return { json: v as Record<string, unknown> };
  } catch {
    // fall through
  }
  return err('24102002', 'There was an error in the body of your HTTP request.');
}

/** Validates a parsed stream/detail body; `streamCount` gives a domain's streams for the asked window. */
export function validateDetail(
  body: Record<string, unknown>,
  zoneOffsetMin: number,
  nowMs: number,
  limits: SimLimits,
  streamCount: (domain: string, fromMs: number, toMs: number) => number,
): DetailRequest | SimError {
  if (body.dataType !== 'flow' && body.dataType !== 'bandwidth') return invalidParam('dataType');
  const interval = body.dataInterval ?? '5m';
  if (interval !== '1m' && interval !== '5m') return invalidParam('dataInterval');
  const filter = body.filterEmptyStream ?? 0;
  if (![0, 1, '0', '1'].includes(filter as number | string)) return invalidParam('filterEmptyStream');
  const ds = body.domainStream;
  if (!Array.isArray(ds) || ds.length === 0) return invalidParam('domainStream');
  const groups: DetailRequest['groups'] = [];
  for (const g of ds as unknown[]) {
    if (typeof g !== 'object' || g === null || Array.isArray(g)) return invalidParam('domainStream');
    const { domain, stream } = g as { domain?: unknown; stream?: unknown };
    if (typeof domain !== 'string' || domain.length === 0) return invalidParam('domain');
    if (stream !== undefined && (!Array.isArray(stream) || stream.some((s) => typeof s !== 'string'))) return invalidParam('stream');
    groups.push({ domain, streams: stream as string[] | undefined });
  }
  if (groups.length > limits.maxGroups)
    return err('24102019', `The request was rejected because the number of domain(${groups.length}) exceeds the limit (${limits.maxGroups}).`);
  const dates = checkDates(body, nowMs, limits);
  if ('code' in dates) return dates;
  const perDomain = new Map<string, number>();
  for (const g of groups)
    perDomain.set(g.domain, (perDomain.get(g.domain) ?? 0) + (g.streams ? g.streams.length : streamCount(g.domain, dates.fromMs, dates.toMs)));
  for (const n of perDomain.values()) if (n > limits.maxStreamsPerDomain) return err('24102010', 'The number of stream is excessive once.');
  let keyword: RegExp | undefined;
  if (body.keyword !== undefined) {
    try {
      if (typeof body.keyword !== 'string') return invalidParam('keyword');
      keyword = new RegExp(body.keyword);
    } catch {
      return invalidParam('keyword');
    }
  }
  return {
    ...dates,
    groups,
    dataType: body.dataType,
    sliceMs: interval === '1m' ? 60_000 : 300_000,
    filterEmptyStream: filter === 1 || filter === '1',
    keyword,
    online: (body.isReturnOnline === 'true' || body.isReturnOnline === true) && interval === '1m',
    zoneOffsetMin,
  };
}
