import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconnectDelay, MAX_DELAY_MS, JITTER_MS } from '../backoff.js';

test('delay doubles from one second without jitter', () => {
  const none = () => 0;
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => reconnectDelay(n, none)), [1000, 2000, 4000, 8000, 16000]);
});

test('delay is capped at 30 s plus jitter, even for huge attempt counts', () => {
  for (const n of [5, 6, 10, 100, 5000]) {
    assert.equal(reconnectDelay(n, () => 0), MAX_DELAY_MS, `attempt ${n}`);
    assert.ok(reconnectDelay(n, () => 0.999999) < MAX_DELAY_MS + JITTER_MS);
  }
});

test('jitter adds random()*1000 ms', () => {
  assert.equal(reconnectDelay(0, () => 0.5), 1500);
  assert.equal(reconnectDelay(3, () => 0.25), 8250);
});

test('every delay stays within [base, base + 1000) with the real random', () => {
  for (let n = 0; n < 12; n++) {
    const base = Math.min(1000 * 2 ** n, 30000);
    for (let i = 0; i < 50; i++) {
      const d = reconnectDelay(n);
      assert.ok(d >= base && d < base + 1000, `attempt ${n}: ${d}`);
    }
  }
});

test('bad attempt counts behave like the first attempt', () => {
  assert.equal(reconnectDelay(-3, () => 0), 1000);
  assert.equal(reconnectDelay(NaN, () => 0), 1000);
});
