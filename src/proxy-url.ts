// A forward proxy's address, as a source's proxy_url or HTTP(S)_PROXY names it.
// It may carry a user and password; it prints with the password replaced, and
// it tells the secret registry every form the password takes on the wire.
import { inspect } from 'node:util';

const MASK = '[REDACTED]';

export class ProxyUrl {
  /** scheme://host:port, without credentials: where the agent connects. */
  readonly origin: string;
  /** The user, percent-decoded; empty when the proxy needs no credentials. */
  readonly username: string;
  readonly #password: string;
  /** The password as it stands in the URL (percent-encoded where the URL parser encoded it). */
  readonly #written: string;
  readonly #shown: string;

  constructor(url: URL) {
    this.origin = url.origin;
    this.username = decodeURIComponent(url.username);
    this.#password = decodeURIComponent(url.password);
    this.#written = url.password;
    const userinfo = url.username ? `${url.username}:${MASK}@` : '';
    this.#shown = `${url.protocol}//${userinfo}${url.host}`;
  }

  /** The Proxy-Authorization value, when the URL carries credentials. */
  authorization(): string | undefined {
    return this.username ? `Basic ${basic(this.username, this.#password)}` : undefined;
  }

  /** Every form of the password a log line could carry: as written, decoded, and inside Basic. */
  credentials(): string[] {
    if (!this.username) return [];
    return [...new Set([this.#password, this.#written, encodeURIComponent(this.#password), basic(this.username, this.#password)])];
  }

  toString(): string {
    return this.#shown;
  }
  toJSON(): string {
    return this.#shown;
  }
  [inspect.custom](): string {
    return this.#shown;
  }
}

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

/**
 * Parses a proxy URL: http:// or https://, a host, an optional port and
 * `user:password@`, nothing else. Returns the reason it is refused otherwise;
 * the reason never quotes the text, which may hold a password.
 */
export function parseProxyUrl(text: string): ProxyUrl | string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return 'has no scheme; write it like http://proxy.example.com:3128';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL; write it like http://proxy.example.com:3128 (or http://user:password@proxy.example.com:3128)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `the scheme must be http:// or https://, not ${url.protocol}//; write it like http://proxy.example.com:3128`;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return 'a proxy URL has no path, query or fragment; write only scheme://[user:password@]host:port';
  }
  if (url.username && !url.password) {
    // The agent sends credentials only as a pair: a user alone would silently authenticate as nobody.
    return 'a user without a password is not sent; write user:password@ (or neither)';
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return 'the user or password has a malformed %-escape; write % in a password as %25';
  }
  return new ProxyUrl(url);
}
