// Deterministic noise for the simulated worlds: the same inputs always give the
// same value, so tests can compute exactly what a simulator answers.
import { stableHash } from '../shard.js';

/** A number in [0, 1) from strings and numbers: FNV-1a of the joined parts, then a final avalanche. */
export function unitHash(...parts: Array<string | number>): number {
  let h = stableHash(parts.join('|'));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 0x1_0000_0000;
}

/** A number in [0, 1) from two integers (a mixing step of splitmix/murmur); no string work, for hot loops. */
export function unitMix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** mulberry32: a small deterministic PRNG, so a run or a failure reproduces from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
