// Due times on a fixed grid: how often something is refreshed then depends on
// its interval alone, not on when scrapes arrive or how many servers send them.

/**
 * The first point strictly after `afterMs` of the grid through `anchorMs` with
 * step `periodMs`; with a step of 0 (refresh at every scrape), `afterMs` itself.
 */
export function nextGridPoint(anchorMs: number, periodMs: number, afterMs: number): number {
  if (periodMs <= 0) return afterMs;
  return anchorMs + (Math.floor((afterMs - anchorMs) / periodMs) + 1) * periodMs;
}

/**
 * The anchor of a grid first asked for at `firstMs`: a hundredth of a step
 * earlier, so that the same Prometheus's later scrapes, which jitter by
 * milliseconds, land on a grid point or just after it, never just before (which
 * would put the refresh off by a whole scrape interval).
 */
export function gridAnchor(firstMs: number, periodMs: number): number {
  return firstMs - periodMs / 100;
}
