import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quietEventSource } from '../sse.js';

class FakeEventSource extends EventTarget {
  constructor(url, opts) {
    super();
    this.url = url;
    this.opts = opts;
    this.readyState = 0;
  }
}

test('the error handler runs without the bare event htmx would log', () => {
  const s = quietEventSource('/panels/events', FakeEventSource);
  assert.equal(s.url, '/panels/events');
  assert.deepEqual(s.opts, { withCredentials: true });
  const calls = [];
  s.onerror = (...args) => calls.push(args);
  s.dispatchEvent(new Event('error'));
  s.dispatchEvent(new Event('error'));
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[0], [], 'no event is passed on');
  s.onerror = null;
  s.dispatchEvent(new Event('error')); // no handler: nothing happens
  assert.equal(calls.length, 2);
});
