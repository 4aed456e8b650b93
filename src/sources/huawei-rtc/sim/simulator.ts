// A faithful fake of the SparkRTC data APIs (and the IAM token endpoint) for
// tests and --demo: gateway auth checks, mandatory parameters with the seed's
// error body, the 5-day and 24-hour windows, paging, and the 30/min limit;
// and the statistics APIs (realtime quality, network, scale; abnormal events).
import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { sleep, systemClock, type Clock } from '../../../clock.js';
import { FaultQueue } from '../../../sim/faults.js';
import { SlidingWindowLimiter } from '../../../sim/rate-limiter.js';
import { RequestLog, type SimRequest } from '../../../sim/request-log.js';
import { listenOnLoopback, type SimServer } from '../../../sim/server.js';
import { canonicalRequest, parseAuthorization, signature } from '../auth.js';
import { AbnormalEvents } from './abnormal-events.js';
import { AppFigures, NETWORK_METRICS, QUALITY_METRICS, SCALE_METRICS, type NetworkMetric, type QualityMetric, type ScaleMetric } from './app-figures.js';
import {
  ALL_MIDS,
  DEFAULT_WORLD,
  DOWNLINK_MIDS,
  MINUTE_MS,
  PRESENTER_UID,
  isoSeconds,
  SCREEN_DOWNLINK_MIDS,
  SCREEN_UPLINK_MIDS,
  UPLINK_MIDS,
  World,
  type Room,
  type SdkType,
  type WorldOptions,
} from './world.js';

export interface SimulatorOptions {
  clock?: Clock;
  world?: Partial<WorldOptions>;
  projectId?: string;
  credentials?: { accessKey: string; secretKey: string };
  iamUser?: { domain: string; user: string; password: string };
  staticTokens?: string[];
  tokenLifetimeMs?: number;
  /** Requests per minute per account before APIGW.0308. */
  rateLimitPerMinute?: number;
  /**
   * The statistics APIs' limit (realtime quality/network/scale, abnormal events):
   * `'shared'` (default) counts them in the one per-account window of
   * `rateLimitPerMinute`; a number gives them a separate per-account window of
   * that many a minute, apart from qos/details and rooms.
   */
  realtimeLimit?: 'shared' | number;
  /** Newest data is this old (the console's documented lag is up to 5 minutes). */
  dataLagMs?: number;
  /** Makes the tokens IAM issues (tests make them recognisable); default `sim-token-<n>-<seconds>`. */
  newToken?: () => string;
  /**
   * Every refused credential is answered with the request's headers (and, at
   * IAM, its body) in the message, as some gateways do: tests check that the
   * exporter never passes them on.
   */
  echoHeaders?: boolean;
}

/**
 * Faults injected into the next answers, one per request, first in first out.
 * `echo_headers`: 401 whose message quotes every request header; `answer`: a
 * 200 with this JSON body instead of the real one (right shape, unusable data).
 */
export type Fault = 'server_error' | 'malformed' | 'html' | 'throttle' | 'echo_headers' | { latencyMs: number } | { answer: unknown };

const SDK_DATE = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
const API_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const DAY = 86_400_000;

export class HuaweiRtcSimulator {
  readonly world: World;
  /** What the realtime quality, network and scale APIs serve. */
  readonly figures: AppFigures;
  /** What the abnormal-events API serves. */
  readonly events: AbnormalEvents;
  readonly faults = new FaultQueue<Fault>();
  readonly app = express();
  readonly projectId: string;
  readonly credentials: { accessKey: string; secretKey: string };
  readonly iamUser: { domain: string; user: string; password: string };
  private readonly clock: Clock;
  private readonly log = new RequestLog();
  private readonly tokens = new Map<string, number>();
  /** One account per simulator, so the gateway's per-account limit counts every request. */
  private readonly limiter = new SlidingWindowLimiter(60_000);
  private seq = 0;

  constructor(private readonly opts: SimulatorOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.world = new World({ ...DEFAULT_WORLD, ...opts.world });
    this.figures = new AppFigures(this.world);
    this.events = new AbnormalEvents(this.world);
    this.projectId = opts.projectId ?? '0605767a3300d5762fb7c0186d9e1779';
    this.credentials = opts.credentials ?? { accessKey: 'SIMULATORACCESSKEY01', secretKey: 'simulator-secret-key-do-not-use' };
    this.iamUser = opts.iamUser ?? { domain: 'sim-account', user: 'sim-user', password: 'sim-password' };
    for (const t of opts.staticTokens ?? []) this.tokens.set(t, Infinity);
    this.routes();
  }

  /**
   * Forgets what the world, its figures and its events remember to answer
   * faster: only work is lost. For benches that measure the exporter's memory
   * in the same process.
   */
  forgetMemos(): void {
    this.world.clear();
    this.figures.clear();
    this.events.clear();
  }

  /** Every request received, oldest first; status 0 while its answer is pending. */
  get requests(): SimRequest[] {
    return this.log.records;
  }

  listen(): Promise<SimServer> {
    return listenOnLoopback(this.app);
  }

  private routes(): void {
    this.app.set('etag', false);
    this.app.use(express.text({ type: '*/*' }));
    this.app.use((req, res, next) => {
      res.set('X-Request-Id', `sim-${++this.seq}`);
      const record = this.log.add(req, this.clock.now());
      res.on('finish', () => {
        record.status = res.statusCode;
        const code: unknown = res.locals.errorCode;
        if (typeof code === 'string') record.code = code;
      });
      next();
    });
    this.app.post('/v3/auth/tokens', (req, res) => this.issueToken(req, res));
    this.app.get('/v1/:project/rtc/client/qos/details', (req, res) => this.guarded(req, res, () => this.qosDetails(req, res)));
    this.app.get('/v1/:project/rtc/rooms', (req, res) => this.guarded(req, res, () => this.rooms(req, res)));
    this.app.get('/v1/:project/rtc/realtime/quality', (req, res) => this.guarded(req, res, () => this.realtime(req, res, 'quality'), 'statistics'));
    this.app.get('/v1/:project/rtc/realtime/network', (req, res) => this.guarded(req, res, () => this.realtime(req, res, 'network'), 'statistics'));
    this.app.get('/v1/:project/rtc/realtime/scale', (req, res) => this.guarded(req, res, () => this.realtime(req, res, 'scale'), 'statistics'));
    this.app.get('/v1/rtc/data/abnormal-events', (req, res) => this.guarded(req, res, () => this.abnormalEvents(req, res), 'statistics'));
    this.app.use((_req, res) => void error(res, 404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.'));
  }

  /** Authentication, the account rate limit and injected faults, in the gateway's order. */
  private async guarded(req: Request, res: Response, handle: () => void, api: 'data' | 'statistics' = 'data'): Promise<void> {
    const denied = this.authenticate(req);
    if (denied) return void error(res, 401, denied.code, this.opts.echoHeaders ? `${denied.msg}; ${echo(req)}` : denied.msg);
    const now = this.clock.now();
    const separate = api === 'statistics' && typeof this.opts.realtimeLimit === 'number';
    const limit = separate ? (this.opts.realtimeLimit as number) : (this.opts.rateLimitPerMinute ?? 30);
    const fault = this.faults.take();
    // An injected throttle is not counted against the limit, as a real refusal is not.
    if (fault === 'throttle' || !this.limiter.tryAccept(now, [{ key: separate ? 'account:statistics' : 'account', max: limit }])) {
      return void error(res, 429, 'APIGW.0308', `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:1 minute`);
    }
    if (typeof fault === 'object' && 'latencyMs' in fault) await sleep(this.clock, fault.latencyMs);
    if (typeof fault === 'object' && 'answer' in fault) return void res.status(200).json(fault.answer);
    if (fault === 'server_error') return void error(res, 500, 'RTC.00002001', 'Internal error.');
    if (fault === 'malformed') return void res.status(200).type('json').send('{"room_id": "x", "data": [{"uid": ');
    if (fault === 'html') return void res.status(502).type('html').send('<html><body>Bad Gateway</body></html>');
    if (fault === 'echo_headers') return void error(res, 401, 'APIGW.0301', `Incorrect IAM authentication information: ${echo(req)}`);
    handle();
  }

  private authenticate(req: Request): { code: string; msg: string } | undefined {
    const bad = { code: 'APIGW.0301', msg: 'Incorrect IAM authentication information: verify aksk signature fail' };
    const token = req.get('X-Auth-Token');
    if (token !== undefined) {
      const expires = this.tokens.get(token);
      return expires !== undefined && this.clock.now() < expires
        ? undefined
        : { code: 'APIGW.0301', msg: 'Incorrect IAM authentication information: token expired or invalid' };
    }
    const auth = parseAuthorization(req.get('Authorization'));
    if (!auth || auth.access !== this.credentials.accessKey || !auth.signedHeaders.includes('x-sdk-date')) return bad;
    const date = SDK_DATE.exec(req.get('X-Sdk-Date') ?? '');
    if (!date) return bad;
    const sent = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
    if (Math.abs(this.clock.now() - sent) > 15 * 60_000) {
      return { code: 'APIGW.0303', msg: 'Incorrect app authentication information: the X-Sdk-Date is more than 15 minutes away from the server time' };
    }
    // The abnormal-events path has no project: the SDKs still send and sign X-Project-Id, and it must be the account's.
    if (req.params.project === undefined) {
      if (req.get('X-Project-Id') !== this.projectId || !auth.signedHeaders.includes('x-project-id')) return bad;
    } else if (req.get('X-Project-Id') !== req.params.project) return bad;
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) headers[name] = req.get(name) ?? '';
    const url = new URL(req.originalUrl, 'http://gateway');
    const body = typeof req.body === 'string' ? req.body : '';
    const { text } = canonicalRequest({ method: req.method, url, headers, body }, auth.signedHeaders);
    const expected = Buffer.from(signature(this.credentials.secretKey, req.get('X-Sdk-Date')!, text));
    return timingSafeEqual(expected, Buffer.from(auth.signature)) ? undefined : bad;
  }

  private issueToken(req: Request, res: Response): void {
    type IamUser = { domain?: { name?: string }; name?: string; password?: string };
    let user: IamUser | undefined;
    try {
      user = (JSON.parse(String(req.body)) as { auth: { identity: { password: { user?: IamUser } } } }).auth.identity.password.user;
    } catch {
      return void error(res, 400, 'RTC.00001002', 'Malformed request body.');
    }
    const want = this.iamUser;
    if (user?.domain?.name !== want.domain || user?.name !== want.user || user?.password !== want.password) {
      const msg = 'The username or password is wrong.';
      return void error(res, 401, 'APIGW.0301', this.opts.echoHeaders ? `${msg} ${echo(req)}; body: ${String(req.body)}` : msg);
    }
    const token = this.opts.newToken?.() ?? `sim-token-${++this.seq}-${Math.floor(this.clock.now() / 1000)}`;
    const expires = this.clock.now() + (this.opts.tokenLifetimeMs ?? DAY);
    this.tokens.set(token, expires);
    res
      .status(201)
      .set('X-Subject-Token', token)
      .json({ token: { expires_at: new Date(expires).toISOString(), issued_at: new Date(this.clock.now()).toISOString() } });
  }

  /** Makes every issued token invalid, as a password change would. */
  revokeTokens(): void {
    for (const [t, exp] of this.tokens) if (exp !== Infinity) this.tokens.delete(t);
  }

  private rooms(req: Request, res: Response): void {
    const q = req.query as Record<string, string | undefined>;
    if (!q.app) return void error(res, 400, 'DATA.100011001', "Required String parameter 'app' is not present");
    const state = q.state ?? 'RUNNING';
    if (state !== 'RUNNING' && state !== 'CLOSED') return void error(res, 400, 'RTC.00001003', 'Invalid parameter: state');
    const now = this.clock.now();
    const all = state === 'RUNNING' && this.world.hasApp(q.app) ? this.world.runningRooms(q.app, now) : [];
    const { limit, offset } = paging(q, all.length);
    res.json({
      total: all.length,
      limit,
      offset,
      room_info_list: all.slice(offset, offset + limit).map((r) => ({
        domain: 'sim.rtc.example',
        app: r.appId,
        room_id: r.roomId,
        state: 'RUNNING',
        duration: Math.floor((now - r.openedAt) / 1000),
        start_time: new Date(r.openedAt).toISOString(),
        end_time: '-',
      })),
    });
  }

  private qosDetails(req: Request, res: Response): void {
    const q = req.query as Record<string, string | string[] | undefined>;
    for (const name of ['app_id', 'room_id', 'mid', 'start_time', 'end_time']) {
      if (q[name] === undefined || q[name] === '') return void error(res, 400, 'DATA.100011001', `Required String parameter '${name}' is not present`);
    }
    const [start, end] = [String(q.start_time), String(q.end_time)];
    if (!API_TIME.test(start) || !API_TIME.test(end)) return void error(res, 400, 'RTC.00001003', 'Invalid parameter: start_time or end_time');
    const from = Date.parse(start);
    const to = Date.parse(end);
    const now = this.clock.now();
    if (to <= from) return void error(res, 400, 'RTC.00001004', 'end_time must be later than start_time');
    if (to - from > DAY) return void error(res, 400, 'RTC.00001004', 'The interval between start_time and end_time cannot exceed 24 hours');
    if (from < now - 5 * DAY) return void error(res, 400, 'RTC.00001003', 'Only data from the past five days can be queried');
    if (q.time_type !== undefined && q.time_type !== 'ctime' && q.time_type !== 'stime')
      return void error(res, 400, 'RTC.00001003', 'Invalid parameter: time_type');
    if (q.direction !== undefined && q.direction !== 'uplink' && q.direction !== 'downlink')
      return void error(res, 400, 'RTC.00001003', 'Invalid parameter: direction');
    // The seed documents comma-separated mids; the official Go SDK repeats the key: accept both.
    const mids = ([] as string[]).concat(q.mid as string | string[]).flatMap((m) => m.split(','));
    const wanted = mids.includes('all') ? ALL_MIDS : mids;
    const room = this.world.findRoom(String(q.app_id), String(q.room_id));
    const entries = room ? this.entries(room, wanted, from, Math.min(to, now - (this.opts.dataLagMs ?? 90_000)), q) : [];
    const { limit, offset } = paging(q, entries.length);
    res.json({ room_id: String(q.room_id), data: entries.slice(offset, offset + limit) });
  }

  /**
   * The statistics APIs' time window: optional start_time/end_time (default the last
   * hour), end after start, a span of at most a day, nothing older than the console's
   * 24 hours. Answers the error itself and returns undefined when refused.
   */
  private statisticsWindow(q: Record<string, unknown>, res: Response): { from: number; to: number } | undefined {
    const now = this.clock.now();
    for (const name of ['start_time', 'end_time']) {
      const v = q[name];
      if (v !== undefined && (typeof v !== 'string' || !API_TIME.test(v))) return void error(res, 400, 'RTC.00001003', `Invalid parameter: ${name}`);
    }
    const to = typeof q.end_time === 'string' ? Date.parse(q.end_time) : now;
    const from = typeof q.start_time === 'string' ? Date.parse(q.start_time) : now - 3_600_000;
    if (to <= from) return void error(res, 400, 'RTC.00001004', 'end_time must be later than start_time');
    if (to - from > DAY) return void error(res, 400, 'RTC.00001004', 'The interval between start_time and end_time cannot exceed 24 hours');
    if (from < now - DAY) return void error(res, 400, 'RTC.00001003', 'Only data from the past 24 hours can be queried');
    return { from, to };
  }

  /** Newest data is this old. */
  private get lagMs(): number {
    return this.opts.dataLagMs ?? 90_000;
  }

  /**
   * GET /v1/{project}/rtc/realtime/{quality,network,scale}: one point per minute m with
   * start <= m <= end, once the minute is over and the data lag has passed, oldest first.
   */
  private realtime(req: Request, res: Response, kind: 'quality' | 'network' | 'scale'): void {
    const q = req.query as Record<string, unknown>;
    if (q.app === undefined || q.app === '') return void error(res, 400, 'DATA.100011001', "Required String parameter 'app' is not present");
    if (typeof q.app !== 'string') return void error(res, 400, 'RTC.00001003', 'Invalid parameter: app');
    const app = q.app;
    const metrics: readonly string[] = kind === 'quality' ? QUALITY_METRICS : kind === 'network' ? NETWORK_METRICS : SCALE_METRICS;
    if (typeof q.metric !== 'string' || !metrics.includes(q.metric)) return void error(res, 400, 'RTC.00001003', 'Invalid parameter: metric');
    let sdk: SdkType = 'native';
    if (kind !== 'scale') {
      if (q.sdk_type !== 'native' && q.sdk_type !== 'webrtc') return void error(res, 400, 'RTC.00001003', 'Invalid parameter: sdk_type');
      sdk = q.sdk_type;
    }
    if (q.room_id !== undefined && typeof q.room_id !== 'string') return void error(res, 400, 'RTC.00001003', 'Invalid parameter: room_id');
    const window = this.statisticsWindow(q, res);
    if (!window) return;
    const metric = q.metric;
    const roomId = q.room_id || undefined;
    const points: Array<{ time: string; value: number }> = [];
    const last = Math.min(window.to, this.clock.now() - MINUTE_MS - this.lagMs);
    for (let m = Math.ceil(window.from / MINUTE_MS) * MINUTE_MS; m <= last; m += MINUTE_MS) {
      const value =
        kind === 'quality'
          ? this.figures.quality(app, metric as QualityMetric, sdk, m, roomId)
          : kind === 'network'
            ? this.figures.network(app, metric as NetworkMetric, sdk, m, roomId)
            : this.figures.scale(app, m, roomId)?.[metric as ScaleMetric];
      if (value !== undefined) points.push({ time: isoSeconds(m), value });
    }
    res.json({ [kind]: points });
  }

  /**
   * GET /v1/rtc/data/abnormal-events: the events with start <= time <= end whose minute
   * is over and past the data lag, newest first (the order is undocumented upstream),
   * filtered by room_id and uid, paged by limit (1-100, default 10) and offset.
   */
  private abnormalEvents(req: Request, res: Response): void {
    const q = req.query as Record<string, unknown>;
    if (q.app === undefined || q.app === '') return void error(res, 400, 'DATA.100011001', "Required String parameter 'app' is not present");
    if (typeof q.app !== 'string') return void error(res, 400, 'RTC.00001003', 'Invalid parameter: app');
    const app = q.app;
    const int = (v: unknown) => (typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : NaN);
    const limit = q.limit === undefined ? 10 : int(q.limit);
    if (!(limit >= 1 && limit <= 100)) return void error(res, 400, 'RTC.00001003', 'Invalid parameter: limit');
    const offset = q.offset === undefined ? 0 : int(q.offset);
    if (!(offset >= 0 && offset <= 1_844_674_407)) return void error(res, 400, 'RTC.00001003', 'Invalid parameter: offset');
    for (const name of ['room_id', 'uid'])
      if (q[name] !== undefined && typeof q[name] !== 'string') return void error(res, 400, 'RTC.00001003', `Invalid parameter: ${name}`);
    const window = this.statisticsWindow(q, res);
    if (!window) return;
    // An event is served once its minute is over and the lag has passed.
    const served = Math.floor((this.clock.now() - this.lagMs) / MINUTE_MS) * MINUTE_MS - 1;
    const events = this.events
      .between(app, window.from, Math.min(window.to, served))
      .filter((e) => (q.room_id === undefined || e.room_id === q.room_id) && (q.uid === undefined || e.uid === q.uid))
      .reverse();
    res.json({ total: events.length, events: events.slice(offset, offset + limit) });
  }

  private entries(room: Room, mids: readonly string[], from: number, to: number, q: Record<string, unknown>) {
    const users = this.world.users(room);
    const out: Array<{ uid: string; peerid: string; mid: string; data: Array<{ time: string; value: number }> }> = [];
    const span = (a: { joinedAt: number; leftAt: number }, b = a) =>
      [Math.max(from, a.joinedAt, b.joinedAt), Math.min(to, a.leftAt - 1, b.leftAt - 1)] as const;
    const add = (uid: string, peerid: string, list: readonly string[], [lo, hi]: readonly [number, number]) => {
      if (hi < lo) return;
      const times = this.world.pointTimes(lo, hi).reverse(); // newest first, as in the vendor's example
      if (times.length === 0) return;
      // Formatted once for every mid of the pair.
      const stamps = times.map((t) => new Date(t).toISOString().replace('.000Z', 'Z'));
      for (const mid of list) {
        if (!mids.includes(mid)) continue;
        const values = this.world.values(room, uid, peerid, mid, times);
        out.push({ uid, peerid, mid, data: stamps.map((time, i) => ({ time, value: values[i]! })) });
      }
    };
    for (const u of users) {
      if (q.user_id !== undefined && q.user_id !== u.uid) continue;
      if (q.direction !== 'downlink' && (q.peer_id === undefined || q.peer_id === '0')) {
        add(u.uid, '0', UPLINK_MIDS, span(u));
        if (u.uid === PRESENTER_UID) add(u.uid, '0', SCREEN_UPLINK_MIDS, span(u));
      }
      if (q.direction === 'uplink') continue;
      for (const p of users) {
        if (p === u || (q.peer_id !== undefined && q.peer_id !== p.uid)) continue;
        add(u.uid, p.uid, DOWNLINK_MIDS, span(u, p));
        if (p.uid === PRESENTER_UID) add(u.uid, p.uid, SCREEN_DOWNLINK_MIDS, span(u, p));
      }
    }
    return out;
  }
}

function paging(q: Record<string, unknown>, total: number): { limit: number; offset: number } {
  const limit = q.limit === undefined ? Math.max(total, 1) : Math.max(1, Number(q.limit) || 1);
  const offset = Math.max(0, Number(q.offset) || 0);
  return { limit, offset };
}

/** The request's headers as a gateway would quote them in an error message. */
function echo(req: Request): string {
  return `request headers: ${JSON.stringify(req.headers)}`;
}

function error(res: Response, status: number, code: string, msg: string): void {
  res.locals.errorCode = code;
  res.status(status).json({ error_code: code, error_msg: msg });
}
