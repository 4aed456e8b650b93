// unitHash (src/sim/noise.ts) of a series' many points, fast: qos/details
// serves every (user, peer, mid) series at every point of its window, each
// value the hash of "seed|room|uid|peer|mid|time". That hash is FNV-1a over
// the joined text, so the part before the time is hashed once per series and
// each point only continues it with its time's digits. Same numbers as
// unitHash (checked by test/sources/huawei-rtc/series-noise.test.ts), at a
// fraction of the cost: it was most of the simulator's time in the benches.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** `last => unitHash(...parts, last)`. */
export function seriesNoise(...parts: Array<string | number>): (last: number) => number {
  let prefix = FNV_OFFSET;
  for (const byte of Buffer.from(`${parts.join('|')}|`, 'utf8')) prefix = Math.imul(prefix ^ byte, FNV_PRIME);
  return (last) => {
    const text = String(last);
    let h = prefix;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
    // unitHash's final avalanche, from stableHash's unsigned result.
    h = h >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return (h >>> 0) / 0x1_0000_0000;
  };
}
