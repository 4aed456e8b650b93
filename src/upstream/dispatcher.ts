// The undici dispatchers upstream calls go through: the exporter's own, which
// honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY as undici reads them, and a
// source's own forward proxy when its config names one.
import { EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import { ConfigError } from '../config-error.js';
import { parseProxyUrl, ProxyUrl } from '../proxy-url.js';

const CONNECT_TIMEOUT_MS = 10_000;

const AGENT_OPTIONS = {
  connect: { timeout: CONNECT_TIMEOUT_MS },
  keepAliveTimeout: 30_000,
  // http:// targets go to the proxy as absolute-URI requests, as curl sends them: proxies
  // commonly allow CONNECT to port 443 only. https:// targets are tunnelled with CONNECT.
  proxyTunnel: false,
  // The hop to the proxy gets the same connect deadline as a direct connection.
  proxyTls: { timeout: CONNECT_TIMEOUT_MS },
};

/** A proxy the environment names: the URI undici is given, and its parsed form (for its password). */
export interface EnvironmentProxy {
  uri: string;
  url: ProxyUrl;
}

/** The proxies the environment names, in undici's order (the lower-case name first); a bad one is a ConfigError. */
export function proxyEnvironment(env: NodeJS.ProcessEnv = process.env): { http?: EnvironmentProxy; https?: EnvironmentProxy } {
  const problems: string[] = [];
  const read = (lower: string, upper: string): EnvironmentProxy | undefined => {
    const name = env[lower] !== undefined ? lower : upper;
    const text = env[name];
    if (!text) return undefined;
    // A bare host:port means http://, as curl and Go read it.
    const uri = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
    const url = parseProxyUrl(uri);
    if (url instanceof ProxyUrl) return { uri, url };
    problems.push(`environment variable ${name}: ${url}`);
    return undefined;
  };
  const http = read('http_proxy', 'HTTP_PROXY');
  const https = read('https_proxy', 'HTTPS_PROXY');
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...(http ? { http } : {}), ...(https ? { https } : {}) };
}

/**
 * The exporter's dispatcher: direct, or through the proxy HTTP_PROXY / HTTPS_PROXY
 * names unless NO_PROXY covers the host (undici reads NO_PROXY again when it changes).
 * `secrets` is told the proxies' passwords.
 */
export function environmentDispatcher(secrets: { add(value: string): void }): Dispatcher {
  const { http, https } = proxyEnvironment(process.env);
  for (const proxy of [http, https]) for (const value of proxy?.url.credentials() ?? []) secrets.add(value);
  // Passed explicitly: undici then uses the URLs as checked here (a bare host:port completed).
  return new EnvHttpProxyAgent({
    ...AGENT_OPTIONS,
    ...(http ? { httpProxy: http.uri } : {}),
    ...(https ? { httpsProxy: https.uri } : {}),
  });
}

/** A source's dispatcher and how to let it go: created with the source, closed when the source is. */
export interface SourceDispatcher {
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Through the source's own proxy_url when it sets one (a dispatcher of its own), else the exporter's shared one. */
export function sourceDispatcher(proxy: ProxyUrl | undefined, shared: Dispatcher): SourceDispatcher {
  if (!proxy) return { dispatcher: shared, close: async () => {} };
  const token = proxy.authorization();
  // The URI without credentials: they go as the token, so the agent never holds the password in a URL.
  const agent = new ProxyAgent({ ...AGENT_OPTIONS, uri: proxy.origin, ...(token ? { token } : {}) });
  return { dispatcher: agent, close: () => agent.close() };
}
