import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Board, growsTo } from '../board.js';
import { DEFAULT_PALETTE, packRGBA } from '../palette.js';

const rgbaAt = (b, x, y) => Array.from(b.rgba.subarray((y * b.width + x) * 4, (y * b.width + x) * 4 + 4));

test('a new board is white and fully dirty', () => {
  const b = new Board(3, 2);
  assert.equal(b.colorAt(2, 1), 0);
  assert.deepEqual(rgbaAt(b, 2, 1), [255, 255, 255, 255]);
  assert.deepEqual(b.takeDirty(), { x: 0, y: 0, w: 3, h: 2 });
  assert.equal(b.takeDirty(), null);
});

test('load and applyEvents update colors, RGBA bytes and the dirty rectangle', () => {
  const b = new Board(4, 4);
  b.load(new Uint8Array(16).fill(3));
  assert.deepEqual(rgbaAt(b, 0, 0), [0x22, 0x22, 0x22, 255]);
  b.takeDirty();
  b.applyEvents([{ x: 1, y: 1, color: 5 }, { x: 3, y: 2, color: 12 }, { x: 1, y: 1, color: 13 }]);
  assert.equal(b.colorAt(1, 1), 13, 'later event in a batch wins');
  assert.equal(b.colorAt(3, 2), 12);
  assert.deepEqual(rgbaAt(b, 3, 2), [0x00, 0x83, 0xc7, 255]);
  assert.deepEqual(b.takeDirty(), { x: 1, y: 1, w: 3, h: 2 });
});

test('events outside the board are ignored', () => {
  const b = new Board(2, 2);
  b.applyEvents([{ x: 2, y: 0, color: 5 }, { x: -1, y: 0, color: 5 }]);
  assert.deepEqual(Array.from(b.base), [0, 0, 0, 0]);
  assert.equal(b.colorAt(5, 5), -1);
});

test('optimistic pixel shows until rolled back, to the current confirmed color', () => {
  const b = new Board(2, 2);
  b.placeOptimistic(1, 0, 5, 'r1');
  assert.equal(b.colorAt(1, 0), 5);
  // Someone else paints the pixel while ours is pending: ours stays on top.
  b.applyEvents([{ x: 1, y: 0, color: 12 }]);
  assert.equal(b.colorAt(1, 0), 5);
  assert.equal(b.confirmedAt(1, 0), 12);
  b.rollback(1, 0, 'r1');
  assert.equal(b.colorAt(1, 0), 12, 'rollback shows what the server says now, not the old white');
  assert.deepEqual(rgbaAt(b, 1, 0), [0x00, 0x83, 0xc7, 255]);
});

test('confirm keeps the placed color', () => {
  const b = new Board(2, 2);
  b.placeOptimistic(0, 1, 8, 'r1');
  b.confirm(0, 1, 8, 'r1');
  assert.equal(b.overlay.size, 0);
  assert.equal(b.colorAt(0, 1), 8);
  assert.equal(b.confirmedAt(0, 1), 8);
});

test('an older answer does not remove a newer pending placement on the same pixel', () => {
  const b = new Board(1, 1);
  b.placeOptimistic(0, 0, 5, 'old');
  b.placeOptimistic(0, 0, 6, 'new');
  b.rollback(0, 0, 'old');
  assert.equal(b.colorAt(0, 0), 6);
  b.confirm(0, 0, 5, 'old');
  assert.equal(b.colorAt(0, 0), 6);
  b.rollback(0, 0, 'new');
  assert.equal(b.colorAt(0, 0), 5);
});

test('a full reload keeps pending placements visible', () => {
  const b = new Board(2, 1);
  b.placeOptimistic(0, 0, 4, 'r');
  b.load(new Uint8Array([9, 9]));
  assert.equal(b.colorAt(0, 0), 4);
  assert.equal(b.colorAt(1, 0), 9);
  assert.throws(() => b.load(new Uint8Array(3)));
});

test('packRGBA writes r, g, b, 255 bytes on either endianness', () => {
  const buf = new Uint8Array(4);
  const le = new DataView(buf.buffer);
  le.setUint32(0, packRGBA('#0083C7', true), true);
  assert.deepEqual(Array.from(buf), [0x00, 0x83, 0xc7, 0xff]);
  le.setUint32(0, packRGBA('#0083C7', false), false);
  assert.deepEqual(Array.from(buf), [0x00, 0x83, 0xc7, 0xff]);
  assert.equal(DEFAULT_PALETTE.length, 16);
});

test('shown and takeChanges follow what is displayed, pending included', () => {
  const b = new Board(4, 3);
  assert.equal(b.takeChanges(), null, 'a new board is all changed');
  b.load(new Uint8Array(12));
  assert.equal(b.takeChanges(), null, 'a load changes everything');
  b.applyEvents([{ x: 1, y: 2, color: 5 }]);
  b.placeOptimistic(3, 0, 7, 'r1');
  assert.deepEqual(b.takeChanges(), [9, 3]);
  assert.equal(b.shown[9], 5);
  assert.equal(b.shown[3], 7);
  b.rollback(3, 0, 'r1');
  assert.deepEqual(b.takeChanges(), [3]);
  assert.equal(b.shown[3], 0);
  assert.deepEqual(b.takeChanges(), []);
});

test('growsTo accepts only a larger canvas that covers the current one', () => {
  assert.equal(growsTo(4, 3, 6, 3), true);
  assert.equal(growsTo(4, 3, 4, 5), true);
  assert.equal(growsTo(4, 3, 4, 3), false, 'same size');
  assert.equal(growsTo(4, 3, 3, 9), false, 'narrower');
  assert.equal(growsTo(4, 3, 9, 2), false, 'shorter');
  assert.equal(growsTo(4, 3, undefined, 5), false);
});

test('grow keeps confirmed and pending pixels at their coordinates; the new area is white', () => {
  const b = new Board(3, 2);
  b.load(Uint8Array.from([1, 2, 3, 4, 5, 6]));
  b.placeOptimistic(2, 1, 9, 'r1');
  assert.equal(b.grow(5, 4), true);
  assert.equal(b.width, 5);
  assert.equal(b.height, 4);
  assert.equal(b.base.length, 20);
  assert.deepEqual([b.colorAt(0, 0), b.colorAt(2, 0), b.colorAt(0, 1), b.colorAt(1, 1)], [1, 3, 4, 5]);
  assert.equal(b.colorAt(2, 1), 9, 'the pending placement still shows');
  assert.equal(b.confirmedAt(2, 1), 6);
  assert.equal(b.colorAt(4, 3), 0);
  assert.equal(b.colorAt(3, 0), 0);
  assert.deepEqual(rgbaAt(b, 4, 3), [255, 255, 255, 255]);
  assert.deepEqual(rgbaAt(b, 2, 0), rgbaAt(b, 2, 0));
  assert.deepEqual(b.takeDirty(), { x: 0, y: 0, w: 5, h: 4 }, 'everything is drawn again');
  // Pixels in the new area now apply, and the pending one confirms in place.
  b.applyEvents([{ x: 4, y: 3, color: 7 }]);
  assert.equal(b.colorAt(4, 3), 7);
  b.confirm(2, 1, 9, 'r1');
  assert.equal(b.confirmedAt(2, 1), 9);
  assert.equal(b.overlay.size, 0);
  assert.equal(b.grow(5, 3), false, 'never shrinks');
  assert.equal(b.width, 5);
});

test('reset makes a new white canvas of another size, unloaded, keeping the palette', () => {
  const b = new Board(4, 3, [{ hex: '#ffffff' }, { hex: '#ff0000' }]);
  b.load(new Uint8Array(12).fill(1));
  b.placeOptimistic(1, 1, 0, 'r1');
  b.reset(2, 5);
  assert.equal(b.width, 2);
  assert.equal(b.height, 5);
  assert.equal(b.loaded, false);
  assert.equal(b.overlay.size, 0);
  assert.equal(b.colorAt(1, 4), 0);
  assert.equal(b.colorAt(3, 0), -1, 'the old size is gone');
  assert.deepEqual(b.takeDirty(), { x: 0, y: 0, w: 2, h: 5 });
  b.load(new Uint8Array(10).fill(1));
  assert.deepEqual([...b.rgba.slice(0, 4)], [255, 0, 0, 255], 'the palette is kept');
});
