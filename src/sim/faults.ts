// Faults a test queues for a simulator's next answers, first in first out.
export class FaultQueue<Fault> {
  private readonly queue: Fault[] = [];

  /** The next `times` requests that reach the simulator's fault check get `fault`. */
  push(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.queue.push(fault);
  }

  /** The fault for the current request, if one is queued. */
  take(): Fault | undefined {
    return this.queue.shift();
  }
}
