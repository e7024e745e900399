import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseRegion, regionRect, atParam, describeTime, frameColor, momentQuery, sliderBounds,
} from '../timelapse.js';

test('parseRegion reads the hash and clamps it', () => {
  assert.deepEqual(parseRegion('#x=10&y=20&z=4', 100, 50), { x: 10, y: 20, z: 4 });
  assert.deepEqual(parseRegion('', 100, 50), { x: 50, y: 25, z: 1 });
  assert.deepEqual(parseRegion('#x=-5&y=999&z=1000', 100, 50), { x: 0, y: 49, z: 64 });
  assert.deepEqual(parseRegion('#x=abc', 100, 50), { x: 50, y: 25, z: 1 });
});

test('regionRect stays inside the canvas', () => {
  assert.deepEqual(regionRect({ x: 50, y: 25, z: 1 }, 100, 50), { x: 0, y: 0, w: 100, h: 50 });
  assert.deepEqual(regionRect({ x: 0, y: 0, z: 4 }, 100, 50), { x: 0, y: 0, w: 25, h: 13 });
  assert.deepEqual(regionRect({ x: 99, y: 49, z: 4 }, 100, 50), { x: 75, y: 37, w: 25, h: 13 });
});

test('times are whole seconds in UTC', () => {
  assert.equal(atParam(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05Z');
  assert.equal(describeTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02 03:04:05 UTC');
});

test('a frame from before a growth is read at its own width; beyond it is white', () => {
  // 3 × 2 frame shown on a canvas that is now 5 × 4.
  const frame = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(frameColor(frame, 3, 2, 0, 1), 4, 'row 1 starts at index 3, not 5');
  assert.equal(frameColor(frame, 3, 2, 2, 1), 6);
  assert.equal(frameColor(frame, 3, 2, 3, 0), 0, 'right of the old canvas');
  assert.equal(frameColor(frame, 3, 2, 0, 2), 0, 'below the old canvas');
});

test('the slider reaches whole seconds around a history of finer times', () => {
  const firstAt = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const lastAt = Date.UTC(2026, 0, 2, 3, 9, 7, 250);
  assert.deepEqual(sliderBounds(firstAt, lastAt), {
    min: Date.UTC(2026, 0, 2, 3, 4, 5), max: Date.UTC(2026, 0, 2, 3, 9, 8),
  });
  assert.deepEqual(sliderBounds(Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 2)), {
    min: Date.UTC(2026, 0, 2), max: Date.UTC(2026, 0, 2),
  });
});

test('momentQuery shows the first frame at the far left and the last at the far right', () => {
  const span = {
    firstAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678), lastAt: Date.UTC(2026, 0, 2, 3, 9, 7, 250), firstSeq: 4, lastSeq: 90,
  };
  const { min, max } = sliderBounds(span.firstAt, span.lastAt);
  // The far left is before the first placement's time: its frame, not a refusal.
  assert.equal(momentQuery(min, span), 'at=4');
  assert.equal(momentQuery(span.firstAt + 100, span), 'at=4');
  // The far right and the last placement's own time (finer than a second) show it.
  assert.equal(momentQuery(max, span), 'at=90');
  assert.equal(momentQuery(span.lastAt, span), 'at=90');
  assert.equal(momentQuery(min + 60_000, span), 'at=2026-01-02T03:05:05Z');
});
