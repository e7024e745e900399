import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertWatch, ALERT_WINDOW_MS, alertWords, healthWords, nextWrong, percent, readFollowed, FOLLOW_KEY } from '../templatehealth.js';

test('percent floors, and says 100 only when every pixel is right', () => {
  assert.equal(percent(999, 1000), 99);
  assert.equal(percent(1000, 1000), 100);
  assert.equal(percent(0, 0), 100);
  assert.equal(percent(1, 3), 33);
});

test('healthWords says the share and the wrong pixels', () => {
  assert.equal(healthWords({ name: 'Flag', correct: 9, total: 10 }), 'Flag: 90% right, 1 wrong pixel.');
  assert.equal(healthWords({ name: 'Flag', correct: 10, total: 10 }), 'Flag: 100% right, no wrong pixels.');
  assert.equal(healthWords({ name: 'Flag', correct: 4, total: 10 }), 'Flag: 40% right, 6 wrong pixels.');
});

test('nextWrong walks the list and wraps around', () => {
  const wrong = [{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3, y: 3 }];
  assert.deepEqual(nextWrong(wrong, null), { x: 1, y: 1 });
  assert.deepEqual(nextWrong(wrong, { x: 1, y: 1 }), { x: 2, y: 2 });
  assert.deepEqual(nextWrong(wrong, { x: 3, y: 3 }), { x: 1, y: 1 });
  assert.deepEqual(nextWrong(wrong, { x: 9, y: 9 }), { x: 1, y: 1 }, 'a pixel fixed meanwhile starts over');
  assert.equal(nextWrong([], null), null);
});

test('AlertWatch fires once per drop beyond the threshold within the window', () => {
  let now = 0;
  const w = new AlertWatch(() => now);
  assert.equal(w.add(100, 100), null);
  now += 1000;
  assert.equal(w.add(98, 100), null, '2 pixels: under the minimum of 3');
  now += 1000;
  assert.deepEqual(w.add(97, 100), { lost: 3 });
  now += 1000;
  assert.equal(w.add(90, 100), null, 'the same drop alerts once');
  now += 1000;
  assert.equal(w.add(100, 100), null, 'repaired');
  now += 1000;
  assert.deepEqual(w.add(95, 100), { lost: 5 }, 'a new attack alerts again');
  // A slow decline over more than the window is not an attack.
  const slow = new AlertWatch(() => now);
  for (let c = 1000; c > 900; c -= 2) {
    now += ALERT_WINDOW_MS / 2;
    assert.equal(slow.add(c, 1000), null, `at ${c}`);
  }
  // 2 % of a large template is the threshold.
  const big = new AlertWatch(() => now);
  big.add(1000, 1000);
  assert.equal(big.add(981, 1000), null);
  assert.deepEqual(big.add(980, 1000), { lost: 20 });
});

test('alertWords names the template, the loss and the spot', () => {
  assert.equal(alertWords('Flag', 12, { x: 4, y: 5 }), 'Flag is under attack: 12 pixels turned wrong in the last minutes. Latest at 4, 5.');
});

test('readFollowed keeps whole ids only and survives bad storage', () => {
  const store = (v) => ({ getItem: (k) => (k === FOLLOW_KEY ? v : null) });
  assert.deepEqual([...readFollowed(store('[1, 2, "x", 2.5]'))], [1, 2]);
  assert.deepEqual([...readFollowed(store('not json'))], []);
  assert.deepEqual([...readFollowed(undefined)], []);
});
