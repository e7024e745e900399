import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fitView, toCanvas, toScreen, pixelAt, pan, zoomAt, pinch, clampView, ensureVisible,
  wheelFactor, minScaleFor, MAX_SCALE, centerOn, viewCenter, gridLines, mipLevel, GRID_SCALE,
  firstView, FIRST_ZOOM,
} from '../view.js';

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('fitView fills the stage at a fractional scale, centred', () => {
  const v = fitView(500, 500, 1200, 800);
  assert.equal(v.scale, 1.6);
  assert.equal(v.offsetX, 200);
  assert.equal(v.offsetY, 0);
  const big = fitView(100, 50, 1000, 1000);
  assert.equal(big.scale, 10);
  assert.equal(big.offsetY, 250);
  const padded = fitView(2000, 2000, 1440, 852, MAX_SCALE, 12);
  close(padded.scale, (852 - 24) / 2000);
  close(padded.offsetY, 12);
});

test('fitView shrinks a large canvas to fit a phone', () => {
  const v = fitView(4096, 4096, 360, 400);
  close(v.scale, 360 / 4096);
  assert.ok(4096 * v.scale <= 360 + 1e-9);
});

test('toCanvas and toScreen are inverses', () => {
  const v = { scale: 3.5, offsetX: -120, offsetY: 40 };
  const s = toScreen(v, 17.25, 99.5);
  const c = toCanvas(v, s.x, s.y);
  close(c.x, 17.25);
  close(c.y, 99.5);
});

test('pixelAt floors and returns null outside the canvas', () => {
  const v = { scale: 10, offsetX: 5, offsetY: 5 };
  assert.deepEqual(pixelAt(v, 5, 5, 50, 50), { x: 0, y: 0 });
  assert.deepEqual(pixelAt(v, 14.99, 24.99, 50, 50), { x: 0, y: 1 });
  assert.deepEqual(pixelAt(v, 504.9, 504.9, 50, 50), { x: 49, y: 49 });
  assert.equal(pixelAt(v, 4.9, 10, 50, 50), null);
  assert.equal(pixelAt(v, 505, 10, 50, 50), null);
});

test('zoomAt keeps the point under the cursor fixed', () => {
  const v = { scale: 2, offsetX: 30, offsetY: -10 };
  const before = toCanvas(v, 200, 150);
  const z = zoomAt(v, 3, 200, 150);
  assert.equal(z.scale, 6);
  const after = toCanvas(z, 200, 150);
  close(after.x, before.x);
  close(after.y, before.y);
});

test('zoomAt clamps the scale and still keeps the anchor', () => {
  const v = { scale: 40, offsetX: 0, offsetY: 0 };
  const z = zoomAt(v, 10, 100, 100);
  assert.equal(z.scale, MAX_SCALE);
  const p = toCanvas(z, 100, 100);
  close(p.x, 2.5);
  const out = zoomAt(v, 1e-9, 0, 0, 0.5, 64);
  assert.equal(out.scale, 0.5);
});

test('pan moves by the screen delta', () => {
  assert.deepEqual(pan({ scale: 2, offsetX: 1, offsetY: 2 }, 10, -5), { scale: 2, offsetX: 11, offsetY: -3 });
});

test('wheel up zooms in, wheel down zooms out, lines count more than pixels', () => {
  assert.ok(wheelFactor(-100) > 1);
  assert.ok(wheelFactor(100) < 1);
  close(wheelFactor(100) * wheelFactor(-100), 1);
  assert.ok(wheelFactor(3, 1) < wheelFactor(3, 0));
  assert.ok(wheelFactor(1e6) > 0);
});

test('pinch: spreading the fingers zooms around their midpoint', () => {
  const start = { scale: 4, offsetX: 10, offsetY: 20 };
  const from = [{ x: 100, y: 100 }, { x: 200, y: 100 }];
  const to = [{ x: 50, y: 100 }, { x: 250, y: 100 }];
  const v = pinch(start, from, to);
  assert.equal(v.scale, 8);
  const anchorBefore = toCanvas(start, 150, 100);
  const anchorAfter = toCanvas(v, 150, 100);
  close(anchorAfter.x, anchorBefore.x);
  close(anchorAfter.y, anchorBefore.y);
});

test('pinch: moving both fingers together pans', () => {
  const start = { scale: 4, offsetX: 10, offsetY: 20 };
  const from = [{ x: 100, y: 100 }, { x: 200, y: 100 }];
  const to = [{ x: 130, y: 80 }, { x: 230, y: 80 }];
  const v = pinch(start, from, to);
  assert.equal(v.scale, 4);
  close(v.offsetX, 40);
  close(v.offsetY, 0);
});

test('clampView keeps part of the canvas on screen', () => {
  const far = clampView({ scale: 1, offsetX: 5000, offsetY: -5000 }, 500, 500, 800, 600, 48);
  assert.equal(far.offsetX, 800 - 48);
  assert.equal(far.offsetY, 48 - 500);
  const fine = { scale: 1, offsetX: 100, offsetY: 50 };
  assert.deepEqual(clampView(fine, 500, 500, 800, 600), fine);
});

test('ensureVisible pans only when the pixel is near an edge', () => {
  const v = { scale: 10, offsetX: 0, offsetY: 0 };
  assert.deepEqual(ensureVisible(v, 10, 10, 400, 300), v);
  const right = ensureVisible(v, 39, 10, 400, 300, 20);
  const s = toScreen(right, 39, 10);
  close(s.x + 10, 400 - 20);
  const up = ensureVisible({ scale: 10, offsetX: 0, offsetY: -200 }, 5, 5, 400, 300, 20);
  close(toScreen(up, 5, 5).y, 20);
});

test('minScaleFor allows seeing the whole canvas small, never above 1', () => {
  assert.equal(minScaleFor(100, 100, 800, 800), 1);
  close(minScaleFor(4096, 4096, 400, 400), Math.max(0.02, 400 / 4096 / 4));
});

test('centerOn puts a canvas point in the middle, viewCenter reads it back', () => {
  const v = centerOn(123.5, 77.5, 16, 1440, 852);
  const m = toScreen(v, 123.5, 77.5);
  close(m.x, 720);
  close(m.y, 426);
  const c = viewCenter(v, 1440, 852);
  close(c.x, 123.5);
  close(c.y, 77.5);
  assert.deepEqual(pixelAt(v, 720, 426, 500, 500), { x: 123, y: 77 });
});

test('the grid appears from GRID_SCALE and lists only visible lines', () => {
  assert.equal(gridLines({ scale: GRID_SCALE - 0.01, offsetX: 0, offsetY: 0 }, 500, 500, 800, 600), null);
  const g = gridLines(centerOn(100, 50, 20, 400, 200), 500, 500, 400, 200);
  assert.deepEqual(g, { x0: 90, x1: 110, y0: 45, y1: 55 });
  const edge = gridLines({ scale: 10, offsetX: 100, offsetY: 100 }, 5, 5, 800, 600);
  assert.deepEqual(edge, { x0: 0, x1: 5, y0: 0, y1: 5 });
});

test('mipLevel halves until a cell covers a device pixel', () => {
  assert.equal(mipLevel(1), 0);
  assert.equal(mipLevel(3), 0);
  assert.equal(mipLevel(0.5), 1);
  assert.equal(mipLevel(0.49), 2);
  assert.equal(mipLevel(0.426), 2);
  assert.equal(mipLevel(0.426, 2), 1);
  assert.equal(mipLevel(0.25), 2);
  assert.equal(mipLevel(0.2), 3);
  for (const s of [0.9, 0.5, 0.3, 0.1, 0.03]) {
    const k = mipLevel(s);
    assert.ok(s * 2 ** k >= 1 - 1e-9, `level ${k} at ${s}`);
    assert.ok(k === 0 || s * 2 ** (k - 1) < 1, `level ${k} at ${s} is not the least`);
  }
});

test('firstView opens close on the focus, pixels large enough to aim at', () => {
  assert.ok(FIRST_ZOOM >= 8);
  const v = firstView(500, 500, 1440, 820, { x: 120, y: 40 }, 12);
  assert.equal(v.scale, FIRST_ZOOM);
  const c = viewCenter(v, 1440, 820);
  close(c.x, 120.5);
  close(c.y, 40.5);
  // A canvas that already shows large pixels whole opens whole.
  assert.deepEqual(firstView(16, 16, 1440, 820, { x: 3, y: 3 }, 12), fitView(16, 16, 1440, 820, MAX_SCALE, 12));
});
