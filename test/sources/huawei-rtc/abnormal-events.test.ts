import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbnormalEventCounter, eventLabels, type AbnormalEvent } from '../../../src/sources/huawei-rtc/abnormal-events.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const ev = (atMs: number, o: Partial<AbnormalEvent> = {}): AbnormalEvent => ({
  time: iso(atMs),
  uid: 'u1',
  room_id: 'r1',
  stage: 'communication',
  location: 'local',
  peer_uid: '',
  abnormal_type: 2,
  abnormal_factor: 6,
  ...o,
});

/** The counter's value for one (type, factor) pair, by label values. */
function total(c: AbnormalEventCounter, type: string, factor: string): number | undefined {
  return c.samples().find((s) => s.labels.type === type && s.labels.factor === factor)?.value;
}

describe('huawei_rtc abnormal events counter', () => {
  it('counts each event once across overlapping windows, and the new ones of each window', () => {
    const c = new AbnormalEventCounter('app1', T0, () => true);
    const a = ev(T0 + 60_000);
    const b = ev(T0 + 70_000, { uid: 'u2', location: 'remote', peer_uid: 'u1' });
    const d = ev(T0 + 130_000, { abnormal_type: 3, abnormal_factor: 4 });
    // Polls every minute over a 15-minute window: each answer repeats the earlier events.
    assert.equal(c.count([a], T0).counted, 1);
    assert.equal(c.count([b, a], T0 + 60_000).counted, 1);
    assert.equal(c.count([d, b, a], T0 + 120_000 - 15 * 60_000).counted, 1);
    assert.equal(c.count([d, b, a], T0 + 180_000 - 15 * 60_000).counted, 0);
    assert.equal(total(c, 'video_freeze', 'video_uplink_jitter'), 2);
    assert.equal(total(c, 'audio_freeze', 'audio_uplink_jitter'), 1);
  });

  it('tells apart events that differ in any field: the same second from another peer is another event', () => {
    const c = new AbnormalEventCounter('app1', T0, () => true);
    const at = T0 + 5_000;
    const events = [
      ev(at),
      ev(at, { peer_uid: 'u9', location: 'remote' }),
      ev(at, { uid: 'u2' }),
      ev(at, { abnormal_factor: 5 }),
      ev(at, { stage: 'join_room' }),
    ];
    assert.equal(c.count(events, T0).counted, 5);
    assert.equal(c.count([...events].reverse(), T0).counted, 0, 'the order of an answer does not matter');
  });

  it('never counts events from before the process started (a restart may have counted them)', () => {
    const started = T0 + 10 * 60_000;
    const c = new AbnormalEventCounter('app1', started, () => true);
    const before = ev(started - 1_000);
    const after = ev(started + 1_000);
    const r = c.count([after, before], started - 15 * 60_000);
    assert.equal(r.counted, 1);
    assert.deepEqual([...r.rooms], [['r1', 1]]);
    assert.equal(total(c, 'video_freeze', 'video_uplink_jitter'), 1);
  });

  it('starts every known (type, factor) at 0 and keeps unknown codes as code_<n>', () => {
    const c = new AbnormalEventCounter('app1', T0, () => true);
    const zero = c.samples();
    assert.ok(zero.length >= 58, `${zero.length} series`);
    assert.ok(zero.every((s) => s.value === 0 && s.labels.app_id === 'app1'));
    assert.equal(total(c, 'slow_join', 'server_error'), 0);
    assert.equal(total(c, 'audio_freeze', 'peer_offline'), 0);
    c.count([ev(T0 + 1_000, { abnormal_factor: 99 }), ev(T0 + 2_000, { abnormal_type: 7, abnormal_factor: 1 })], T0);
    assert.equal(total(c, 'video_freeze', 'code_99'), 1);
    assert.equal(total(c, 'code_7', 'code_1'), 1, 'an unknown type keeps its factor code too');
    assert.deepEqual(eventLabels(1, 90000004), { type: 'slow_join', factor: 'join_signalling_timeout' });
    assert.deepEqual(eventLabels(1, 6), { type: 'slow_join', factor: 'auth_retry' }, 'factor codes mean different things per type');
    assert.deepEqual(eventLabels(2, 6), { type: 'video_freeze', factor: 'video_uplink_jitter' });
  });

  it('counts only the rooms this replica owns', () => {
    const c = new AbnormalEventCounter('app1', T0, (room) => room === 'mine');
    const r = c.count([ev(T0 + 1_000, { room_id: 'mine' }), ev(T0 + 1_000, { room_id: 'other' })], T0);
    assert.equal(r.counted, 1);
    assert.deepEqual([...r.rooms], [['mine', 1]]);
  });

  it('forgets events once the window has moved past them, and drops events with a bad time', () => {
    const c = new AbnormalEventCounter('app1', T0, () => true);
    const events = Array.from({ length: 100 }, (_, i) => ev(T0 + i * 1_000, { uid: `u${i}` }));
    c.count(events, T0);
    assert.equal(c.remembered, 100);
    c.count([], T0 + 50_000);
    assert.equal(c.remembered, 50, 'events older than the window start are forgotten');
    const r = c.count([ev(T0 + 60_000, { time: 'yesterday' })], T0 + 50_000);
    assert.deepEqual(Object.fromEntries(r.dropped), { bad_time: 1 });
  });
});
