import test from 'node:test';
import assert from 'node:assert/strict';
import { rectFromDrag } from '../areapicker.js';

test('a drag in any direction gives the rectangle of both corner pixels', () => {
  assert.deepEqual(rectFromDrag({ x: 2.5, y: 3.9 }, { x: 5.1, y: 7 }, 16, 16), { x: 2, y: 3, w: 4, h: 5 });
  assert.deepEqual(rectFromDrag({ x: 5.1, y: 7 }, { x: 2.5, y: 3.9 }, 16, 16), { x: 2, y: 3, w: 4, h: 5 });
});

test('a click is one pixel', () => {
  assert.deepEqual(rectFromDrag({ x: 4.2, y: 4.8 }, { x: 4.9, y: 4.1 }, 16, 16), { x: 4, y: 4, w: 1, h: 1 });
});

test('a drag past the edges stays on the canvas', () => {
  assert.deepEqual(rectFromDrag({ x: -3, y: -1 }, { x: 40, y: 15.5 }, 16, 16), { x: 0, y: 0, w: 16, h: 16 });
});
