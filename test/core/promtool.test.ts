// The page must satisfy Prometheus's own parser and linter. promtool comes from
// Debian's `prometheus` package, which .ci/run installs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import request from 'supertest';
import { FakeSource, fakeExporter, sample } from '../helpers/fakes.js';

const BYTES = { name: 'test_traffic_bytes_total', help: 'Bytes "served".\nUpstream field: totalFlow (MB × 10^6).', type: 'counter' } as const;
const RATIO = { name: 'test_loss_ratio', help: 'Loss, 0–1 (upstream percent ÷ 100).', type: 'gauge' } as const;

describe('promtool check metrics', () => {
  it('accepts the whole /metrics page, tricky labels and special values included', async () => {
    const source = new FakeSource({
      keys: ['a', 'b'],
      refresher: async (key) => [
        sample({ room: `${key}"quoted"`, uid: 'back\\slash', peer: 'new\nline' }, 0.25, RATIO),
        sample({ room: `${key}-房间 🎥`, uid: '', peer: '0' }, NaN, RATIO),
        sample({ room: key, uid: 'inf', peer: '0' }, Infinity, RATIO),
        sample({ domain: `${key}.example.com`, stream: 'live/x' }, 1e21, BYTES),
      ],
    });
    const { exporter } = fakeExporter([source]);
    const res = await request(exporter.app).get('/metrics').expect(200);
    assert.match(res.text, /test_loss_ratio\{room="a\\"quoted\\"",uid="back\\\\slash",peer="new\\nline"\} 0\.25/);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' });
    assert.equal(check.error, undefined, `promtool not runnable (install Debian's prometheus package): ${check.error}`);
    assert.equal(check.status, 0, `promtool rejected the page:\n${check.stdout}${check.stderr}`);
  });
});
