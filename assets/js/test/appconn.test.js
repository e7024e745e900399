import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOST_ANNOUNCE_DELAY_MS } from '../appconn.js';
import { playGame } from './harness.js';

test('the welcome names the player, takes the cooldown and the palette; the canvas loads', () => {
  const g = playGame();
  g.el.whoami.setAttribute('data-guest', '');
  g.conn.start();
  g.server.welcome({
    username: 'Guest_7', cooldown: 3000,
    canvasInfo: { width: 4, height: 3, cooldownSeconds: 9, palette: [{ hex: '#ffffff', name: 'white' }, { hex: '#000000', name: 'black' }] },
  });
  assert.deepEqual(g.sync.user, { userId: 'u1', username: 'Guest_7', isGuest: true });
  assert.equal(g.el.whoami.textContent, 'Guest_7');
  assert.equal(g.el.connection.dataset.state, 'connected');
  assert.equal(g.el.cooldown.textContent, 'Wait 3s');
  assert.deepEqual(g.shown.palettes[0].map((c) => c.hex), ['#ffffff', '#000000']);
  assert.equal(g.board.loaded, false);

  const pixels = new Uint8Array(12);
  pixels[5] = 2;
  g.server.canvas(40, pixels);
  assert.equal(g.board.loaded, true);
  assert.equal(g.board.colorAt(1, 1), 2);
  assert.equal(g.sync.lastSeq, 40);
  assert.equal(g.el.status.hidden, true);
  assert.equal(g.shown.loads, 1);

  g.timers.advance(3000);
  g.placing.place(0, 0);
  assert.equal(g.el.cooldown.textContent, 'Wait 9s', 'the canvas\'s cooldown is used for the next one');
});

test('pixels in sequence are applied; a gap resyncs from the last sequence applied', () => {
  const g = playGame();
  g.connect(10);
  g.server.pixels(10, 12, [{ x: 1, y: 0, color: 5 }, { x: 2, y: 0, color: 6 }]);
  assert.equal(g.board.colorAt(1, 0), 5);
  assert.equal(g.board.colorAt(2, 0), 6);
  assert.equal(g.sync.lastSeq, 12);
  assert.deepEqual(g.shown.refreshed, [[1, 0, 5], [2, 0, 6]], 'an open pixel panel follows');

  const before = g.server.socket();
  g.server.pixels(14, 15, [{ x: 3, y: 0, color: 7 }]);
  assert.equal(g.board.colorAt(3, 0), 0, 'pixels after a gap are not applied');
  assert.deepEqual(before.closed, { code: 1000, reason: 'resync' });
  assert.equal(g.server.sockets.length, 2);
  assert.equal(g.server.socket().url, 'ws://h/ws?acks=batched&since=12', 'the new socket resumes after the last sequence applied');
  g.server.welcome();
  g.server.pixels(12, 15, [{ x: 3, y: 0, color: 7 }]);
  assert.equal(g.board.colorAt(3, 0), 7);
});

test('pixels before any canvas resync', () => {
  const g = playGame();
  g.conn.start();
  g.server.welcome();
  g.server.pixels(3, 4, [{ x: 0, y: 0, color: 1 }]);
  assert.equal(g.board.colorAt(0, 0), 0);
  assert.equal(g.server.sockets.length, 2);
  assert.equal(g.server.socket().url, 'ws://h/ws?acks=batched');
});

test('a welcome of a larger canvas grows it in place; one of another size starts afresh without resuming', () => {
  const g = playGame();
  g.connect(10);
  g.server.pixels(10, 11, [{ x: 3, y: 2, color: 4 }]);
  g.server.socket().drop();
  g.timers.advance(1000);
  g.server.welcome({ canvasInfo: { width: 6, height: 5 } });
  assert.deepEqual(g.shown.grown, [[6, 5]]);
  assert.equal(g.board.colorAt(3, 2), 4, 'the pixels stay where they are');
  assert.equal(g.sync.lastSeq, 11, 'the replay that follows resumes');
  assert.equal(g.server.sockets.length, 2);

  g.server.send({ type: 'resize', width: 8, height: 5, seq: 12 });
  assert.deepEqual(g.shown.grown.at(-1), [8, 5]);
  assert.equal(g.board.colorAt(3, 2), 4);

  g.server.socket().drop();
  g.timers.advance(1000);
  g.server.welcome({ canvasInfo: { width: 3, height: 3 } });
  assert.deepEqual(g.shown.resets, [[3, 3]]);
  assert.equal(g.sync.lastSeq, null, 'a resume against another canvas cannot be trusted');
  assert.equal(g.server.sockets.length, 4, 'resynced at once');
  assert.equal(g.server.socket().url, 'ws://h/ws?acks=batched');
  g.server.welcome({ canvasInfo: { width: 3, height: 3 } });
  g.server.canvas(20, new Uint8Array(9).fill(2), 3, 3);
  assert.equal(g.board.colorAt(2, 2), 2);
});

test('a smaller resize (an undone growth) shrinks the canvas in place, keeping what is left', () => {
  const g = playGame();
  g.connect(10);
  g.server.pixels(10, 11, [{ x: 1, y: 1, color: 4 }]);
  g.server.send({ type: 'resize', width: 8, height: 6, seq: 11 });
  g.server.send({ type: 'resize', width: 4, height: 4, seq: 11 });
  assert.deepEqual(g.shown.grown, [[8, 6], [4, 4]]);
  assert.deepEqual(g.shown.resets, [], 'not started afresh');
  assert.deepEqual([g.board.width, g.board.height], [4, 4]);
  assert.equal(g.board.colorAt(1, 1), 4, 'the pixels inside stay where they are');
  assert.equal(g.board.colorAt(5, 0), -1);
  assert.equal(g.sync.lastSeq, 11);
});

test('each message goes to the part it concerns; unknown types are ignored', () => {
  const g = playGame();
  g.connect(10);
  g.server.send({ type: 'state', state: 'scheduled', opensAt: 60_000, serverTime: 1000 });
  assert.equal(g.shown.banners.at(-1).state, 'scheduled');
  assert.equal(g.sync.serverNow(), 1000, 'the server clock\'s offset');
  assert.equal(g.el.bar.dataset.state, 'scheduled');
  g.server.send({ type: 'state', state: 'open', serverTime: 1000 });
  assert.equal(g.shown.announced.at(-1), 'The canvas is open again.');
  g.placing.place(0, 0);
  const [p] = g.server.places();
  g.server.send({ type: 'success', requestId: p.requestId, nextPlacement: 6000, serverTime: 1000 });
  assert.equal(g.board.confirmedAt(0, 0), 3);
  g.server.send({ type: 'something-new', x: 1 });
  g.server.send({ type: 'error', code: 'INVALID', message: 'Bad request.' });
  assert.equal(g.shown.toasts.at(-1), 'Bad request.');
  assert.equal(g.sync.lastSeq, 10);
});

test('a garbled frame resyncs once a canvas is held', () => {
  const g = playGame();
  g.conn.start();
  g.server.welcome();
  const warn = console.warn;
  console.warn = () => {};
  try {
    g.server.send('{"type": "pixels"}');
    assert.equal(g.server.sockets.length, 1, 'nothing to lose yet');
    g.server.canvas(10, new Uint8Array(12));
    g.server.send('not json');
  } finally {
    console.warn = warn;
  }
  assert.equal(g.server.sockets.length, 2);
  assert.equal(g.server.socket().url, 'ws://h/ws?acks=batched&since=10');
});

test('a lost connection is announced only when it lasts, its return always after that', () => {
  const g = playGame();
  g.connect(10);
  g.server.socket().drop();
  assert.equal(g.el.connection.dataset.state, 'reconnecting');
  assert.equal(g.el.bar.dataset.state, 'reconnecting');
  g.timers.advance(1000); // the first retry, 1 s later
  g.server.welcome();
  g.timers.advance(LOST_ANNOUNCE_DELAY_MS);
  assert.deepEqual(g.shown.announced, [], 'a quick reconnect is not worth interrupting a screen reader for');

  g.server.socket().drop();
  g.timers.advance(LOST_ANNOUNCE_DELAY_MS - 1);
  assert.deepEqual(g.shown.announced, []);
  g.timers.advance(1);
  assert.deepEqual(g.shown.announced, ['Connection lost. Reconnecting…']);
  for (let i = 0; i < 3; i++) {
    g.server.socket().drop(); // every retry fails
    g.timers.advance(Math.min(...g.timers.pendingDelays()));
  }
  assert.equal(g.shown.announced.length, 1, 'said once while down');
  assert.equal(g.el.connection.dataset.state, 'offline', 'the backoff gave up calling it a blip');
  g.server.welcome();
  assert.deepEqual(g.shown.announced.at(-1), 'Connection restored.');
  assert.equal(g.el.bar.dataset.state, 'ready');
});

test('a server going away is announced as an update', () => {
  const g = playGame();
  g.connect(10);
  g.server.socket().onclose({ code: 1001 });
  g.timers.advance(LOST_ANNOUNCE_DELAY_MS);
  assert.equal(g.el.connection.dataset.state, 'updating');
  assert.deepEqual(g.shown.announced, ['The game is updating. Back in a moment.']);
});
