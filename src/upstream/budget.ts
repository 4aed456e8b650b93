// Request budgets for one upstream API: every call waits until each of its
// gates (sliding-window rate limits, a concurrency cap, a throttle pause, all
// possibly shared with the other APIs of a vendor account) has room. Waiters
// are served lowest priority value first, so callers can put the stalest data
// at the head of the queue; a priority may change while its call waits.
import type { Clock, TimerHandle } from '../clock.js';

/** A resource that a request must hold while it runs; gates may be shared between budgets. */
export interface Gate {
  /** 0 when open now; otherwise ms until it may open (Infinity: opens on a release). */
  waitMs(now: number): number;
  take(now: number): void;
  release(): void;
  onRelease(listener: () => void): void;
}

/**
 * At most `limit` takes in any window of `windowMs` (a true sliding window),
 * paced once the window has filled.
 *
 * Each take holds its place `marginMs` longer than the window: the vendor
 * counts arrivals, not our sends, and network latency varies, so without the
 * margin a request sent just after its slot frees can still land inside the
 * vendor's window as number limit + 1 (seen with the simulator: APIGW.0308).
 *
 * Pacing: a take also spends a token; tokens come back at `limit` per window
 * but never outnumber the free places (or one, while there is none). After an idle spell the whole window
 * may go at once (startup, periodic bursts); under a standing queue a full
 * window would otherwise empty all at once, a window later, and refill in one
 * burst again, so a call that turns urgent just after a burst would wait a
 * whole window. Paced, the places come back one every windowMs / limit.
 */
export class SlidingWindow implements Gate {
  private readonly takes: number[] = [];
  private readonly holdMs: number;
  /** Tokens per ms. */
  private readonly rate: number;
  private tokens = 0;
  private tokensAt = Number.NEGATIVE_INFINITY;
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    marginMs = 1_000,
  ) {
    this.holdMs = windowMs + marginMs;
    this.rate = limit / this.holdMs;
  }

  waitMs(now: number): number {
    this.advance(now);
    if (this.takes.length >= this.limit) return this.takes[this.takes.length - this.limit]! + this.holdMs - now;
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.rate);
  }
  take(now: number): void {
    this.advance(now);
    this.tokens--;
    this.takes.push(now);
  }
  release(): void {}
  onRelease(): void {}

  /** Frees the places whose hold ended, accruing tokens piece by piece: the cap changes at each freed place. */
  private advance(now: number): void {
    while (this.takes.length > 0 && this.takes[0]! + this.holdMs <= now) {
      this.accrue(this.takes[0]! + this.holdMs);
      this.takes.shift();
    }
    this.accrue(now);
  }
  private accrue(t: number): void {
    if (t <= this.tokensAt) return;
    // One token may wait for a place while the window is full, so a standing queue loses no place to pacing.
    const cap = Math.max(1, this.limit - this.takes.length);
    this.tokens = Math.min(cap, this.tokens + (t - this.tokensAt) * this.rate);
    this.tokensAt = t;
  }
}

/** At most `limit` requests in flight. */
export class ConcurrencyLimit implements Gate {
  private inFlight = 0;
  private readonly listeners: Array<() => void> = [];
  constructor(readonly limit: number) {}

  waitMs(): number {
    return this.inFlight < this.limit ? 0 : Infinity;
  }
  take(): void {
    this.inFlight++;
  }
  release(): void {
    this.inFlight--;
    for (const l of this.listeners) l();
  }
  onRelease(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/** Closed until a given time; a vendor's throttle answer sets it. */
export class Pause implements Gate {
  private until = 0;
  waitMs(now: number): number {
    return Math.max(0, this.until - now);
  }
  pauseUntil(t: number): void {
    this.until = Math.max(this.until, t);
  }
  take(): void {}
  release(): void {}
  onRelease(): void {}
}

/** Lower runs first. A function is asked again at every grant, so a waiting call can move up the queue. */
export type Priority = number | (() => number);

interface Waiter {
  priority: Priority;
  /** The priority as last read. */
  rank: number;
  /** Gates of this call only (e.g. its API's own window), on top of the shared ones. */
  gates: readonly Gate[];
  grant: () => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
}

/**
 * Priorities are read again (and the queue re-sorted) at a grant when the last
 * reading is older than this, someone joined the queue since, or the queue is
 * short: with thousands
 * of waiters and many grants a second, reading them all at every grant cost
 * time in the square of the queue; at the vendors' pace (a grant every few
 * seconds) every grant still reads them afresh.
 */
const REREAD_PRIORITIES_MS = 100;
/** A queue this short is read afresh at every grant. */
const ALWAYS_REREAD_UP_TO = 256;

export interface RunOptions {
  /** Lower runs first; ties are first come, first served. */
  priority?: Priority;
  signal?: AbortSignal;
  /** Gates of this call only, such as its API's own window: a closed one lets the next waiter go first. */
  gates?: readonly Gate[];
}

export class Budget {
  /** In priority order as last read; newcomers at the end until the next reading. */
  private queue: Waiter[] = [];
  private readAt = -Infinity;
  private joined = false;
  /** One abort listener per signal, for all its waiters (one per waiter made removal linear in the queue). */
  private readonly watched = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly gates: readonly Gate[],
  ) {
    for (const g of gates) g.onRelease(() => this.pump());
  }

  /** Runs `fn` once every gate has room; the gates are held until it settles. */
  async run<T>(fn: () => Promise<T>, opts: RunOptions = {}): Promise<T> {
    await this.acquire(opts);
    try {
      return await fn();
    } finally {
      for (const g of this.gates) g.release();
      for (const g of opts.gates ?? []) g.release();
      if (opts.gates?.length) this.pump();
    }
  }

  get waiting(): number {
    return this.queue.length;
  }

  private acquire(opts: RunOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      const waiter: Waiter = { priority: opts.priority ?? 0, rank: 0, gates: opts.gates ?? [], grant: resolve, reject };
      if (opts.signal) this.watch(waiter, opts.signal);
      this.queue.push(waiter);
      this.joined = true;
      this.pump();
    });
  }

  private watch(waiter: Waiter, signal: AbortSignal): void {
    waiter.signal = signal;
    let w = this.watched.get(signal);
    if (!w) {
      const waiters = new Set<Waiter>();
      const onAbort = () => {
        this.watched.delete(signal);
        this.queue = this.queue.filter((q) => !waiters.has(q));
        for (const q of waiters) q.reject(signal.reason);
      };
      this.watched.set(signal, (w = { waiters, onAbort }));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    w.waiters.add(waiter);
  }

  private unwatch(waiter: Waiter): void {
    const w = waiter.signal && this.watched.get(waiter.signal);
    if (!w) return;
    w.waiters.delete(waiter);
    if (w.waiters.size === 0) {
      this.watched.delete(waiter.signal!);
      waiter.signal!.removeEventListener('abort', w.onAbort);
    }
  }

  /** Reads every priority and sorts the queue (stable: ties stay in arrival order). */
  private reread(now: number): void {
    for (const w of this.queue) w.rank = valueOf(w.priority);
    this.queue.sort((a, b) => a.rank - b.rank);
    this.readAt = now;
    this.joined = false;
  }

  /**
   * Grants waiters in priority order while the shared gates are open, skipping
   * those whose own gates are closed.
   */
  private pump(): void {
    for (;;) {
      if (this.queue.length === 0) return;
      const now = this.clock.now();
      const shared = waitMs(this.gates, now);
      let next = shared;
      let index = -1;
      if (shared === 0) {
        if (this.joined || this.queue.length <= ALWAYS_REREAD_UP_TO || now - this.readAt >= REREAD_PRIORITIES_MS) this.reread(now);
        next = Infinity;
        for (let i = 0; i < this.queue.length; i++) {
          const own = waitMs(this.queue[i]!.gates, now);
          if (own === 0) {
            index = i;
            break;
          }
          next = Math.min(next, own);
        }
      }
      if (index < 0) {
        if (Number.isFinite(next)) this.wakeAt(now + next);
        return;
      }
      const [waiter] = this.queue.splice(index, 1) as [Waiter];
      for (const g of this.gates) g.take(now);
      for (const g of waiter.gates) g.take(now);
      this.unwatch(waiter);
      waiter.grant();
    }
  }

  private wakeAt(t: number): void {
    if (this.timer && this.timerAt <= t) return;
    this.timer?.cancel();
    this.timerAt = t;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, t - this.clock.now());
  }
}

/** 0 when every gate is open now, else the longest wait among them. */
function waitMs(gates: readonly Gate[], now: number): number {
  let wait = 0;
  for (const g of gates) wait = Math.max(wait, g.waitMs(now));
  return wait;
}

function valueOf(priority: Priority): number {
  return typeof priority === 'function' ? priority() : priority;
}
