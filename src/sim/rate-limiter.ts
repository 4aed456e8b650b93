// A vendor gateway's request limit: at most `max` accepted requests per key in any sliding window.
export interface RateLimit {
  /** What the limit counts, e.g. an account, or an account and an interface. */
  key: string;
  max: number;
}

export class SlidingWindowLimiter {
  /** Accepted requests, oldest first, each counted under its keys. */
  private readonly accepted: { at: number; keys: readonly string[] }[] = [];

  constructor(private readonly windowMs: number) {}

  /** Accepts the request, counted under every key of `limits`, unless one of them is already at its max. */
  tryAccept(now: number, limits: readonly RateLimit[]): boolean {
    while (this.accepted.length > 0 && this.accepted[0]!.at <= now - this.windowMs) this.accepted.shift();
    for (const { key, max } of limits) {
      let count = 0;
      for (const a of this.accepted) if (a.keys.includes(key)) count++;
      if (count >= max) return false;
    }
    this.accepted.push({ at: now, keys: limits.map((l) => l.key) });
    return true;
  }
}
