// Reads a file named in the config (or by --config.file) without trusting it:
// only a regular file, at most `maxBytes`, valid UTF-8. A FIFO, a device such as
// /dev/zero or a directory would otherwise hang the process or fill its memory.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
export const VALUE_FILE_MAX_BYTES = 64 * 1024;

/** Why a file was refused, phrased to follow "cannot read <file> (…)". */
export class FileRefused extends Error {}

export function readRegularFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new FileRefused((err as NodeJS.ErrnoException).code ?? String(err));
  }
  try {
    // fstat after open, not stat before: the file checked is the file read.
    const kind = fileKind(fstatSync(fd));
    if (kind !== undefined) throw new FileRefused(`it is ${kind}, not a regular file`);
    return decodeUtf8(readAtMost(fd, maxBytes, path));
  } finally {
    closeSync(fd);
  }
}

function fileKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads up to maxBytes; one byte more means the file is too big (st.size lies for /proc files). */
function readAtMost(fd: number, maxBytes: number, path: string): Buffer {
  const buf = Buffer.alloc(maxBytes + 1);
  let length = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, length, buf.length - length, null);
    } catch (err) {
      throw new FileRefused(`${(err as NodeJS.ErrnoException).code ?? String(err)} reading ${path}`);
    }
    if (n === 0) break;
    length += n;
    if (length > maxBytes) throw new FileRefused(`it is larger than ${formatBytes(maxBytes)}`);
  }
  return buf.subarray(0, length);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // Name the line of the first bad byte so the user can find it.
    const text = bytes.toString('utf8');
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    throw new FileRefused(`it is not valid UTF-8 text (first bad byte on line ${line})`);
  }
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`;
}
