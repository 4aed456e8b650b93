// Certificates for the TLS tests, made by the real openssl into a directory
// the test owns: a CA, a server certificate for 127.0.0.1, a client
// certificate, and a second CA that trusts none of them.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Issued {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  ca: Issued;
  server: Issued;
  client: Issued;
  wrongCa: Issued;
  /** A client certificate issued by wrongCa. */
  wrongClient: Issued;
  /** Issues another certificate from `ca` (files `${name}.crt`, `${name}.key`). */
  issue(name: string, opts: IssueOptions): Issued;
}

export interface IssueOptions {
  cn: string;
  /** subjectAltName value, e.g. "IP:127.0.0.1" or "DNS:client.example". */
  san: string;
  usage: 'serverAuth' | 'clientAuth';
  serial: number;
  issuer?: Issued;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function makeCa(dir: string, name: string): Issued {
  const ca = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  newKey(ca.key);
  openssl(['req', '-x509', '-new', '-key', ca.key, '-out', ca.cert, '-days', '2', '-subj', `/CN=${name}`]);
  return ca;
}

function issueFrom(dir: string, name: string, ca: Issued, opts: IssueOptions): Issued {
  const out = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  newKey(out.key);
  const csr = join(dir, `${name}.csr`);
  openssl(['req', '-new', '-key', out.key, '-out', csr, '-subj', `/CN=${opts.cn}`]);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${opts.usage}\nsubjectAltName=${opts.san}\n`);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(opts.serial), '-days', '2', '-extfile', ext, '-out', out.cert]);
  return out;
}

export function makeTestPki(dir: string): TestPki {
  const ca = makeCa(dir, 'ca');
  const wrongCa = makeCa(dir, 'wrong-ca');
  const issue = (name: string, opts: IssueOptions) => issueFrom(dir, name, opts.issuer ?? ca, opts);
  return {
    dir,
    ca,
    wrongCa,
    server: issue('server', { cn: 'exporter', san: 'IP:127.0.0.1', usage: 'serverAuth', serial: 1001 }),
    client: issue('client', { cn: 'prometheus', san: 'DNS:prometheus.example', usage: 'clientAuth', serial: 2001 }),
    wrongClient: issue('wrong-client', { cn: 'intruder', san: 'DNS:prometheus.example', usage: 'clientAuth', serial: 3001, issuer: wrongCa }),
    issue,
  };
}
