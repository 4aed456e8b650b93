// A forward HTTP proxy on loopback, as a corporate egress proxy behaves: it
// relays absolute-URI requests (GET http://host/path) for http:// targets and
// opens CONNECT tunnels, optionally demanding Basic Proxy-Authorization, and
// records what it was asked for.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxiedRequest {
  /** GET, POST… for a relayed request; CONNECT for a tunnel. */
  method: string;
  /** host:port asked for. */
  target: string;
  /** The absolute URI of a relayed request; undefined for a tunnel. */
  url: string | undefined;
  /** The Proxy-Authorization header as received. */
  authorization: string | undefined;
  /** What the proxy answered: 407 when credentials were missing or wrong, else 200 or the target's status. */
  status: number;
}

export interface ForwardProxyOptions {
  /** `user:password` the proxy demands as Basic Proxy-Authorization; none by default. */
  credentials?: string;
}

export interface ForwardProxy {
  url: string;
  port: number;
  requests: ProxiedRequest[];
  /** Client connections open now. */
  openConnections(): number;
  /** Resolves when no client connection is open. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive']);

export async function startForwardProxy(opts: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let onIdle: Array<() => void> = [];
  const expected = opts.credentials === undefined ? undefined : `Basic ${Buffer.from(opts.credentials).toString('base64')}`;
  const allowed = (req: IncomingMessage) => expected === undefined || req.headers['proxy-authorization'] === expected;

  const relay = (req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      // An origin-form request (GET /path): this is a proxy, not the server itself.
      res.writeHead(400).end('absolute URI required');
      return;
    }
    const entry: ProxiedRequest = {
      method: req.method ?? '',
      target: target.host,
      url: target.href,
      authorization: req.headers['proxy-authorization'],
      status: 0,
    };
    requests.push(entry);
    if (!allowed(req)) {
      entry.status = 407;
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
    const upstream = request(target, { method: req.method, headers }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP_BY_HOP.has(k))));
      answer.pipe(res);
    });
    upstream.on('error', () => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };

  const server = createServer(relay);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    clients.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      clients.delete(socket);
      if (clients.size > 0) return;
      for (const resolve of onIdle) resolve();
      onIdle = [];
    });
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const entry: ProxiedRequest = { method: 'CONNECT', target, url: undefined, authorization: req.headers['proxy-authorization'], status: 0 };
    requests.push(entry);
    client.on('error', () => client.destroy());
    if (!allowed(req)) {
      entry.status = 407;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = splitHostPort(target);
    const upstream = connect(port, host, () => {
      entry.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (entry.status === 0) {
        entry.status = 502;
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      } else client.destroy();
    });
  });

  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    openConnections: () => clients.size,
    idle: () => (clients.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => onIdle.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitHostPort(target: string): [string, number] {
  const at = target.lastIndexOf(':');
  return [target.slice(0, at).replace(/^\[|\]$/g, ''), Number(target.slice(at + 1))];
}
