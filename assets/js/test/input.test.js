import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDoubleTap, DOUBLE_TAP_MS, DOUBLE_TAP_SLOP } from '../input.js';

test('two quick taps close together are a double tap', () => {
  const first = { x: 100, y: 100, t: 1000 };
  assert.equal(isDoubleTap(null, first), false);
  assert.equal(isDoubleTap(first, { x: 110, y: 95, t: 1000 + DOUBLE_TAP_MS }), true);
  assert.equal(isDoubleTap(first, { x: 100, y: 100, t: 1001 + DOUBLE_TAP_MS }), false, 'too slow');
  assert.equal(isDoubleTap(first, { x: 100 + DOUBLE_TAP_SLOP + 1, y: 100, t: 1100 }), false, 'too far');
});
