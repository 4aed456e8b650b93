// --web.config.file: the exporter-toolkit's web config (node_exporter's), read
// with the same YAML guards as the main config and checked strictly: every key
// the toolkit documents, every problem naming its key and the fix. What Node
// cannot honour is refused here, never served as something weaker.
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { CONFIG_FILE_MAX_BYTES, FileRefused, readRegularFile } from './config-file.js';
import { MAX_DEPTH, parseYaml } from './config-yaml.js';
import { describe, formatIssue } from './config.js';
import { Secret } from './schema.js';
import { tlsMaterialProblems } from './web-tls.js';
import { CIPHER_SUITES, CURVES, TLS13_SUITES, TLS_VERSIONS, UNSERVABLE_TLS_VERSIONS } from './web-tls-names.js';

const REFERENCE = 'the README, Security';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** The headers the toolkit lets a web config set, with the values it allows (any, where none are listed). */
const ALLOWED_HEADERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Strict-Transport-Security', []],
  ['X-Content-Type-Options', ['nosniff']],
  ['X-Frame-Options', ['deny', 'sameorigin']],
  ['X-XSS-Protection', []],
  ['Content-Security-Policy', []],
]);

/** What Go's bcrypt accepts: $2$, $2a$, $2b$ or $2y$, a two-digit cost from 4 to 31, 22 salt and 31 hash characters. */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** PEM given as a file (re-read when it changes) or inline in the web config. */
export type PemSource = { file: string } | { inline: Secret };

export interface WebTlsConfig {
  cert: PemSource;
  key: PemSource;
  clientCa: PemSource | undefined;
  clientAuth: ClientAuthType;
  /** Client certificates must carry one of these SANs (DNS, IP, e-mail or URI), when set. */
  allowedSans: readonly string[] | undefined;
  minVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
  maxVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
  /** OpenSSL cipher list for TLS 1.2, when the config restricts it. */
  ciphers: string | undefined;
  honorCipherOrder: boolean;
  /** OpenSSL curve list, when the config restricts it. */
  ecdhCurve: string | undefined;
}

export interface WebConfig {
  /** HTTPS when set, plain HTTP otherwise. */
  tls: WebTlsConfig | undefined;
  /** Accepted for compatibility; Node's HTTPS server here speaks HTTP/1.1 only. */
  http2: boolean;
  /** Response headers added to every answer. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Basic-auth users and their bcrypt hashes; none means no authentication. */
  users: ReadonlyMap<string, Secret>;
}

const versionName = z.string().transform((v, ctx) => {
  if (v in TLS_VERSIONS) return TLS_VERSIONS[v as keyof typeof TLS_VERSIONS];
  ctx.addIssue({
    code: 'custom',
    message: UNSERVABLE_TLS_VERSIONS.has(v)
      ? `"${v}" cannot be served: Node's OpenSSL 3 refuses TLS 1.0 and 1.1 at its default security level; write TLS12 or TLS13`
      : `"${v}" is not a TLS version; write TLS12 or TLS13`,
  });
  return z.NEVER;
});

const cipherName = z.string().transform((v, ctx) => {
  // TLS 1.3 suites cannot be configured in Go either: accepted, and left to the defaults.
  if (TLS13_SUITES.has(v)) return undefined;
  const openssl = CIPHER_SUITES.get(v);
  if (openssl !== undefined) return openssl;
  ctx.addIssue({
    code: 'custom',
    message: `"${v}" is not a cipher suite the exporter-toolkit accepts; use Go's names of secure suites, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`,
  });
  return z.NEVER;
});

const curveName = z.string().transform((v, ctx) => {
  const node = CURVES.get(v);
  if (node !== undefined) return node;
  ctx.addIssue({ code: 'custom', message: `"${v}" is not a curve; write ${[...CURVES.keys()].join(', ')}` });
  return z.NEVER;
});

const tlsShape = z.strictObject({
  cert: z.string().optional(),
  key: z.string().optional(),
  client_ca: z.string().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  // RequireClientCert: the toolkit's old name, kept for the files that still use it.
  client_auth_type: z.enum([...CLIENT_AUTH_TYPES, 'RequireClientCert']).default('NoClientCert'),
  client_ca_file: z.string().optional(),
  client_allowed_sans: z.array(z.string()).optional(),
  min_version: versionName.prefault('TLS12'),
  max_version: versionName.prefault('TLS13'),
  cipher_suites: z.array(cipherName).optional(),
  prefer_server_cipher_suites: z.boolean().default(true),
  curve_preferences: z.array(curveName).optional(),
});

const httpShape = z.strictObject({
  http2: z.boolean().default(true),
  headers: z.record(z.string(), z.string()).optional(),
});

const bcryptHash = z.string().refine((h) => BCRYPT_HASH.test(h), {
  // Never the value: it is a credential.
  message: `is not a bcrypt hash ($2y$, $2b$ or $2a$, cost 4 to 31, 60 characters); make one with: htpasswd -nBC 10 "" | tr -d ':\\n'`,
});

const webShape = z.strictObject({
  tls_server_config: tlsShape.nullish(),
  http_server_config: httpShape.nullish(),
  basic_auth_users: z.record(z.string(), bcryptHash).nullish(),
  rate_limit: z
    .custom<undefined>((v) => v === undefined, {
      error: 'is not supported by this exporter; remove it (limit request rates in a proxy in front if you need to)',
    })
    .optional(),
});

type TlsInput = z.output<typeof tlsShape>;

export interface WebConfigParseOptions {
  /** For messages: the file name. */
  name?: string;
  /** Where relative file names start: the web config's own directory, as in the toolkit. */
  baseDir?: string;
}

/** Parses a web config's text; throws ConfigError naming every problem. Does not read the files it names. */
export function parseWebConfig(text: string, opts: WebConfigParseOptions = {}): WebConfig {
  const name = opts.name ?? 'web config';
  const raw: unknown = parseYaml(text, name) ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([`${name}: the top level must be a mapping of keys, not ${describe(raw)}`]);
  }
  const forbidden = forbiddenKeys(raw, []);
  if (forbidden.length > 0) throw new ConfigError(forbidden);
  const result = webShape.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => formatIssue(issue, REFERENCE)));
  const { tls_server_config: tlsIn, http_server_config: httpIn, basic_auth_users: usersIn } = result.data;

  const problems: string[] = [];
  const baseDir = opts.baseDir ?? process.cwd();
  const tls = tlsIn ? tlsConfig(tlsIn, baseDir, problems) : undefined;
  const headers: Array<[string, string]> = [];
  for (const [header, value] of Object.entries(httpIn?.headers ?? {})) {
    const at = `http_server_config.headers.${header}`;
    const allowed = ALLOWED_HEADERS.get(header);
    if (allowed === undefined) {
      problems.push(`${at}: this header cannot be set (the toolkit allows ${[...ALLOWED_HEADERS.keys()].join(', ')}); remove it`);
    } else if (allowed.length > 0 && !allowed.includes(value)) {
      problems.push(`${at}: must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')}, not ${JSON.stringify(value)}`);
    } else if (value !== '') {
      // Blank means unset, as the toolkit documents.
      headers.push([header, value]);
    }
  }
  const users = new Map<string, Secret>();
  for (const [user, hash] of Object.entries(usersIn ?? {})) {
    // Basic auth splits user and password at the first colon: such a user could never log in.
    if (user.includes(':')) problems.push(`basic_auth_users.${user}: a user name cannot contain ":"; rename the user`);
    else users.set(user, new Secret(hash));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { tls, http2: httpIn?.http2 ?? true, headers, users };
}

/** tls_server_config's cross-key rules (the toolkit's, plus a verifying mode needing its CA), and its files resolved. */
function tlsConfig(t: TlsInput, baseDir: string, problems: string[]): WebTlsConfig | undefined {
  const at = (key: string) => `tls_server_config.${key}`;
  const pem = (inline: string | undefined, file: string | undefined, key: string, what: string): PemSource | undefined => {
    // An empty string is unset, as in the toolkit.
    const hasInline = inline !== undefined && inline !== '';
    const hasFile = file !== undefined && file !== '';
    if (hasInline && hasFile) problems.push(`${at(`${key}_file`)}: set ${key} or ${key}_file, not both; remove one`);
    else if (hasFile) return { file: resolve(baseDir, file) };
    else if (hasInline) return { inline: new Secret(inline) };
    else if (what) problems.push(`${at(`${key}_file`)}: missing; set ${key}_file to ${what} (or ${key} to the PEM text)`);
    return undefined;
  };
  const cert = pem(t.cert, t.cert_file, 'cert', 'the PEM file of the server certificate');
  const key = pem(t.key, t.key_file, 'key', 'the PEM file of its private key');
  const clientCa = pem(t.client_ca, t.client_ca_file, 'client_ca', '');
  const clientAuth: ClientAuthType = t.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : t.client_auth_type;

  if (clientCa && clientAuth === 'NoClientCert') {
    problems.push(
      `${at('client_ca_file')}: a client CA is set but client_auth_type is NoClientCert; set client_auth_type: RequireAndVerifyClientCert (or remove the CA)`,
    );
  }
  if (!clientCa && (clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert')) {
    problems.push(`${at('client_ca_file')}: missing; client_auth_type ${clientAuth} verifies client certificates against it: set it to the CA's PEM file`);
  }
  if (t.client_allowed_sans !== undefined && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    problems.push(
      `${at('client_allowed_sans')}: needs a client certificate on every connection; set client_auth_type to RequireAndVerifyClientCert (or RequireAnyClientCert)`,
    );
  }
  if (t.min_version > t.max_version) {
    problems.push(`${at('min_version')}: is above max_version; lower min_version or raise max_version`);
  }
  if (!cert || !key) return undefined;
  const ciphers = (t.cipher_suites ?? []).filter((c) => c !== undefined);
  return {
    cert,
    key,
    clientCa,
    clientAuth,
    allowedSans: t.client_allowed_sans,
    minVersion: t.min_version,
    maxVersion: t.max_version,
    ciphers: ciphers.length > 0 ? ciphers.join(':') : undefined,
    honorCipherOrder: t.prefer_server_cipher_suites,
    ecdhCurve: t.curve_preferences?.length ? t.curve_preferences.join(':') : undefined,
  };
}

/** Keys that would reach an object's prototype in JavaScript: refused wherever they appear. */
function forbiddenKeys(value: unknown, path: string[]): string[] {
  if (typeof value !== 'object' || value === null || path.length > MAX_DEPTH) return [];
  const found: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const here = [...path, k];
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') found.push(`${here.join('.')}: "${k}" is not allowed as a key; remove it`);
    else found.push(...forbiddenKeys(v, here));
  }
  return found;
}

/** Reads and parses the web config file (not the files it names). */
export function readWebConfigFile(path: string): WebConfig {
  let text: string;
  try {
    text = readRegularFile(path, CONFIG_FILE_MAX_BYTES);
  } catch (err) {
    if (!(err instanceof FileRefused)) throw err;
    throw new ConfigError([`${path}: cannot read the web config file (${err.message}); check --web.config.file`]);
  }
  return parseWebConfig(text, { name: path, baseDir: dirname(resolve(path)) });
}

/** The startup check: the file parses and the certificate, key and CA it names can be loaded. */
export function loadWebConfigFile(path: string): WebConfig {
  const web = readWebConfigFile(path);
  if (web.tls) {
    const problems = tlsMaterialProblems(web.tls);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  return web;
}

/** The credentials a web config holds, for masking wherever text leaves the process. */
export function webConfigSecrets(web: WebConfig): string[] {
  const found = [...web.users.values()].map((h) => h.reveal());
  if (web.tls && 'inline' in web.tls.key) found.push(web.tls.key.inline.reveal());
  return found;
}
