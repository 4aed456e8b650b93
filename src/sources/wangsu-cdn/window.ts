// Which settled window a batch reads next: the latest one normally, or the
// next one after its watermark when it fell behind (failures, throttling).

export interface WindowPlanInput {
  /** End of the latest slice that may be read: floor(now − delay). */
  targetMs: number;
  /** End of the batch's last processed window, if any. */
  watermarkMs: number | undefined;
  baselineMs: number;
  windowMs: number;
  maxCatchUpMs: number;
}

/**
 * The next window of a batch. Normally the `windowMs` before the target; a
 * batch that fell behind (failures, throttling) steps forward from its
 * watermark one window per refresh, at most `maxCatchUpMs` back.
 */
export function planWindow(p: WindowPlanInput): { fromMs: number; toMs: number } {
  const behind = Math.max(p.watermarkMs ?? p.baselineMs, p.targetMs - p.maxCatchUpMs);
  if (p.targetMs - behind > p.windowMs) return { fromMs: behind, toMs: behind + p.windowMs };
  return { fromMs: p.targetMs - p.windowMs, toMs: p.targetMs };
}
