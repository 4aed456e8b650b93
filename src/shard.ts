// Sharding across replicas: each exporter owns the rooms / domains whose
// stable hash falls on its index, and takes its share of every request budget
// so that the vendor's account-wide limits still hold for the whole set.

export interface Shard {
  readonly index: number;
  readonly count: number;
  /** True when this shard exports the unit (room, domain) with that stable id. */
  owns(id: string): boolean;
  /** This shard's part of an account-wide limit (at least 1). */
  share(limit: number): number;
}

/** 32-bit FNV-1a: stable across processes, versions and platforms (never Math.random or object order). */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

export function createShard(index: number, count: number): Shard {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a whole number ≥ 1, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`shard index must be between 0 and ${count - 1}, got ${index}`);
  return {
    index,
    count,
    owns: (id) => count === 1 || stableHash(id) % count === index,
    share: (limit) => Math.max(1, Math.floor(limit / count)),
  };
}

export const SINGLE_SHARD = createShard(0, 1);

/** "2", or a StatefulSet pod name such as "rtc-cdn-exporter-2": the ordinal at its end. */
export function parseShardIndex(text: string): number | undefined {
  const m = /^(?:.*-)?(\d+)$/.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}
