// Serves a simulator's express app on loopback, for tests and --demo.
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface SimServer {
  url: string;
  /** Stops listening and drops open connections, so a test never waits on a client's keep-alive. */
  readonly close: () => Promise<void>;
}

/** Listens on 127.0.0.1 (port 0: any free port). */
export async function listenOnLoopback(app: Express, port = 0): Promise<SimServer> {
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
