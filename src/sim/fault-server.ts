// A loopback proxy in front of a simulator that misbehaves at the socket level
// on demand: refused connections, resets mid-body, no answer, a body that drips,
// gzip bombs, oversized bodies and canned answers. Without a queued fault it
// forwards each request to the simulator unchanged. Tests only.
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { FaultQueue } from './faults.js';

/**
 * `reset`: headers and half a body, then the connection is destroyed; `hang`:
 * the request is read and never answered; `drip`: a 200 whose body comes one
 * byte every `dripMs`; `gzip_bomb`: Content-Encoding gzip over `inflatedBytes`
 * of zeros; `oversize`: a 200 JSON body of `bytes`; `answer`: this status, body
 * and headers instead of the simulator's.
 */
export type SocketFault =
  | 'reset'
  | 'hang'
  | { drip: { dripMs: number } }
  | { gzipBomb: { inflatedBytes: number } }
  | { oversize: { bytes: number } }
  | { answer: { status: number; body: string; headers?: Record<string, string> } };

export interface FaultServer {
  url: string;
  readonly faults: FaultQueue<SocketFault>;
  /** Requests seen (forwarded or faulted). */
  readonly seen: () => number;
  /** Where requests without a fault go (a simulator's base URL). */
  setTarget(url: string): void;
  /** Stops listening (new connections are refused) and drops open ones. */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 in front of `target` (a simulator's base URL; or set later). */
export async function faultServer(target?: string): Promise<FaultServer> {
  const faults = new FaultQueue<SocketFault>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let seen = 0;
  let upstream = target === undefined ? undefined : new URL(target);
  const server = createServer((req, res) => {
    seen++;
    const fault = faults.take();
    if (!fault) return upstream ? forward(req, res, upstream) : void res.writeHead(502).end();
    req.resume();
    req.on('end', () => answerWith(fault, res, timers));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    seen: () => seen,
    setTarget: (url) => (upstream = new URL(url)),
    refuse: stop,
    accept: () => listen(port),
    close: stop,
  };
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

function answerWith(fault: SocketFault, res: ServerResponse, timers: Set<NodeJS.Timeout>): void {
  res.on('error', () => undefined);
  if (fault === 'hang') return; // the socket stays open until the client gives up or the server closes
  if (fault === 'reset') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"data": [{"uid": "u1", "peerid": "0", "mid": "aji');
    const t = setTimeout(() => res.socket?.resetAndDestroy(), 5);
    timers.add(t);
    return;
  }
  if ('drip' in fault) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const body = '{"data": []}'.padEnd(10_000, ' ');
    let i = 0;
    const next = () => {
      if (res.destroyed || i >= body.length) return void res.end();
      res.write(body[i++]!);
      const t = setTimeout(next, fault.drip.dripMs);
      timers.add(t);
    };
    return next();
  }
  if ('gzipBomb' in fault) {
    const bomb = gzipSync(Buffer.alloc(fault.gzipBomb.inflatedBytes), { level: 9 });
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
    return void res.end(bomb);
  }
  if ('oversize' in fault) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1 << 20, 0x20);
    let left = fault.oversize.bytes;
    res.write('{"data": [');
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        left -= chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end(']}');
    };
    res.on('close', () => (left = 0));
    return pump();
  }
  res.writeHead(fault.answer.status, { 'content-type': 'application/json', ...fault.answer.headers });
  res.end(fault.answer.body);
}
