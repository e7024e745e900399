import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickBlock, halve, MipChain } from '../mip.js';

test('pickBlock keeps the odd one out, and a color over white', () => {
  assert.equal(pickBlock(0, 0, 0, 0), 0);
  assert.equal(pickBlock(0, 0, 5, 0), 5);
  assert.equal(pickBlock(3, 3, 3, 0), 0, 'a white pixel on black stays too');
  assert.equal(pickBlock(0, 5, 0, 5), 5, 'ties prefer a color to white');
  assert.equal(pickBlock(2, -1, -1, -1), 2, 'outside cells never win');
  assert.equal(pickBlock(0, -1, 7, -1), 7);
});

test('halve never loses a lone pixel, whatever the level', () => {
  const w = 2000;
  const h = 2000;
  const base = new Uint8Array(w * h);
  const spots = [[0, 0], [1999, 1999], [1234, 567], [7, 1501], [999, 1000]];
  spots.forEach(([x, y], i) => { base[y * w + x] = 2 + i; });
  const chain = new MipChain(base, w, h);
  for (let k = 1; k <= 4; k++) {
    const lv = chain.level(k);
    assert.equal(lv.w, Math.ceil(w / 2 ** k));
    spots.forEach(([x, y], i) => {
      assert.equal(lv.data[(y >> k) * lv.w + (x >> k)], 2 + i, `level ${k}, pixel ${x},${y}`);
    });
  }
});

test('odd sizes round up and the last column is kept', () => {
  const base = Uint8Array.from([0, 0, 9, 0, 0, 0]); // 3 × 2
  const lv = halve(base, 3, 2);
  assert.equal(lv.w, 2);
  assert.equal(lv.h, 1);
  assert.deepEqual([...lv.data], [0, 9]);
});

test('update follows single changes up the chain and reports them', () => {
  const w = 16;
  const base = new Uint8Array(w * w);
  const chain = new MipChain(base, w, w);
  chain.level(3);
  const seen = [];
  base[5 * w + 9] = 4;
  chain.update(9, 5, (k, x, y) => seen.push([k, x, y]));
  assert.deepEqual(seen, [[1, 4, 2], [2, 2, 1], [3, 1, 0]]);
  assert.equal(chain.level(3).data[1], 4);
  base[5 * w + 9] = 0;
  chain.update(9, 5);
  assert.equal(chain.level(3).data[1], 0);
  assert.equal(chain.level(1).data[2 * 8 + 4], 0);
});
