import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, PING_INTERVAL_MS, OFFLINE_AFTER_ATTEMPTS, UPDATING_ATTEMPTS } from '../net.js';
import { FakeSocket, fakeTimers } from './fakes.js';

function setup({ online = () => true } = {}) {
  FakeSocket.all = [];
  const timers = fakeTimers();
  const messages = [];
  const states = [];
  const errors = [];
  let since = null;
  const conn = new Connection({
    url: () => (since === null ? 'ws://h/ws' : `ws://h/ws?since=${since}`),
    onMessage: (m) => messages.push(m),
    onState: (s) => states.push(s),
    onProtocolError: (e) => errors.push(e),
    WebSocket: FakeSocket,
    timers,
    random: () => 0,
    now: () => 0,
    isOnline: online,
  });
  return { conn, timers, messages, states, errors, setSince: (s) => { since = s; }, sockets: FakeSocket.all };
}

const WELCOME = JSON.stringify({ type: 'welcome', userId: 'u', username: 'Guest_1', isGuest: true, cooldown: 0, serverTime: 0, canvasInfo: {} });

test('connects offering the binary subprotocol and becomes connected on welcome', () => {
  const { conn, sockets, messages, states } = setup();
  conn.start();
  assert.equal(sockets.length, 1);
  assert.deepEqual(sockets[0].protocols, ['place.v1.bin']);
  assert.equal(sockets[0].binaryType, 'arraybuffer');
  sockets[0].open();
  assert.equal(conn.connected, false, 'open alone is not enough');
  sockets[0].receive(WELCOME);
  assert.equal(conn.connected, true);
  assert.deepEqual(states, ['connected']);
  assert.equal(messages[0].type, 'welcome');
});

test('pings every 25 s while open and stops after close', () => {
  const { conn, sockets, timers } = setup();
  conn.start();
  sockets[0].open();
  timers.advance(PING_INTERVAL_MS * 2);
  assert.deepEqual(sockets[0].sent.map((s) => JSON.parse(s)), [{ type: 'ping' }, { type: 'ping' }]);
  sockets[0].drop();
  timers.advance(PING_INTERVAL_MS);
  assert.equal(sockets[0].sent.length, 2);
});

test('reconnects with exponential backoff and resumes with since', () => {
  const { conn, sockets, timers, setSince, states } = setup();
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  setSince(41);
  sockets[0].drop();
  assert.deepEqual(timers.pendingDelays(), [1000]);
  assert.equal(states.at(-1), 'reconnecting');
  timers.advance(999);
  assert.equal(sockets.length, 1);
  timers.advance(1);
  assert.equal(sockets.length, 2);
  assert.equal(sockets[1].url, 'ws://h/ws?since=41');
  sockets[1].drop();
  assert.deepEqual(timers.pendingDelays(), [2000]);
  timers.advance(2000);
  sockets[2].drop();
  assert.deepEqual(timers.pendingDelays(), [4000]);
  timers.advance(4000);
  sockets[3].open();
  sockets[3].receive(WELCOME);
  assert.equal(conn.attempts, 0, 'a welcome resets the backoff');
  sockets[3].drop();
  assert.deepEqual(timers.pendingDelays(), [1000]);
});

test('after repeated failures the state is offline, and back online reconnects at once', () => {
  let online = true;
  const { conn, sockets, timers, states } = setup({ online: () => online });
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  for (let i = 0; i < OFFLINE_AFTER_ATTEMPTS; i++) {
    sockets.at(-1).drop();
    timers.advance(60_000);
  }
  assert.equal(conn.state, 'offline');
  online = false;
  sockets.at(-1).drop();
  const count = sockets.length;
  online = true;
  conn.online(true);
  assert.equal(sockets.length, count + 1, 'reconnects without waiting for the timer');
  sockets.at(-1).open();
  sockets.at(-1).receive(WELCOME);
  assert.equal(states.at(-1), 'connected');
});

test('resync closes and reconnects immediately, but backs off if repeated', () => {
  let t = 0;
  const { conn, sockets, timers } = setup();
  conn.now = () => t;
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  conn.resync();
  assert.deepEqual(sockets[0].closed, { code: 1000, reason: 'resync' });
  assert.equal(sockets.length, 2, 'new socket right away');
  sockets[0].receive('{"type":"pong"}');
  sockets[1].open();
  sockets[1].receive(WELCOME);
  t += 500;
  conn.resync();
  assert.equal(sockets.length, 2, 'a second resync within the grace period waits');
  assert.deepEqual(timers.pendingDelays(), [1000]);
});

test('messages from a replaced socket are ignored', () => {
  const { conn, sockets, messages } = setup();
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  conn.resync();
  sockets[0].onmessage?.({ data: '{"type":"success","requestId":"x"}' });
  assert.equal(messages.length, 1);
});

test('protocol errors are reported, pongs swallowed, send needs an open socket', () => {
  const { conn, sockets, messages, errors } = setup();
  conn.start();
  assert.equal(conn.send('x'), false);
  sockets[0].open();
  sockets[0].receive('not json');
  sockets[0].receive(new Uint8Array([7]).buffer);
  sockets[0].receive('{"type":"pong"}');
  assert.equal(errors.length, 2);
  assert.equal(messages.length, 0);
  assert.equal(conn.send('hello'), true);
  assert.deepEqual(sockets[0].sent, ['hello']);
});

test('stop closes for good', () => {
  const { conn, sockets, timers } = setup();
  conn.start();
  sockets[0].open();
  conn.stop();
  assert.equal(sockets[0].closed.code, 1000);
  timers.advance(120_000);
  assert.equal(sockets.length, 1);
});

test('a 1001 going-away close says updating and retries every 1-2 s until welcomed', () => {
  const { conn, sockets, timers, setSince, states } = setup();
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  setSince(7);
  sockets[0].onclose({ code: 1001 });
  assert.equal(states.at(-1), 'updating');
  for (let i = 0; i < OFFLINE_AFTER_ATTEMPTS + 2; i++) {
    assert.deepEqual(timers.pendingDelays(), [1000], 'no exponential backoff while the server restarts');
    timers.advance(1000);
    assert.equal(conn.state, 'updating', 'not offline while the server restarts');
    sockets.at(-1).drop();
  }
  timers.advance(1000);
  const last = sockets.at(-1);
  assert.equal(last.url, 'ws://h/ws?since=7', 'resumes where it was');
  last.open();
  last.receive(WELCOME);
  assert.equal(conn.state, 'connected');
  last.drop();
  assert.equal(conn.state, 'reconnecting', 'an ordinary drop after the welcome is not an update');
});

test('a server gone for longer than an update falls back to backoff and offline', () => {
  const { conn, sockets, timers } = setup();
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  sockets[0].onclose({ code: 1001 });
  for (let i = 0; i < UPDATING_ATTEMPTS; i++) {
    timers.advance(60_000);
    sockets.at(-1).drop();
  }
  assert.equal(conn.state, 'offline');
  assert.ok(timers.pendingDelays()[0] > 2000, 'backs off again');
});

test('a ban close stops reconnecting for good', () => {
  const { conn, sockets, states, timers } = setup();
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  sockets[0].readyState = 3;
  sockets[0].onclose?.({ code: 1008, reason: 'banned' });
  assert.equal(states.at(-1), 'banned');
  timers.advance(120000);
  assert.equal(sockets.length, 1, 'no further connection attempt');
  conn.online(true);
  assert.equal(sockets.length, 1, 'coming back online does not reconnect either');
});

test('other 1008 closes still reconnect', () => {
  const { conn, sockets, timers } = setup();
  conn.start();
  sockets[0].open();
  sockets[0].receive(WELCOME);
  sockets[0].readyState = 3;
  sockets[0].onclose?.({ code: 1008, reason: 'logged out' });
  timers.advance(2000);
  assert.equal(sockets.length, 2);
});
