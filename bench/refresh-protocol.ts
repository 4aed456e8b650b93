// What bench/refresh.ts and its children agree on: the messages they trade over
// fork() IPC, and the measure every measured child takes of itself (CPU with
// process.cpuUsage(), which counts libuv's threadpool too, e.g. zlib; the
// longest event-loop stall; RSS, its peak, after a forced gc). Measuring inside
// the child keeps the parent's own work (HTTP client, checking pages) out of it.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One measured step, as the child saw it. */
export interface Measure {
  /** User + system CPU of the whole process (all threads). */
  cpuMs: number;
  wallMs: number;
  /** Longest event-loop delay (monitorEventLoopDelay, 1 ms resolution). */
  eldMaxMs: number;
  /** Peak RSS during the step (VmHWM, reset at its start), or undefined where Linux's clear_refs is unavailable. */
  peakRssMb: number | undefined;
}

export interface Memory {
  rssMb: number;
  /** JS heap used, and what V8 holds for it. */
  heapMb: number;
  heapTotalMb: number;
  /** Memory outside the JS heap that V8 knows of (Buffers and other array buffers among it). */
  externalMb: number;
}

export type ToChild =
  | { type: 'begin'; id: number; advanceMs?: number }
  | { type: 'end'; id: number }
  | { type: 'refresh'; id: number }
  | { type: 'memory'; id: number }
  | { type: 'run'; id: number }
  | { type: 'stats'; id: number };

export type FromChild =
  | { type: 'ready'; url: string }
  | { type: 'begun'; id: number; nowMs: number }
  | { type: 'ended'; id: number; measure: Measure }
  | { type: 'refreshed'; id: number; measure: Measure; series: number }
  | { type: 'memory'; id: number; memory: Memory }
  | { type: 'result'; id: number; result: unknown };

/** Measures one step of this process at a time. */
export class Meter {
  private readonly eld = monitorEventLoopDelay({ resolution: 1 });
  private cpu = process.cpuUsage();
  private started = 0;
  private readonly hwm: boolean;

  constructor() {
    this.eld.enable();
    this.hwm = resetPeakRss();
  }

  /** A gc first (not measured), so that one step's garbage is not charged to the next. */
  begin(): void {
    global.gc?.();
    if (this.hwm) resetPeakRss();
    this.eld.reset();
    this.cpu = process.cpuUsage();
    this.started = performance.now();
  }

  end(): Measure {
    const cpu = process.cpuUsage(this.cpu);
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - this.started,
      eldMaxMs: this.eld.max / 1e6,
      peakRssMb: this.hwm ? peakRssMb() : undefined,
    };
  }
}

/** RSS and heap after a gc. */
export function memoryNow(): Memory {
  global.gc?.();
  const m = process.memoryUsage();
  return { rssMb: m.rss / 1e6, heapMb: m.heapUsed / 1e6, heapTotalMb: m.heapTotal / 1e6, externalMb: m.external / 1e6 };
}

/** Linux: writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssMb(): number | undefined {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb === undefined ? undefined : (Number(kb) * 1024) / 1e6;
}

/** In a child: answers the parent's messages with `handle`. */
export function serveParent(handle: (m: ToChild) => Promise<FromChild | undefined>): void {
  process.on('message', (m: ToChild) => {
    void handle(m).then(
      (reply) => reply && process.send!(reply),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
  // The parent is gone (done, or killed): so are we.
  process.on('disconnect', () => process.exit(0));
}

let nextId = 1;

/** A message to a child, without the id `ask` gives it. */
export type Outgoing = { [K in ToChild['type']]: Omit<Extract<ToChild, { type: K }>, 'id'> }[ToChild['type']];

/** In the parent: sends a message and waits for the child's answer to it (or fails if the child exits first). */
export function ask<T extends FromChild['type']>(child: ChildProcess, message: Outgoing, answer: T): Promise<Extract<FromChild, { type: T }>> {
  const id = nextId++;
  const reply = awaitMessage(child, (m): m is Extract<FromChild, { type: T }> => m.type === answer && 'id' in m && m.id === id, message.type);
  child.send({ ...message, id });
  return reply;
}

/** In the parent: waits for a child's `ready` and returns its URL. */
export async function ready(child: ChildProcess): Promise<string> {
  const m = await awaitMessage(child, (m): m is Extract<FromChild, { type: 'ready' }> => m.type === 'ready', 'ready');
  return m.url;
}

function awaitMessage<M extends FromChild>(child: ChildProcess, wanted: (m: FromChild) => m is M, what: string): Promise<M> {
  return new Promise<M>((resolve, reject) => {
    const onMessage = (m: FromChild) => {
      if (!wanted(m)) return;
      done();
      resolve(m);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`child exited (${code ?? signal}) before answering ${what}`));
    };
    const done = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
