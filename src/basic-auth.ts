// basic_auth_users: HTTP basic auth in front of every route, as the toolkit
// does it. bcrypt is slow on purpose (tens of ms a check), and Prometheus sends
// the same credentials every scrape, so successful checks are remembered.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import bcrypt from 'bcryptjs';
import { LRUCache } from 'lru-cache';
import type { Secret } from './schema.js';

/** Successful (user, password, hash) checks remembered: a few per scraper. */
const CACHE_SIZE = 256;

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Answers 401 with `WWW-Authenticate: Basic` unless the request carries a user of `users()` and its password. */
export function basicAuth(users: () => ReadonlyMap<string, Secret>): Middleware {
  // Keyed by a digest: the cache holds no password.
  const verified = new LRUCache<string, true>({ max: CACHE_SIZE });
  return (req, res, next) => {
    const current = users();
    if (current.size === 0) return next();
    const credentials = parseBasic(req.headers.authorization);
    if (credentials === undefined) return deny(res);
    const hash = current.get(credentials.user);
    // An unknown user costs a bcrypt check too, against a configured hash (so at the
    // same cost), and always fails: response times do not tell which users exist.
    const against = (hash ?? current.values().next().value!).reveal();
    const key = createHash('sha256').update(`${credentials.user}\0${against}\0${credentials.password}`).digest('base64');
    if (hash !== undefined && verified.has(key)) return next();
    bcrypt.compare(credentials.password, against).then(
      (ok) => {
        if (!ok || hash === undefined) return deny(res);
        verified.set(key, true);
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function deny(res: ServerResponse): void {
  res.statusCode = 401;
  res.setHeader('WWW-Authenticate', 'Basic');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Unauthorized\n');
}
