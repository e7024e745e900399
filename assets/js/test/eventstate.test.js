import test from 'node:test';
import assert from 'node:assert/strict';
import { describeState, duration, canPlace } from '../eventstate.js';

const now = Date.parse('2030-05-01T12:00:00Z');

test('durations read as hours, minutes and seconds', () => {
  assert.equal(duration(3725), '1 h 02 min 05 s');
  assert.equal(duration(189), '3 min 09 s');
  assert.equal(duration(41.2), '42 s');
  assert.equal(duration(-5), '0 s');
});

test('a scheduled canvas counts down to its opening', () => {
  assert.equal(describeState({ state: 'scheduled', opensAt: '2030-05-01T12:01:30Z' }, now), 'The canvas opens in 1 min 30 s.');
});

test('a paused canvas shows the organisers\' message', () => {
  assert.equal(describeState({ state: 'paused', pauseMessage: 'Back at noon' }, now), 'The canvas is paused: Back at noon');
  assert.equal(describeState({ state: 'paused' }, now), 'The canvas is paused.');
});

test('an open canvas says when it ends only on its last day', () => {
  assert.equal(describeState({ state: 'open' }, now), '');
  assert.equal(describeState({ state: 'open', closesAt: '2030-05-01T13:00:00Z' }, now), 'The canvas closes in 1 h 00 min 00 s.');
  assert.equal(describeState({ state: 'open', closesAt: '2030-05-09T13:00:00Z' }, now), '');
});

test('only an open canvas takes placements', () => {
  assert.equal(canPlace({ state: 'open' }), true);
  assert.equal(canPlace({ state: 'paused' }), false);
  assert.equal(canPlace({ state: 'closed' }), false);
  assert.equal(canPlace({ state: 'scheduled' }), false);
});
