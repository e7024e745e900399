// Fakes the tests of the page's parts share: a WebSocket the test plays
// the server with, timers the test moves by hand, and DOM elements that
// remember what was shown on them. Not a test file itself.

// FakeSocket records what the client does and lets the test play the server.
export class FakeSocket {
  static all = [];
  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.sent = [];
    this.closed = null;
    FakeSocket.all.push(this);
  }
  send(data) { this.sent.push(data); }
  close(code, reason) { this.closed = { code, reason }; this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.(); }
  receive(data) { this.onmessage?.({ data }); }
  drop() { this.readyState = 3; this.onclose?.({ code: 1006 }); }
}

export function fakeTimers() {
  let now = 0;
  let next = 1;
  const timers = new Map();
  const add = (fn, ms, every) => { const id = next++; timers.set(id, { fn, at: now + ms, every }); return id; };
  return {
    setTimeout: (fn, ms) => add(fn, ms, 0),
    clearTimeout: (id) => timers.delete(id),
    setInterval: (fn, ms) => add(fn, ms, ms),
    clearInterval: (id) => timers.delete(id),
    pendingDelays: () => [...timers.values()].filter((t) => !t.every).map((t) => t.at - now),
    now: () => now,
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        const [id, t] = due;
        now = t.at;
        if (t.every) t.at += t.every; else timers.delete(id);
        t.fn();
      }
      now = end;
    },
  };
}

/** fakeElement is what the parts touch of a DOM element, kept in plain fields. */
export function fakeElement(fields = {}) {
  const attrs = new Map();
  const classes = new Set();
  const props = new Map();
  const listeners = new Map();
  return {
    textContent: '',
    hidden: false,
    value: '',
    dataset: {},
    attrs,
    style: { setProperty: (k, v) => props.set(k, v), getPropertyValue: (k) => props.get(k) ?? '', props },
    classList: {
      add: (c) => classes.add(c),
      remove: (c) => classes.delete(c),
      toggle: (c, on = !classes.has(c)) => (on ? classes.add(c) : classes.delete(c), on),
      contains: (c) => classes.has(c),
    },
    setAttribute: (k, v) => attrs.set(k, String(v)),
    getAttribute: (k) => attrs.get(k) ?? null,
    hasAttribute: (k) => attrs.has(k),
    addEventListener: (type, fn) => listeners.set(type, [...(listeners.get(type) ?? []), fn]),
    /** fire calls the listeners of type with event e. */
    fire: (type, e = {}) => (listeners.get(type) ?? []).forEach((fn) => fn(e)),
    ...fields,
  };
}

/** settle lets promise callbacks run. */
export function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}
