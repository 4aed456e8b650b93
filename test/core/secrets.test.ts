import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretRegistry } from '../../src/secrets.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';

describe('secret registry', () => {
  it('masks whole values, their JSON-escaped form, and a clipped leading part', () => {
    const r = new SecretRegistry(['tok-0123456789abcdef', 'pa"ss\\word-long']);
    assert.equal(r.mask('a tok-0123456789abcdef b'), 'a [REDACTED] b');
    assert.equal(r.mask('clipped: tok-01234567…'), 'clipped: [REDACTED]…');
    assert.equal(r.mask(JSON.stringify({ p: 'pa"ss\\word-long' })), '{"p":"[REDACTED]"}');
    assert.equal(r.mask('pa"ss\\word-long'), '[REDACTED]');
    // Less than half of the value (and under 8 characters) is ordinary text.
    assert.equal(r.mask('tok-0123'), 'tok-0123');
  });

  it('leaves values under 4 characters alone, so logs are not garbled', () => {
    const r = new SecretRegistry(['abc', 'e']);
    assert.equal(r.mask('abcdef e'), 'abcdef e');
    assert.equal(r.size, 0);
  });

  it('grows at run time, and a logger built on it masks what is added later', () => {
    const r = new SecretRegistry();
    const { logger, lines } = memoryLogger(r);
    logger.info('before: run-time-token-XYZ');
    r.add('run-time-token-XYZ');
    logger.info('after: run-time-token-XYZ');
    assert.match(lines[0]!, /before: run-time-token-XYZ/);
    assert.match(lines[1]!, /after: \[REDACTED\]/);
  });

  it('keeps the newest per-request values only, and lasting ones for good', () => {
    const r = new SecretRegistry(['lasting-secret-value']);
    const sig = (i: number) => createHash('sha256').update(String(i)).digest('hex');
    for (let i = 0; i < 600; i++) r.addEphemeral(sig(i));
    assert.equal(r.mask(`Signature=${sig(0)}`), `Signature=${sig(0)}`, 'the oldest signature was dropped');
    assert.equal(r.mask(`Signature=${sig(599)}`), 'Signature=[REDACTED]');
    assert.equal(r.mask('lasting-secret-value'), '[REDACTED]');
  });
});
