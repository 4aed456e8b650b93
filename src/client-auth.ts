// The toolkit's client_auth_type modes and client_allowed_sans, checked per
// connection once the handshake is done. Node verifies a client certificate
// against the client CA but never fails the handshake itself, so the server
// asks for a certificate whenever a mode may use one and this policy decides.
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WebTlsConfig } from './web-config.js';

export interface ClientCertPolicy {
  /** Whether the server asks the client for a certificate. */
  requestCert: boolean;
  /** Why this connection must be closed, or undefined when it may go on. */
  check(socket: TLSSocket): string | undefined;
}

export function clientCertPolicy(tls: Pick<WebTlsConfig, 'clientAuth' | 'allowedSans'>): ClientCertPolicy {
  const mode = tls.clientAuth;
  const allowed = tls.allowedSans === undefined ? undefined : new Set(tls.allowedSans.map(canonicalSan));
  const required = mode === 'RequireAnyClientCert' || mode === 'RequireAndVerifyClientCert';
  const verified = mode === 'VerifyClientCertIfGiven' || mode === 'RequireAndVerifyClientCert';
  return {
    requestCert: mode !== 'NoClientCert',
    check(socket) {
      const cert = socket.getPeerX509Certificate();
      if (cert === undefined) return required ? 'no client certificate' : undefined;
      if (verified && !socket.authorized) return `client certificate not verified by the client CA (${String(socket.authorizationError)})`;
      if (allowed !== undefined && !subjectAltNames(cert.subjectAltName).some((san) => allowed.has(san))) {
        return 'client certificate has none of client_allowed_sans';
      }
      return undefined;
    },
  };
}

/** The values of a certificate's SANs (DNS, IP, e-mail, URI), as Node prints them: `DNS:a, IP Address:1.2.3.4`, odd values JSON-quoted. */
export function subjectAltNames(printed: string | undefined): string[] {
  const out: string[] = [];
  for (const m of (printed ?? '').matchAll(/(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = m[2]!;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    out.push(m[1] === 'IP Address' ? canonicalSan(value) : value);
  }
  return out;
}

/** IPv6 in its short form (Node prints 0:0:0:0:0:0:0:1 where Go and a config write ::1); anything else as is. */
function canonicalSan(value: string): string {
  return isIP(value) === 6 ? new URL(`http://[${value}]/`).hostname.slice(1, -1) : value;
}
