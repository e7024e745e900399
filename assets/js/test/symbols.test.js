import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SYMBOLS, SYMBOLS_KEY, SymbolSetting, inkFor, symbolFor, visibleRange,
} from '../symbols.js';

function memoryStorage(init = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), map: m };
}

test('each of the 16 colors has its own symbol', () => {
  assert.equal(SYMBOLS.length, 16);
  assert.equal(new Set(SYMBOLS).size, 16);
  assert.equal(symbolFor(5), SYMBOLS[5]);
  assert.equal(symbolFor(16), '');
  assert.equal(symbolFor(-1), '');
});

test('the setting is kept across visits and off by default', () => {
  const storage = memoryStorage();
  assert.equal(new SymbolSetting(storage).on, false);
  new SymbolSetting(storage).set(true);
  assert.equal(storage.map.get(SYMBOLS_KEY), '1');
  assert.equal(new SymbolSetting(storage).on, true, 'a new visit reads it back');
  new SymbolSetting(storage).set(false);
  assert.equal(new SymbolSetting(storage).on, false);
  const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
  const s = new SymbolSetting(broken);
  s.set(true);
  assert.equal(s.on, true, 'a browser that refuses storage keeps it for the page');
});

test('the symbol is dark on light colors and light on dark ones', () => {
  assert.equal(inkFor('#FFFFFF'), '#14161c');
  assert.equal(inkFor('#E5D900'), '#14161c');
  assert.equal(inkFor('#222222'), '#ffffff');
  assert.equal(inkFor('#0000EA'), '#ffffff');
  assert.equal(inkFor('nonsense'), '#14161c');
});

test('symbols show only when pixels are large enough, over the visible block', () => {
  assert.equal(visibleRange({ scale: 4, offsetX: 0, offsetY: 0 }, 100, 100, 400, 300), null);
  assert.deepEqual(visibleRange({ scale: 20, offsetX: -100, offsetY: -40 }, 100, 100, 400, 300), { x0: 5, y0: 2, x1: 25, y1: 17 });
  assert.deepEqual(visibleRange({ scale: 20, offsetX: 10, offsetY: 10 }, 4, 4, 400, 300), { x0: 0, y0: 0, x1: 3, y1: 3 });
  assert.equal(visibleRange({ scale: 20, offsetX: 500, offsetY: 0 }, 4, 4, 400, 300), null);
});
