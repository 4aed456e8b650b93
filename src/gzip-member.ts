// One gzip member made of parts compressed separately. Each part is a raw
// deflate stream ended by a sync flush (byte-aligned, not final), so parts
// compressed at different times concatenate into one valid stream; the last
// part ends it. The member's CRC-32 is combined from the parts' CRCs, so no
// byte of an unchanged part is read again.
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** Fixed gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS unknown. */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);

/** A part of the member: its bytes' CRC-32 and length, and (once compressed) its deflate stream. */
export interface DeflatedPart {
  readonly crc: number;
  readonly length: number;
  readonly deflated: Buffer;
}

/**
 * A middle part, ending in a sync flush. Compressed here, not on the thread
 * pool: parts are small (a block, ~32 KB, well under a millisecond) and the
 * page build runs them in time slices; hundreds of asynchronous streams at
 * once cost more CPU (a stream's setup each) and ~100 MB of zlib state.
 */
export function deflatePart(bytes: Buffer): Buffer {
  return deflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
}

/** The last part, small (the exporter's own metrics): compressed here, ending the stream. */
export function finalPart(text: string): DeflatedPart {
  const bytes = Buffer.from(text, 'utf8');
  return { crc: crc32(bytes), length: bytes.length, deflated: deflateRawSync(bytes) };
}

/** The member's trailer: CRC-32 and length (mod 2^32) of everything compressed. */
export function gzipTrailer(crc: number, length: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return trailer;
}

// CRC-32 combination: crc(A·B) = crc(A)·x^(8·|B|) ⊕ crc(B) over GF(2), in
// zlib's reflected bit order (bit 31 is x^0). x^(2^k) mod P is tabulated.
const POLY = 0xedb88320;

/** a·b mod P. */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

const X_POW_2K: number[] = [0x40000000]; // x^1
for (let k = 1; k < 32; k++) X_POW_2K.push(multiplyModP(X_POW_2K[k - 1]!, X_POW_2K[k - 1]!));

/** x^(8·bytes) mod P. */
function shiftFor(bytes: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) p = multiplyModP(X_POW_2K[k % 32]!, p);
  return p;
}

/** The CRC-32 of A followed by B, from A's CRC, B's CRC and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(shiftFor(lengthB), crcA) ^ crcB) >>> 0;
}
