// The simulator's fast per-series hash gives exactly unitHash's numbers, so
// qos/details serves the same values as World.value (tests and the golden demo
// page rely on them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unitHash } from '../../../src/sim/noise.js';
import { START } from '../../../src/sources/huawei-rtc/sim/drive.js';
import { seriesNoise } from '../../../src/sources/huawei-rtc/sim/series-noise.js';
import { ALL_MIDS, DEFAULT_WORLD, World } from '../../../src/sources/huawei-rtc/sim/world.js';

describe('huawei_rtc simulator: series noise', () => {
  it('equals unitHash of the parts and the time, for any parts (non-ASCII too) and times', () => {
    const parts: Array<Array<string | number>> = [
      [1, 'app1x00-room0-3', '10000', '0', 'ajitter'],
      [7, 'app7x01-room12--2', '10003', '10001', 'vblock'],
      [0, 'salle-été-ü', 'ユーザー', '', ''],
      ['', 'a|b', 3.5, -1, '😀'],
    ];
    const times = [START, START + 10_000, 0, -60_000, 1, 2 ** 53 - 1, 1.5, 1e21];
    for (const p of parts) {
      const noise = seriesNoise(...p);
      for (const t of times) assert.equal(noise(t), unitHash(...p, t), `${JSON.stringify(p)} at ${t}`);
    }
  });

  it('gives World.values equal to World.value at every point, spiking or not', () => {
    const world = new World({
      ...DEFAULT_WORLD,
      seed: 3,
      roomsPerApp: 4,
      maxUsers: 4,
      spikes: { fromMs: START, everyMs: 120_000, forMs: 60_000, slots: [0, 1] },
    });
    const times = Array.from({ length: 30 }, (_, i) => START + i * 10_000);
    for (const room of world.runningRooms(world.appIds()[0]!, START + 60 * 60_000)) {
      for (const u of world.users(room)) {
        for (const peer of ['0', ...world.users(room).map((p) => p.uid)]) {
          for (const mid of ALL_MIDS) {
            assert.deepEqual(
              world.values(room, u.uid, peer, mid, times),
              times.map((t) => world.value(room, u.uid, peer, mid, t)),
            );
          }
        }
      }
    }
  });
});
