// The HTTPS server's secure context from tls_server_config: certificate, key
// and client CA read from their files (or inline), checked piece by piece so a
// problem names its key, and rebuilt when one of the files changes.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';
import { CONFIG_FILE_MAX_BYTES, FileRefused, readRegularFile } from './config-file.js';
import { fileSignature } from './file-signature.js';
import type { SecretSink } from './secrets.js';
import type { PemSource, WebTlsConfig } from './web-config.js';

/** A problem with the TLS material, phrased "key: what; fix". */
class TlsMaterialError extends Error {}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function keyName(source: PemSource, name: string): string {
  return `tls_server_config.${'file' in source ? `${name}_file` : name}`;
}

function readPem(source: PemSource, name: string): string {
  if (!('file' in source)) return source.inline.reveal();
  try {
    return readRegularFile(source.file, CONFIG_FILE_MAX_BYTES);
  } catch (err) {
    if (!(err instanceof FileRefused)) throw err;
    throw new TlsMaterialError(`${keyName(source, name)}: cannot read ${source.file} (${err.message}); create it or fix the path`);
  }
}

/** Every certificate in a PEM text, each checked to parse. */
function certificates(pem: string, source: PemSource, name: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new TlsMaterialError(`${keyName(source, name)}: holds no PEM certificate; give a file with -----BEGIN CERTIFICATE-----`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new TlsMaterialError(`${keyName(source, name)}: certificate ${i + 1} cannot be parsed (${(err as Error).message}); replace it`);
    }
  });
}

/** The options Node's secure context takes, with every file read and checked now; throws TlsMaterialError. */
export function secureContextOptions(tls: WebTlsConfig, secrets?: SecretSink): SecureContextOptions {
  const cert = readPem(tls.cert, 'cert');
  const key = readPem(tls.key, 'key');
  // A file is how Kubernetes mounts a Secret: its content is masked wherever text leaves the process.
  secrets?.add(key);
  const [leaf] = certificates(cert, tls.cert, 'cert');
  try {
    createPrivateKey(key);
  } catch (err) {
    throw new TlsMaterialError(`${keyName(tls.key, 'key')}: not a usable private key (${(err as Error).message}); give an unencrypted PEM key`);
  }
  if (!leaf!.checkPrivateKey(createPrivateKey(key))) {
    throw new TlsMaterialError(`${keyName(tls.key, 'key')}: does not belong to the certificate in ${keyName(tls.cert, 'cert')}; give the matching pair`);
  }
  let ca: string | undefined;
  if (tls.clientCa) {
    ca = readPem(tls.clientCa, 'client_ca');
    certificates(ca, tls.clientCa, 'client_ca');
  }
  const options: SecureContextOptions = {
    cert,
    key,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    honorCipherOrder: tls.honorCipherOrder,
    ...(ca !== undefined ? { ca } : {}),
    ...(tls.ciphers !== undefined ? { ciphers: tls.ciphers } : {}),
    ...(tls.ecdhCurve !== undefined ? { ecdhCurve: tls.ecdhCurve } : {}),
  };
  try {
    createSecureContext(options);
  } catch (err) {
    throw new TlsMaterialError(`tls_server_config: OpenSSL refuses these settings (${(err as Error).message}); check cipher_suites and curve_preferences`);
  }
  return options;
}

/** What is wrong with the files and settings tls_server_config names, as config problems (none when they load). */
export function tlsMaterialProblems(tls: WebTlsConfig): string[] {
  try {
    secureContextOptions(tls);
    return [];
  } catch (err) {
    if (err instanceof TlsMaterialError) return [err.message];
    throw err;
  }
}

function signature(tls: WebTlsConfig): string {
  return [tls.cert, tls.key, tls.clientCa].map((s) => (s && 'file' in s ? fileSignature(s.file) : '')).join('|');
}

/**
 * Rebuilds the secure context when tls_server_config or one of its files
 * changed, as the toolkit re-reads them per connection. A set of files that
 * does not load (a certificate replaced before its key) is logged once and the
 * previous context keeps serving until the files change again.
 */
export class TlsContextReloader {
  private config: WebTlsConfig;
  private signature: string;

  constructor(
    tls: WebTlsConfig,
    private readonly logger: Logger,
    private readonly secrets?: SecretSink,
  ) {
    this.config = tls;
    this.signature = signature(tls);
  }

  /** The options to start the server with; a ConfigError when they do not load. */
  initial(): SecureContextOptions {
    try {
      return secureContextOptions(this.config, this.secrets);
    } catch (err) {
      if (err instanceof TlsMaterialError) throw new ConfigError([err.message]);
      throw err;
    }
  }

  /** Calls `apply` with new options when something changed and they load. */
  refresh(tls: WebTlsConfig, apply: (options: SecureContextOptions) => void): void {
    const now = signature(tls);
    if (tls === this.config && now === this.signature) return;
    this.config = tls;
    this.signature = now;
    try {
      apply(secureContextOptions(tls, this.secrets));
      this.logger.info('TLS certificate, key and client CA reloaded');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'TLS files cannot be loaded; the previous certificate keeps serving until they change');
    }
  }
}
