import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createShard, parseShardIndex, stableHash } from '../../src/shard.js';
import { parseFlags } from '../../src/flags.js';

describe('sharding', () => {
  it('gives every room to exactly one of N shards, spread evenly, the same way every time', () => {
    const shards = [0, 1, 2].map((i) => createShard(i, 3));
    const ids = Array.from({ length: 3000 }, (_, i) => `app-1\u001froom-${i}`);
    const counts = [0, 0, 0];
    for (const id of ids) {
      const owners = shards.filter((s) => s.owns(id));
      assert.equal(owners.length, 1, `${id} owned by ${owners.length} shards`);
      counts[owners[0]!.index]!++;
    }
    for (const c of counts) assert.ok(c > 900 && c < 1100, `uneven split: ${counts}`);
    // Pinned FNV-1a values (computed independently): a change of hash would move every room to another replica.
    assert.equal(stableHash('live.example.com'), 0x5809659c);
    assert.equal(stableHash(''), 0x811c9dc5);
  });

  it('divides account-wide budgets so that the replicas together stay under them', () => {
    assert.equal(createShard(0, 3).share(30), 10);
    assert.equal(createShard(2, 4).share(30), 7);
    assert.equal(createShard(0, 50).share(30), 1);
    assert.equal(createShard(0, 1).share(30), 30);
  });

  it('takes its index from a number or from a StatefulSet pod name', () => {
    assert.equal(parseShardIndex('2'), 2);
    assert.equal(parseShardIndex('rtc-cdn-exporter-12'), 12);
    assert.equal(parseShardIndex('exporter'), undefined);
    const flags = parseFlags(['--shard.count=3', '--shard.index=release-rtc-cdn-exporter-2']);
    assert.equal(flags.shardIndex, 2);
    assert.equal(flags.shardCount, 3);
    assert.throws(() => parseFlags(['--shard.count=3', '--shard.index=3']), /--shard\.index/);
    assert.throws(() => parseFlags(['--shard.count=0']), /--shard\.count/);
  });
});
