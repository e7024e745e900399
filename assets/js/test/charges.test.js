import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChargeCounter } from '../charges.js';

test('with one charge the bar says nothing more', () => {
  const c = new ChargeCounter();
  c.update({ charges: 0, nextChargeAt: 5000, serverTime: 0 }, 0);
  assert.equal(c.words(1000), '');
  assert.equal(c.short(1000), '');
});

test('the counter follows the server and the next charge', () => {
  const c = new ChargeCounter();
  c.setLimit(5);
  c.update({ charges: 3, nextChargeAt: 10_000, serverTime: 1000 }, 2000); // the server is 1 s behind
  assert.equal(c.available(2000), 3);
  assert.equal(c.words(2000), '3 of 5 charges; the next in 9 s');
  assert.equal(c.short(2000), '3/5');
  assert.equal(c.available(11_000), 4, 'the next charge has come');
  assert.equal(c.words(11_000), '4 of 5 charges');
  c.spent();
  assert.equal(c.count, 2);
  c.update({ charges: 5, nextChargeAt: 0, serverTime: 0 }, 0);
  assert.equal(c.words(0), '5 of 5 charges');
  c.setLimit(0);
  assert.equal(c.limit, 5, 'a bad limit is ignored');
});
