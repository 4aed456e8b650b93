import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryLogger } from '../../src/sim/memory-logger.js';

describe('logger', () => {
  it('masks secret values anywhere and redacts authorization headers', () => {
    const { logger, lines } = memoryLogger(['sk-VERY-SECRET-1', 'pa"ss\\word']);
    logger.error({ url: 'https://x/?sig=sk-VERY-SECRET-1', headers: { authorization: 'Basic dXNlcjpwYXNz' } }, 'failed with sk-VERY-SECRET-1');
    logger.info({ note: 'pa"ss\\word' }, 'escaped in JSON');
    const all = lines.join('\n');
    assert.doesNotMatch(all, /sk-VERY-SECRET-1/);
    assert.doesNotMatch(all, /dXNlcjpwYXNz/);
    assert.doesNotMatch(all, /ss\\\\word/);
    assert.match(all, /\[REDACTED\]/);
    assert.equal(lines.length, 2);
  });
});
