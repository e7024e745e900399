import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpot, formatSpot, roundZoom, spotURL, wantsWholeCanvas, LINK_ZOOM, WHOLE_CANVAS } from '../link.js';

test('parseSpot reads a hash or a query string', () => {
  assert.deepEqual(parseSpot('#x=123&y=77&z=16', 500, 500), { x: 123, y: 77, z: 16 });
  assert.deepEqual(parseSpot('?x=0&y=499', 500, 500), { x: 0, y: 499, z: null });
  assert.deepEqual(parseSpot('x=5&y=6&z=0.42', 500, 500), { x: 5, y: 6, z: 0.42 });
  assert.deepEqual(parseSpot('#y=6&x=5&other=1', 500, 500), { x: 5, y: 6, z: null });
});

test('parseSpot refuses anything that is not a pixel of the canvas', () => {
  for (const bad of ['', '#', '#x=1', '#y=1', '#x=-1&y=2', '#x=500&y=2', '#x=2&y=500', '#x=1.5&y=2',
    '#x=abc&y=2', '#x=1e2&y=2', '#x=&y=', '#x=9999999&y=1', '?placed=7,8']) {
    assert.equal(parseSpot(bad, 500, 500), null, bad);
  }
  assert.equal(parseSpot(undefined, 500, 500), null);
});

test('parseSpot ignores a bad zoom rather than the link', () => {
  for (const z of ['0', '-3', '1000', 'big', '1e3', 'Infinity']) {
    assert.deepEqual(parseSpot(`#x=1&y=2&z=${z}`, 10, 10), { x: 1, y: 2, z: null }, z);
  }
});

test('formatSpot and parseSpot round-trip, with a tidy zoom', () => {
  assert.equal(formatSpot(123.7, 77.2, 16), '#x=123&y=77&z=16');
  assert.equal(formatSpot(1, 2, 0.4261), '#x=1&y=2&z=0.43');
  assert.equal(formatSpot(1, 2, 3.14159), '#x=1&y=2&z=3.1');
  assert.equal(roundZoom(12.6), 13);
  const spot = parseSpot(formatSpot(42, 43, 2.5), 100, 100);
  assert.deepEqual(spot, { x: 42, y: 43, z: 2.5 });
});

test('spotURL is an absolute link at the default zoom', () => {
  const loc = { origin: 'https://place.example', pathname: '/' };
  assert.equal(spotURL(loc, 3, 4), `https://place.example/#x=3&y=4&z=${LINK_ZOOM}`);
});

test('#all asks for the whole canvas, nothing else does', () => {
  assert.equal(WHOLE_CANVAS, '#all');
  assert.equal(wantsWholeCanvas('#all'), true);
  for (const h of ['', '#', '#x=1&y=2', '#alll', '#ALL?']) assert.equal(wantsWholeCanvas(h), false, h);
  assert.equal(parseSpot('#all', 10, 10), null, 'not a spot');
});
