// A reverse proxy that serves an upstream under a path prefix, as nginx's
// `location /exporters/rtc/ { proxy_pass http://exporter:9115/; }` does:
// `/exporters/rtc/x` goes to the upstream's `/x`, the bare prefix is redirected
// to its slashed form, and everything else is 404 here, never forwarded.
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PathPrefixProxy {
  port: number;
  /** Paths asked for outside the prefix (answered 404): an absolute link or asset shows up here. */
  readonly outside: string[];
  close(): Promise<void>;
}

/** `prefix` with its trailing slash, e.g. "/exporters/rtc/"; the upstream on loopback. */
export async function startPathPrefixProxy(prefix: string, upstreamPort: number): Promise<PathPrefixProxy> {
  const outside: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === prefix.slice(0, -1)) {
      res.writeHead(301, { Location: prefix }).end();
      return;
    }
    if (!url.startsWith(prefix)) {
      outside.push(url);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not behind this proxy\n');
      return;
    }
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: `/${url.slice(prefix.length)}`,
        headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`upstream: ${err.message}\n`));
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    outside,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
