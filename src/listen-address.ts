// --web.listen-address: "host:port", "[v6]:port", or ":port" for every interface.

export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`--web.listen-address: "${address}" is not host:port; write it like ":10187" or "127.0.0.1:10187"`);
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port };
}
