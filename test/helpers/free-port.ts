// A loopback port for a real process the test starts (Prometheus, etcd, kube-apiserver, the exporter).
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
