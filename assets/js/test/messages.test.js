import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeCursor, placedMessage, errorMessage, relativeTime, parseTime } from '../messages.js';
import { debounce } from '../debounce.js';

test('cursor and result announcements read naturally', () => {
  assert.equal(describeCursor(12, 40, 'red'), 'x 12, y 40, currently red');
  assert.equal(placedMessage('blue', 12, 40, 5), 'Placed blue at 12, 40. Next pixel in 5 seconds.');
  assert.equal(placedMessage('blue', 1, 2, 1), 'Placed blue at 1, 2. Next pixel in 1 second.');
  assert.equal(placedMessage('blue', 1, 2, 0), 'Placed blue at 1, 2. You can place again now.');
});

test('RATE_LIMITED shows the seconds; other errors their message', () => {
  assert.equal(errorMessage({ code: 'RATE_LIMITED', message: 'x', remainingSeconds: 4 }), 'Wait 4 seconds');
  assert.equal(errorMessage({ code: 'RATE_LIMITED', message: 'Slow down.' }), 'Slow down.');
  assert.equal(errorMessage({ code: 'BANNED', message: 'You are banned.' }), 'You are banned.');
  assert.match(errorMessage({ code: 'INTERNAL_ERROR' }), /try again/);
});

test('relative times are coarse', () => {
  const now = 1_700_000_000_000;
  assert.equal(relativeTime(now - 2000, now), 'just now');
  assert.equal(relativeTime(now - 30_000, now), '30 seconds ago');
  assert.equal(relativeTime(now - 60_000, now), '1 minute ago');
  assert.equal(relativeTime(now - 3 * 3600_000, now), '3 hours ago');
  assert.equal(relativeTime(now - 5 * 86400_000, now), '5 days ago');
  assert.equal(parseTime('2024-01-02T03:04:05Z'), Date.UTC(2024, 0, 2, 3, 4, 5));
  assert.equal(parseTime(42), 42);
  assert.ok(Number.isNaN(parseTime(null)));
});

test('debounce calls once with the last arguments', async () => {
  const calls = [];
  const d = debounce((...a) => calls.push(a), 20);
  d(1); d(2); d(3);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(calls, [[3]]);
  d(4); d.cancel();
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(calls, [[3]]);
});
