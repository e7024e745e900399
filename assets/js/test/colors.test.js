import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColorMemory, parseColor, parseRecent, pushRecent, paletteOrder, COLOR_KEY, RECENT_KEY } from '../colors.js';
import { barState, titleFor } from '../status.js';

function memoryStorage(init = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), m };
}

test('no color is selected on a first visit', () => {
  assert.equal(new ColorMemory(16, memoryStorage()).selected, -1);
  assert.equal(new ColorMemory(16, undefined).selected, -1);
});

test('the last color used is remembered, bad values are not', () => {
  const s = memoryStorage();
  const a = new ColorMemory(16, s);
  a.select(12);
  assert.equal(new ColorMemory(16, s).selected, 12);
  for (const bad of ['16', '-1', 'red', '', '1.5', '007']) assert.equal(parseColor(bad, 16), -1, bad);
  assert.equal(new ColorMemory(16, memoryStorage({ [COLOR_KEY]: '99' })).selected, -1);
});

test('a storage that throws is survived', () => {
  const boom = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  const m = new ColorMemory(16, boom);
  m.select(3);
  m.used(3);
  assert.equal(m.selected, 3);
  assert.deepEqual(m.recent, [3]);
});

test('recent colors come first, newest first, at most four', () => {
  assert.deepEqual(pushRecent([1, 2, 3, 4], 3), [3, 1, 2, 4]);
  assert.deepEqual(pushRecent([1, 2, 3, 4], 9), [9, 1, 2, 3]);
  assert.deepEqual(parseRecent('5,5,x,20,2,3,4,6', 16), [5, 2, 3, 4]);
  assert.deepEqual(paletteOrder([5, 2], 6), [5, 2, 0, 1, 3, 4]);
  assert.deepEqual(paletteOrder([], 3), [0, 1, 2]);
  const s = memoryStorage();
  const m = new ColorMemory(16, s);
  m.used(7);
  m.used(2);
  assert.equal(s.m.get(RECENT_KEY), '2,7');
  assert.deepEqual(new ColorMemory(16, s).recent, [2, 7]);
});

test('the bar state: connection first, then the cooldown', () => {
  assert.equal(barState({ connection: 'offline', ready: true }), 'offline');
  assert.equal(barState({ connection: 'banned', ready: true }), 'banned');
  assert.equal(barState({ connection: 'reconnecting', ready: false }), 'reconnecting');
  assert.equal(barState({ connection: 'connecting', ready: true }), 'connecting');
  assert.equal(barState({ connection: 'connected', ready: false, limited: true }), 'limited');
  assert.equal(barState({ connection: 'connected', ready: false }), 'cooldown');
  assert.equal(barState({ connection: 'connected', ready: true, limited: true }), 'ready');
});

test('the tab title counts down', () => {
  assert.equal(titleFor('Canvas · place', 4), '(4) place');
  assert.equal(titleFor('Canvas · place', 0), 'Canvas · place');
});

test('the bar holds placing while paused, closed, scheduled or not connected, and never says Ready then', async () => {
  const { barState, barText, placeHeld } = await import('../status.js');
  assert.equal(barState({ connection: 'connected', ready: true, event: 'paused' }), 'paused');
  assert.equal(barState({ connection: 'connected', ready: true, event: 'closed' }), 'closed');
  assert.equal(barState({ connection: 'connected', ready: false, event: 'scheduled' }), 'scheduled');
  assert.equal(barState({ connection: 'connected', ready: true, event: 'open' }), 'ready');
  assert.equal(barState({ connection: 'reconnecting', ready: true, event: 'paused' }), 'reconnecting');
  for (const state of ['paused', 'closed', 'scheduled', 'reconnecting', 'connecting', 'offline', 'banned']) {
    assert.notEqual(barText(state, 'Ready'), 'Ready', state);
    assert.equal(placeHeld(state), true, state);
  }
  assert.equal(barText('reconnecting', 'Wait 3s'), 'Wait 3s');
  assert.equal(barText('paused', 'Wait 3s'), 'Paused');
  assert.equal(barText('ready', 'Ready'), 'Ready');
  assert.equal(barText('cooldown', 'Wait 3s'), 'Wait 3s');
  assert.equal(placeHeld('ready'), false);
  assert.equal(placeHeld('cooldown'), false);
  assert.equal(placeHeld('limited'), false);
});
