// The requests a simulator answered, for tests and benchmarks to count and inspect.
import type { Request } from 'express';

export interface SimRequest {
  /** Simulator clock time when the request was recorded. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** HTTP status of the answer; 0 while it is pending. */
  status: number;
  /** The vendor's code in the answer's body, when it had one. */
  code?: string;
}

const MAX_RECORDED = 100_000;

export class RequestLog {
  /** Oldest first; callers may read it and clear it. */
  readonly records: SimRequest[] = [];

  constructor(private readonly max = MAX_RECORDED) {}

  /** Records a request; the caller may fill in the answer's status and code on the returned record later. */
  add(req: Request, at: number, status = 0, code?: string): SimRequest {
    const record: SimRequest = { at, method: req.method, path: req.path, query: req.query as SimRequest['query'], status };
    if (code !== undefined) record.code = code;
    this.records.push(record);
    // A demo runs for weeks: keep the newest half, so the splice runs once per max/2 requests.
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max / 2);
    return record;
  }
}
