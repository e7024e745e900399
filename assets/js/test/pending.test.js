import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingPlacements, PENDING_TIMEOUT_MS } from '../pending.js';

function fakeTimers() {
  let now = 0;
  let next = 1;
  const timers = new Map();
  return {
    setTimeout(fn, ms) { const id = next++; timers.set(id, { fn, at: now + ms }); return id; },
    clearTimeout(id) { timers.delete(id); },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) { timers.delete(id); t.fn(); }
      }
    },
    get count() { return timers.size; },
  };
}

test('an unanswered placement times out after 5 s', () => {
  const timers = fakeTimers();
  const expired = [];
  const p = new PendingPlacements((e) => expired.push(e), timers);
  p.add({ requestId: 'a', x: 1, y: 2 });
  timers.advance(PENDING_TIMEOUT_MS - 1);
  assert.deepEqual(expired, []);
  assert.ok(p.has('a'));
  timers.advance(1);
  assert.deepEqual(expired, [{ requestId: 'a', x: 1, y: 2 }]);
  assert.equal(p.size, 0);
});

test('an answered placement never times out', () => {
  const timers = fakeTimers();
  const expired = [];
  const p = new PendingPlacements((e) => expired.push(e), timers);
  p.add({ requestId: 'a' });
  assert.deepEqual(p.take('a'), { requestId: 'a' });
  assert.equal(timers.count, 0);
  timers.advance(10_000);
  assert.deepEqual(expired, []);
  assert.equal(p.take('a'), undefined, 'answers are taken once');
  assert.equal(p.take('unknown'), undefined);
});
