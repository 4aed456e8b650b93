// A faithful fake of Wangsu's stream/detail and streamList APIs, for tests and
// --demo: both auth schemes checked exactly, every limit of the seed with its
// code and status, Wangsu-style throttling (HTTP 446), values above zero only
// as two-decimal strings, revisions until slices settle, injectable faults,
// and the ground truth of settled traffic. Time comes from an injected clock.
import express, { type Express, type Request, type Response } from 'express';
import type { Clock } from '../../../clock.js';
import { FaultQueue } from '../../../sim/faults.js';
import { SlidingWindowLimiter } from '../../../sim/rate-limiter.js';
import { RequestLog, type SimRequest } from '../../../sim/request-log.js';
import { listenOnLoopback, type SimServer } from '../../../sim/server.js';
import { DETAIL_PATH, REQUEST_ID_HEADER, STREAM_LIST_PATH } from '../client.js';
import { THROTTLE_CODE } from '../errors.js';
import { SimAuthenticator, type SimCredentials } from './auth.js';
import { TrafficModel, type SimDomain, type TrafficModelOptions } from './traffic.js';
import {
  checkDates,
  checkEnvelope,
  DEFAULT_LIMITS,
  parseJsonBody,
  validateDetail,
  zoneOf,
  type DetailRequest,
  type SimError,
  type SimLimits,
} from './validate.js';
import { formatSliceTime } from '../time.js';

export interface SimRateLimits {
  accountRequests: number;
  interfaceRequests: number;
  windowMs: number;
  /** More requests than this in flight at once are throttled. */
  maxConcurrent: number;
  throttleStatus: 446 | 429;
}

export interface SimulatorOptions {
  clock: Clock;
  model: TrafficModel | TrafficModelOptions;
  credentials: SimCredentials;
  limits?: Partial<SimLimits>;
  rate?: Partial<SimRateLimits>;
  skewMs?: number;
  /** Each answer waits this long on the injected clock (to hold requests in flight). */
  latencyMs?: number;
  /**
   * Every refused credential is answered with the request's headers in the
   * message, as some gateways do: tests check that the exporter never passes them on.
   */
  echoHeaders?: boolean;
}

/**
 * Faults for the next authenticated requests. `echo_headers`: 401 whose message
 * quotes every request header; `answer`: a 200 with this JSON body instead of
 * the real one (right shape, unusable data).
 */
export type Fault = 'server_error' | 'html' | 'throttle' | 'malformed' | 'echo_headers' | { answer: unknown };

const STREAM_LIST_MAX_SPAN_MS = 3 * 86_400_000;
const MINUTE = 60_000;

export class WangsuSimulator {
  readonly model: TrafficModel;
  readonly app: Express;
  private readonly log = new RequestLog();
  private readonly auth: SimAuthenticator;
  private readonly limits: SimLimits;
  private readonly rate: SimRateLimits;
  private readonly limiter: SlidingWindowLimiter;
  private readonly faults = new FaultQueue<Fault>();
  private inFlight = 0;
  private nextId = 1;

  constructor(private readonly opts: SimulatorOptions) {
    this.model = opts.model instanceof TrafficModel ? opts.model : new TrafficModel(opts.model);
    this.auth = new SimAuthenticator(opts.credentials, opts.skewMs);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.rate = { accountRequests: 300, interfaceRequests: 30, windowMs: 300_000, maxConcurrent: 10, throttleStatus: 446, ...opts.rate };
    this.limiter = new SlidingWindowLimiter(this.rate.windowMs);
    this.app = this.buildApp();
  }

  /** The next `count` authenticated requests fail this way. */
  injectFault(fault: Fault, count = 1): void {
    this.faults.push(fault, count);
  }

  /** Settled traffic per `domain/stream` in hundredths of an MB over minute slices ending in (fromMs, toMs]. */
  groundTruth(fromMs: number, toMs: number): Map<string, number> {
    return this.model.settledFlow(fromMs, toMs, this.opts.clock.now());
  }

  /** Every answered request, oldest first, recorded when its answer is sent. */
  get requests(): SimRequest[] {
    return this.log.records;
  }

  /** Listens on 127.0.0.1 (port 0: any free port). */
  listen(port = 0): Promise<SimServer> {
    return listenOnLoopback(this.app, port);
  }

  private buildApp(): Express {
    const app = express();
    app.set('etag', false);
    app.set('x-powered-by', false);
    // The raw body is what AK/SK signs, so it is read as text whatever its type.
    app.use(express.text({ type: () => true, limit: '20mb', defaultCharset: 'utf-8' }));
    app.post(DETAIL_PATH, (req, res) => this.handle(req, res, (account) => this.detail(req, account)));
    app.post(STREAM_LIST_PATH, (req, res) => this.handle(req, res, () => this.streamList(req)));
    app.use((req, res) => this.send(req, res, 404, { code: 'NotFound', message: `no API at ${req.method} ${req.path}` }));
    return app;
  }

  /** Concurrency, auth, rate limits and faults around a handler that returns a body or an error. */
  private handle(req: Request, res: Response, handler: (account: string) => unknown): void {
    this.inFlight++;
    const finish = (status: number, body: unknown, xml = false) => {
      const done = () => {
        this.inFlight--;
        this.send(req, res, status, body, xml);
      };
      if (this.opts.latencyMs) this.opts.clock.setTimeout(done, this.opts.latencyMs);
      else done();
    };
    const now = this.opts.clock.now();
    if (this.inFlight > this.rate.maxConcurrent) return finish(this.rate.throttleStatus, throttleBody());
    const body = typeof req.body === 'string' ? req.body : '';
    const verdict = this.auth.verify({ method: req.method, uri: req.originalUrl, headers: flatHeaders(req), body }, now);
    if (!verdict.ok) {
      const message = this.opts.echoHeaders ? `${verdict.message}; ${echo(req)}` : verdict.message;
      return finish(verdict.status, { code: verdict.code, message });
    }
    if (!this.withinRate(verdict.account, req.path, now)) return finish(this.rate.throttleStatus, throttleBody());
    const fault = this.faults.take();
    if (fault === 'echo_headers') return finish(401, { code: 'InvalidSignature', message: `unauthorized; ${echo(req)}` });
    if (fault) return this.sendFault(fault, finish);
    const envelope = checkEnvelope(req.get('accept'), req.get('content-type'), body);
    if ('code' in envelope) return finish(envelope.status, envelope);
    const out = handler(verdict.account);
    if (isSimError(out)) return finish(out.status, out, envelope.xml);
    finish(200, out, envelope.xml);
  }

  private sendFault(fault: Exclude<Fault, 'echo_headers'>, finish: (status: number, body: unknown) => void): void {
    if (fault === 'server_error') return finish(500, { code: '24102500', message: 'We encountered an internal error. Please try again.' });
    if (fault === 'throttle') return finish(this.rate.throttleStatus, throttleBody());
    if (fault === 'malformed') return finish(200, { code: '0', message: 'success', data: [{ domain: 42 }] });
    if (typeof fault === 'object') return finish(200, fault.answer);
    finish(502, '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>');
  }

  /** Accepts the request unless its account, or the account on this interface, is at its limit. */
  private withinRate(account: string, path: string, now: number): boolean {
    return this.limiter.tryAccept(now, [
      { key: account, max: this.rate.accountRequests },
      { key: `${account} ${path}`, max: this.rate.interfaceRequests },
    ]);
  }

  private detail(req: Request, _account: string): unknown {
    const now = this.opts.clock.now();
    const zone = zoneOf(req.get('x-time-zone'));
    if (typeof zone !== 'number') return zone;
    const body = parseJsonBody(req.body as string);
    if (isSimError(body)) return body;
    const q = validateDetail(body.json, zone, now, this.limits, (d, fromMs, toMs) => this.model.streamCount(d, fromMs, toMs));
    if (isSimError(q)) return q;
    return { code: '0', message: 'success', data: this.detailData(q, now) };
  }

  private detailData(q: DetailRequest, now: number): unknown[] {
    const first = Math.ceil(q.fromMs / q.sliceMs) * q.sliceMs;
    const byDomain = new Map<string, Set<string> | 'all'>();
    for (const g of q.groups) {
      const prev = byDomain.get(g.domain);
      if (prev === 'all' || !g.streams) byDomain.set(g.domain, 'all');
      else byDomain.set(g.domain, new Set([...(prev ?? []), ...g.streams]));
    }
    const data: unknown[] = [];
    for (const [domain, wanted] of byDomain) {
      const registered = this.model.domains.find((d) => d.domain === domain);
      if (!registered) continue; // Wangsu silently drops domains that are not the account's
      const list: unknown[] = [];
      for (const stream of this.candidates(registered, wanted, q)) {
        if (wanted !== 'all' && !wanted.has(stream)) continue;
        if ((q.filterEmptyStream && stream === '') || (q.keyword && !q.keyword.test(stream))) continue;
        const entry = this.streamEntry(q, domain, stream, first, now);
        if (entry) list.push(entry);
      }
      if (list.length > 0) data.push({ domain, domainOfStreamList: list });
    }
    return data;
  }

  /**
   * The streams to answer for, in the account's order. A churning domain's
   * streams are not kept: the asked ones, or those live in the asked window.
   */
  private candidates(registered: SimDomain, wanted: Set<string> | 'all', q: DetailRequest): Iterable<string> {
    if (!registered.churn) return registered.streams;
    if (wanted === 'all') return this.model.activeStreams(registered.domain, q.fromMs, q.toMs);
    return [...wanted].filter((s) => this.model.hasStream(registered.domain, s));
  }

  private streamEntry(q: DetailRequest, domain: string, stream: string, first: number, now: number): unknown {
    // Only values above zero are returned: a churned stream over (or not begun) has none.
    const lastEnd = first + Math.floor((q.toMs - first) / q.sliceMs) * q.sliceMs;
    if (lastEnd >= first && this.model.churnedAndOver(domain, stream, first - q.sliceMs + MINUTE, lastEnd)) return undefined;
    const detailList: Record<string, unknown>[] = [];
    let total = 0;
    for (let end = first; end <= q.toMs; end += q.sliceMs) {
      const v = this.model.reportedSlice(domain, stream, end, q.sliceMs, now);
      const value = v ? (q.dataType === 'flow' ? v.flow : v.bandwidth) : 0;
      if (!v || value <= 0) continue; // only values above zero are returned
      total = q.dataType === 'flow' ? total + value : Math.max(total, value);
      detailList.push({ timestamp: formatSliceTime(end, q.zoneOffsetMin), value: twoDecimals(value), ...(q.online ? { onlineUser: v.online } : {}) });
    }
    if (detailList.length === 0) return undefined;
    return { stream, [q.dataType === 'flow' ? 'totalFlow' : 'bandwidthPeakValue']: twoDecimals(total), detailList };
  }

  private streamList(req: Request): unknown {
    const body = parseJsonBody(req.body as string);
    if (isSimError(body)) return body;
    const b = body.json;
    if (typeof b.domain !== 'string' || b.domain.length === 0) return { status: 400, code: '24102008', message: 'param: domain is null or invalid.' };
    const dates = checkDates(b, this.opts.clock.now(), { ...this.limits, maxSpanMs: STREAM_LIST_MAX_SPAN_MS });
    if (isSimError(dates)) return dates;
    return { code: '0', message: 'success', result: [{ domain: b.domain, streamList: this.model.activeStreams(b.domain, dates.fromMs, dates.toMs) }] };
  }

  private send(req: Request, res: Response, status: number, body: unknown, xml = false): void {
    const code = typeof body === 'object' && body !== null && 'code' in body ? String(body.code) : undefined;
    this.log.add(req, this.opts.clock.now(), status, code);
    res.status(status).set(REQUEST_ID_HEADER, `sim-${this.nextId++}`);
    if (typeof body === 'string') res.type('html').send(body);
    else if (xml) res.type('application/xml').send(`<?xml version="1.0" encoding="UTF-8"?>${toXml('response', stripStatus(body))}`);
    else res.json(stripStatus(body));
  }
}

/** The request's headers as a gateway would quote them in an error message. */
function echo(req: Request): string {
  return `request headers: ${JSON.stringify(req.headers)}`;
}

function throttleBody() {
  return { code: THROTTLE_CODE, message: 'The request is too frequent, please try again later.' };
}

function isSimError(v: unknown): v is SimError {
  return typeof v === 'object' && v !== null && typeof (v as SimError).status === 'number' && typeof (v as SimError).code === 'string';
}

/** Error objects carry their HTTP status; the body Wangsu sends has only code and message. */
function stripStatus(body: unknown): unknown {
  if (!isSimError(body)) return body;
  return { code: body.code, message: body.message };
}

function flatHeaders(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Two decimals from hundredths: 1234 → "12.34". */
function twoDecimals(hundredths: number): string {
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

function toXml(name: string, v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => toXml(name, x)).join('');
  if (typeof v === 'object' && v !== null)
    return `<${name}>${Object.entries(v)
      .map(([k, x]) => toXml(k, x))
      .join('')}</${name}>`;
  return `<${name}>${String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${name}>`;
}
