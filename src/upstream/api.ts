// Budgeted, measured HTTP calls to one upstream API. Every request waits for
// its budget, is signed at send time (signatures carry a date), has a deadline
// and a body cap, and ends in exactly one outcome label.
import { request, type Dispatcher } from 'undici';
import { ZodError } from 'zod';
import type { SelfMetrics } from '../self-metrics.js';
import type { Budget, Gate, Priority } from './budget.js';
import { classify, type Mask, type VendorErrors } from './classify.js';

export type Outcome = 'success' | 'throttled' | 'auth_error' | 'client_error' | 'server_error' | 'timeout' | 'network_error' | 'invalid_response' | 'aborted';

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The body as received; large answers are read from here (src/upstream/json-reader.ts). */
  readonly bytes: Buffer;
  /** The body as text, decoded on first use. */
  readonly body: string;
  /** The vendor's request id, for support tickets and logs. */
  readonly requestId: string | undefined;
}

class Answer implements UpstreamResponse {
  private text: string | undefined;
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly bytes: Buffer,
    readonly requestId: string | undefined,
  ) {}

  get body(): string {
    return (this.text ??= this.bytes.toString('utf8'));
  }
}

/**
 * A success answer larger than this is data: its body is not parsed a second
 * time for a vendor error code (error answers are a few hundred bytes). Should
 * it not read as data, it is classified then.
 */
const SUCCESS_DATA_BYTES = 64 * 1024;

export type Failure = Exclude<Outcome, 'success'>;

export interface UpstreamErrorInit {
  outcome: Failure;
  message: string;
  status?: number | undefined;
  code?: string | undefined;
  requestId?: string | undefined;
  /** How long to wait before trying again (set on throttling: the account's pause). */
  retryAfterMs?: number | undefined;
}

/** A failed upstream call, classified; its message never carries credentials. */
export class UpstreamError extends Error {
  readonly outcome: Failure;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  retryAfterMs: number | undefined;
  api = '';

  constructor(init: UpstreamErrorInit) {
    super(init.message);
    this.name = 'UpstreamError';
    this.outcome = init.outcome;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export interface UpstreamApiOptions {
  source: string;
  /** Short name for labels and logs, e.g. "qos_details". */
  api: string;
  budget: Budget;
  /** Gates of this API alone (its own window), on top of the budget's shared ones. */
  gates: readonly Gate[];
  vendor: VendorErrors;
  /** Whole-request deadline. */
  timeoutMs: number;
  maxBodyBytes?: number;
  /** Told of every throttle answer; returns how long the account now pauses. */
  onThrottled(retryAfterMs: number | undefined): number;
}

export interface CallOptions {
  signal: AbortSignal;
  priority?: Priority;
}

export class UpstreamApi {
  constructor(
    private readonly opts: UpstreamApiOptions,
    private readonly deps: { dispatcher: Dispatcher; metrics: SelfMetrics; mask?: Mask },
  ) {
    // Counters start at 0, so rate() and alerts see them before the first request or throttle.
    const labels = { source: opts.source, api: opts.api };
    deps.metrics.apiRequests.inc({ ...labels, outcome: 'success' }, 0);
    deps.metrics.apiThrottled.inc(labels, 0);
  }

  /**
   * Sends the request built by `build` (called when the budget grants it, so
   * signatures are fresh) and returns `parse` of the answer.
   */
  async call<T>(build: () => UpstreamRequest, parse: (res: UpstreamResponse) => T | Promise<T>, opts: CallOptions): Promise<T> {
    const labels = { source: this.opts.source, api: this.opts.api };
    return this.opts.budget.run(
      async () => {
        const started = performance.now();
        let outcome: Outcome = 'success';
        try {
          const res = await this.send(build(), opts.signal);
          const data = res.status >= 200 && res.status < 300 && res.bytes.length > SUCCESS_DATA_BYTES;
          const failure = data ? undefined : classify(res, this.opts.vendor, this.deps.mask);
          if (failure) throw failure;
          try {
            return await parse(res);
          } catch (err) {
            if (err instanceof UpstreamError) throw err;
            const late = data ? classify(res, this.opts.vendor, this.deps.mask) : undefined;
            if (late) throw late;
            throw new UpstreamError({
              outcome: 'invalid_response',
              // A parse error can quote the body, and a body can echo a credential.
              message: this.mask(`unexpected response body: ${describeParseError(err)}`),
              status: res.status,
              requestId: res.requestId,
            });
          }
        } catch (err) {
          const failure = toUpstreamError(err, opts.signal, (t) => this.mask(t));
          failure.api = this.opts.api;
          outcome = failure.outcome;
          if (outcome === 'throttled') {
            this.deps.metrics.apiThrottled.inc(labels);
            failure.retryAfterMs = this.opts.onThrottled(failure.retryAfterMs);
          }
          throw failure;
        } finally {
          this.deps.metrics.apiRequests.inc({ ...labels, outcome });
          this.deps.metrics.apiRequestDuration.observe(labels, (performance.now() - started) / 1000);
        }
      },
      { signal: opts.signal, priority: opts.priority ?? 0, gates: this.opts.gates },
    );
  }

  private mask(text: string): string {
    return this.deps.mask ? this.deps.mask(text) : text;
  }

  private async send(req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
    // One controller per request, unlinked when it ends: AbortSignal.any() on the
    // long-lived shutdown signal kept a little memory per request (measured in bench/soak).
    const controller = new AbortController();
    const onShutdown = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onShutdown, { once: true });
    const deadline = this.opts.timeoutMs;
    const timer = setTimeout(
      () => controller.abort(new UpstreamError({ outcome: 'timeout', message: `upstream did not answer within ${deadline} ms` })),
      deadline,
    );
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        dispatcher: this.deps.dispatcher,
        signal: controller.signal,
      });
      const body = await readCapped(res.body, this.opts.maxBodyBytes ?? 64 * 1024 * 1024);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      return new Answer(res.statusCode, headers, body, headers[this.opts.vendor.requestIdHeader.toLowerCase()]);
    } catch (err) {
      // undici rejects with the abort reason or with its own AbortError: the controller says which.
      if (controller.signal.aborted && controller.signal.reason instanceof UpstreamError) throw controller.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onShutdown);
    }
  }
}

/** One line for a log record: zod's own message is a multi-line dump of every issue. */
function describeParseError(err: unknown): string {
  if (err instanceof ZodError) {
    const shown = err.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return `${shown.join('; ')}${err.issues.length > 3 ? `; and ${err.issues.length - 3} more` : ''}`;
  }
  return (err as Error).message.replace(/\s+/g, ' ');
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(err?: Error): void }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new UpstreamError({ outcome: 'invalid_response', message: `response body larger than ${max} bytes` });
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function toUpstreamError(err: unknown, signal: AbortSignal, mask: Mask): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (signal.aborted) return new UpstreamError({ outcome: 'aborted', message: 'request aborted: exporter shutting down' });
  if (e?.name === 'TimeoutError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') {
    return new UpstreamError({ outcome: 'timeout', message: 'upstream did not answer in time' });
  }
  // undici's proxy failures (a 407, a refused tunnel) carry a generic code: their message says what the proxy answered.
  const proxyAnswer = e?.message !== undefined && /\bproxy\b/i.test(e.message);
  return new UpstreamError({ outcome: 'network_error', message: mask(`network error: ${proxyAnswer ? e.message : (e?.code ?? e?.message ?? String(err))}`) });
}
