// The server the exporter listens with: plain HTTP, or HTTPS and basic auth as
// --web.config.file says (the exporter-toolkit's format). Certificates, keys,
// the client CA and the web config itself are re-read when they change.
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { basicAuth } from './basic-auth.js';
import { clientCertPolicy } from './client-auth.js';
import type { SecretSink } from './secrets.js';
import type { WebTlsConfig } from './web-config.js';
import { WebConfigWatch } from './web-config-watch.js';
import { TlsContextReloader } from './web-tls.js';

export type WebServer = HttpServer | HttpsServer;

export interface WebServerOptions {
  /** --web.config.file; plain HTTP without authentication when unset. */
  webConfigFile: string | undefined;
  logger: Logger;
  /** Told of the web config's credentials (bcrypt hashes, private keys) so logs mask them. */
  secrets?: SecretSink;
}

/** A server for `app`, not yet listening; a ConfigError when the web config or its files do not load. */
export function createWebServer(app: RequestListener, opts: WebServerOptions): WebServer {
  if (opts.webConfigFile === undefined) return createHttpServer(app);
  const { logger } = opts;
  const watch = new WebConfigWatch(opts.webConfigFile, logger, opts.secrets);
  const auth = basicAuth(() => watch.last.users);
  const handler: RequestListener = (req, res) => {
    const web = watch.current();
    for (const [name, value] of web.headers) res.setHeader(name, value);
    auth(req, res, (err) => {
      if (err === undefined) return app(req, res);
      logger.error({ err: (err as Error).message }, 'basic auth failed');
      res.statusCode = 500;
      res.end();
    });
  };
  const tls = watch.last.tls;
  logger.info(
    { web_config: watch.file, tls: tls !== undefined, client_auth: tls?.clientAuth, basic_auth_users: watch.last.users.size, http2: false },
    'web config loaded',
  );
  if (tls === undefined) return createHttpServer(handler);

  const reloader = new TlsContextReloader(tls, logger, opts.secrets);
  const currentTls = () => watch.last.tls as WebTlsConfig;
  const server = createHttpsServer({ ...reloader.initial(), requestCert: clientCertPolicy(tls).requestCert, rejectUnauthorized: false }, handler);
  // Before the TLS server's own listener wraps the socket: what is set here applies to this connection.
  server.prependListener('connection', () => {
    const now = watch.current().tls as WebTlsConfig;
    reloader.refresh(now, (options) => server.setSecureContext(options));
    // tls.Server reads requestCert per connection; no method sets it after creation.
    (server as unknown as { requestCert: boolean }).requestCert = clientCertPolicy(now).requestCert;
  });
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const refused = clientCertPolicy(currentTls()).check(socket);
    if (refused === undefined) return;
    logger.warn({ remote: socket.remoteAddress, reason: refused }, 'TLS client refused');
    socket.destroy();
  });
  server.on('tlsClientError', (err, socket) => logger.debug({ remote: socket.remoteAddress, err: err.message }, 'TLS handshake failed'));
  return server;
}
