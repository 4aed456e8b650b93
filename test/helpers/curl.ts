// The real curl as the client of the TLS and basic-auth tests: spawned, never
// blocking the event loop the server under test runs on.
import { spawn } from 'node:child_process';

export interface CurlResult {
  /** curl's exit code: 0 when a response arrived, whatever its status. */
  code: number;
  /** The HTTP status, 0 when none arrived. */
  status: number;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
  body: string;
  /** curl's messages (with -v: the handshake, the certificate's subject). */
  stderr: string;
}

const STATUS_MARK = '\n--curl-status:';

export async function curl(url: string, args: readonly string[] = []): Promise<CurlResult> {
  const child = spawn('curl', ['-sS', '--max-time', '10', '-D', '-', '-w', `${STATUS_MARK}%{http_code}`, ...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? -1));
  });
  const at = out.lastIndexOf(STATUS_MARK);
  const status = at < 0 ? 0 : Number(out.slice(at + STATUS_MARK.length));
  const response = at < 0 ? out : out.slice(0, at);
  const split = response.indexOf('\r\n\r\n');
  const head = split < 0 ? '' : response.slice(0, split);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { code, status, headers, body: split < 0 ? '' : response.slice(split + 4), stderr };
}
