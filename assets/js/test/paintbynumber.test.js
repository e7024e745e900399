import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexIndex, wantedAt, wantWords } from '../paintbynumber.js';
import { keyAction } from '../keyboard.js';
import { DEFAULT_PALETTE } from '../palette.js';

const byHex = hexIndex(DEFAULT_PALETTE);

// image makes a w × h RGBA image from palette indexes (-1: transparent).
function image(w, h, colors) {
  const rgba = new Uint8ClampedArray(w * h * 4);
  colors.forEach((c, i) => {
    if (c < 0) return;
    const hex = DEFAULT_PALETTE[c].hex;
    for (let j = 0; j < 3; j++) rgba[i * 4 + j] = parseInt(hex.slice(1 + 2 * j, 3 + 2 * j), 16);
    rgba[i * 4 + 3] = 255;
  });
  return rgba;
}

test('wantedAt reads the shown template under the pixel', () => {
  const items = [{ on: true, x: 10, y: 20, width: 2, height: 2, rgba: image(2, 2, [5, -1, 12, 3]) }];
  assert.equal(wantedAt(items, 10, 20, byHex), 5);
  assert.equal(wantedAt(items, 11, 20, byHex), null, 'transparent');
  assert.equal(wantedAt(items, 10, 21, byHex), 12);
  assert.equal(wantedAt(items, 12, 20, byHex), null, 'outside');
  assert.equal(wantedAt([{ ...items[0], on: false }], 10, 20, byHex), null, 'hidden templates want nothing');
});

test('wantedAt prefers the topmost template and looks through its holes', () => {
  const under = { on: true, x: 0, y: 0, width: 2, height: 1, rgba: image(2, 1, [1, 2]) };
  const over = { on: true, x: 0, y: 0, width: 2, height: 1, rgba: image(2, 1, [9, -1]) };
  assert.equal(wantedAt([under, over], 0, 0, byHex), 9);
  assert.equal(wantedAt([under, over], 1, 0, byHex), 2);
});

test('wantWords tells what to do', () => {
  const name = (i) => DEFAULT_PALETTE[i].name;
  assert.equal(wantWords(null, 0, name), '');
  assert.equal(wantWords(5, 0, name), `The template wants ${name(5)} here. Press T to choose it.`);
  assert.equal(wantWords(5, 5, name), `The template wants ${name(5)} here, and it is.`);
});

test('T is the key that chooses the wanted color', () => {
  assert.deepEqual(keyAction({ key: 't' }), { type: 'want' });
  assert.deepEqual(keyAction({ key: 'T', shiftKey: true }), { type: 'want' });
  assert.equal(keyAction({ key: 't', ctrlKey: true }), null);
});
