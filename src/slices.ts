// Long synchronous work cut into slices of a few milliseconds, with the event
// loop run between them: scrapes, health probes and timers are served while a
// large answer is read or the page rebuilt (the stall goal is 50 ms).

/** Synchronous work between two yields. */
export const SLICE_MS = 5;

export class TimeSlices {
  private sliceStart = performance.now();

  /** True when the current slice has run its time: then `await yieldNow()`. */
  due(): boolean {
    return performance.now() - this.sliceStart > SLICE_MS;
  }

  /** Lets the event loop run (I/O and timers included), then starts a new slice. */
  async yieldNow(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
