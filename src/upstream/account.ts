// A vendor account: the limits its APIs share. A source declares them; the
// core builds the gates, takes this shard's share, and pauses every API of the
// account when any of them is throttled, for a pause drawn from the declared range.
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import type { SelfMetrics } from '../self-metrics.js';
import type { Shard } from '../shard.js';
import { UpstreamApi } from './api.js';
import { Budget, ConcurrencyLimit, Pause, SlidingWindow, type Gate } from './budget.js';
import type { Mask, VendorErrors } from './classify.js';

export interface AccountLimits {
  /** Requests per window for the whole account (every API counts). */
  requests: number;
  windowMs: number;
  /** Requests per window for each API of the account, where the vendor limits that too. */
  apiRequests?: number | undefined;
  apiWindowMs?: number | undefined;
  /** Requests in flight at once, over every API. */
  concurrency: number;
  /** After a throttle answer that names no wait, the account pauses a random time in this range. */
  throttlePauseMinMs: number;
  throttlePauseMaxMs: number;
  /** Further gates every request of the account passes (e.g. one request per clock second). */
  gates?: readonly Gate[];
}

export interface ApiOptions {
  /** Short name for labels and logs, e.g. "qos_details". */
  name: string;
  vendor: VendorErrors;
  timeoutMs: number;
  maxBodyBytes?: number;
}

export interface AccountDeps {
  source: string;
  clock: Clock;
  shard: Shard;
  metrics: SelfMetrics;
  dispatcher: Dispatcher;
  random: () => number;
  /** Masks credentials in error messages (the process's secret registry). */
  mask?: Mask;
}

export class Account {
  private readonly pause = new Pause();
  /** One queue for every API of the account, so the stalest data goes first whichever API it needs. */
  private readonly budget: Budget;

  constructor(
    private readonly limits: AccountLimits,
    private readonly deps: AccountDeps,
  ) {
    // With shards, each replica takes its share, so that together they stay within the vendor's limits.
    const { shard } = deps;
    this.budget = new Budget(deps.clock, [
      this.pause,
      new SlidingWindow(shard.share(limits.requests), limits.windowMs),
      new ConcurrencyLimit(shard.share(limits.concurrency)),
      ...(limits.gates ?? []),
    ]);
  }

  /** One API of the account: the account's queue and gates, plus its per-API window if any. */
  api(opts: ApiOptions): UpstreamApi {
    const { limits, deps } = this;
    const own = limits.apiRequests !== undefined ? [new SlidingWindow(deps.shard.share(limits.apiRequests), limits.apiWindowMs ?? limits.windowMs)] : [];
    return new UpstreamApi(
      {
        source: deps.source,
        api: opts.name,
        budget: this.budget,
        gates: own,
        vendor: opts.vendor,
        timeoutMs: opts.timeoutMs,
        ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
        onThrottled: (retryAfterMs) => this.throttled(retryAfterMs),
      },
      { dispatcher: deps.dispatcher, metrics: deps.metrics, ...(deps.mask ? { mask: deps.mask } : {}) },
    );
  }

  /** Pauses every API of the account; returns the pause in ms. */
  throttled(retryAfterMs: number | undefined): number {
    const { throttlePauseMinMs: min, throttlePauseMaxMs: max } = this.limits;
    const ms = retryAfterMs ?? Math.round(min + this.deps.random() * (max - min));
    this.pause.pauseUntil(this.deps.clock.now() + ms);
    return ms;
  }
}
