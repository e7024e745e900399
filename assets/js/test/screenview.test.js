import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenFit, blockColor, reduceBoard, Highlights, hotspot, zoomTo, mix } from '../screenview.js';

test('screenFit fills the height of a wide screen with a square canvas', () => {
  const v = screenFit(500, 500, 1440, 1080);
  assert.equal(v.scale, 1080 / 500);
  assert.equal(v.reduce, 1);
  assert.equal(v.offsetY, 0);
  assert.equal(v.offsetX, (1440 - 1080) / 2);
});

test('screenFit reduces a canvas larger than the screen so no shown pixel is below one device pixel', () => {
  const v = screenFit(4096, 4096, 1000, 1000);
  assert.equal(v.reduce, 5);
  assert.ok(v.scale * v.reduce >= 1);
});

test('blockColor keeps a lone pixel visible: the rarest color wins', () => {
  const base = new Uint8Array(16);
  base[5] = 5;
  assert.equal(blockColor(base, 4, 4, 0, 0, 4), 5);
  assert.equal(blockColor(new Uint8Array(16).fill(3), 4, 4, 0, 0, 4), 3);
  // A partial block at the edge only counts the pixels that exist.
  const edge = new Uint8Array(9);
  edge[8] = 7;
  assert.equal(blockColor(edge, 3, 3, 1, 1, 2), 7);
});

test('reduceBoard writes one packed color per block', () => {
  const base = new Uint8Array(6 * 6);
  base[6 * 5 + 5] = 2;
  const packed = Uint32Array.from([10, 11, 12]);
  const out = new Uint32Array(9);
  assert.deepEqual(reduceBoard(base, 6, 6, 2, packed, out), { width: 3, height: 3 });
  assert.deepEqual([...out], [10, 10, 10, 10, 10, 10, 10, 10, 12]);
});

test('Highlights fade out and keep only the newest', () => {
  const h = new Highlights(2, 1000);
  h.add(1, 1, 0);
  h.add(2, 2, 100);
  h.add(3, 3, 200);
  assert.equal(h.has(1, 1), false);
  const live = h.live(600);
  assert.deepEqual(live.map((p) => [p.x, p.strength]), [[2, 0.5], [3, 0.6]]);
  assert.deepEqual(h.live(1150).map((p) => p.x), [3]);
  assert.deepEqual(h.live(1300), []);
});

test('hotspot finds the busiest cell', () => {
  assert.equal(hotspot([], 100, 100, 10), null);
  const spot = hotspot([{ x: 1, y: 1 }, { x: 55, y: 57 }, { x: 52, y: 51 }], 100, 100, 10);
  assert.deepEqual(spot, { x: 55, y: 55, count: 2 });
});

test('zoomTo centers a point and mix eases between views', () => {
  const z = zoomTo(50, 50, 4, 800, 600);
  assert.equal(z.offsetX + 50 * 4, 400);
  assert.equal(z.offsetY + 50 * 4, 300);
  const a = { scale: 1, offsetX: 0, offsetY: 0 };
  assert.deepEqual(mix(a, z, 0), { ...a, reduce: 1 });
  assert.deepEqual(mix(a, z, 1), z);
});
