// The Wangsu simulator of bench/churn-exporter.ts, in a child process of its
// own so that its memory is not counted as the exporter's. Its clock is the
// parent's fake clock: every request carries the parent's fake time in the
// SIM_NOW_HEADER header, and the simulator's clock moves to it (never back).
import express from 'express';
import type { Clock } from '../src/clock.js';
import { listenOnLoopback } from '../src/sim/server.js';
import { SIM_NOW_HEADER, startSimWith, type ChildMessage, type ParentMessage } from './churn-exporter-setup.js';

/** A clock told the time by the requests; timers are never needed (no latency, no faults). */
class FedClock implements Clock {
  private current: number;
  constructor(start: number) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  feed(ms: number): void {
    if (ms > this.current) this.current = ms;
  }
  setTimeout(): never {
    throw new Error('the bench simulator has no timers');
  }
}

async function main(): Promise<void> {
  const start = Number(process.env.CHURN_T0);
  const clock = new FedClock(start);
  const sim = startSimWith(clock, start);
  const app = express();
  app.set('x-powered-by', false);
  app.use((req, _res, next) => {
    const now = Number(req.get(SIM_NOW_HEADER));
    if (Number.isFinite(now)) clock.feed(now);
    next();
  });
  app.use(sim.app);
  const server = await listenOnLoopback(app);
  const send = (m: ChildMessage) => process.send!(m);
  process.on('message', (m: ParentMessage) => {
    if (m.type !== 'memory') return;
    // The request log grows with every request: the bench never reads it.
    sim.requests.length = 0;
    global.gc?.();
    const mem = process.memoryUsage();
    send({ type: 'memory', rssMb: mem.rss / 1e6, heapMb: mem.heapUsed / 1e6 });
  });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  send({ type: 'ready', url: server.url });
}

void main();
