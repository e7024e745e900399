import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PENDING_TIMEOUT_MS } from '../pending.js';
import { playGame } from './harness.js';
import { settle } from './fakes.js';

test('a placement shows at once, is sent, starts the cooldown and is confirmed by success', () => {
  const g = playGame();
  g.connect(10);
  g.placing.place(1, 2);
  const [sent] = g.server.places();
  assert.deepEqual({ ...sent, requestId: undefined }, { type: 'place', x: 1, y: 2, color: 3, requestId: undefined });
  assert.equal(g.board.colorAt(1, 2), 3, 'shown before the answer');
  assert.equal(g.board.confirmedAt(1, 2), 0, 'not yet confirmed');
  assert.equal(g.placing.pending.size, 1);
  assert.deepEqual(g.shown.used, [3]);
  assert.equal(g.el.cooldown.textContent, 'Wait 5s');
  assert.equal(g.el.bar.dataset.state, 'cooldown');
  assert.deepEqual(g.shown.titles.at(-1), 5);

  g.server.send({ type: 'success', requestId: sent.requestId, nextPlacement: 4000, serverTime: 0 });
  assert.equal(g.placing.pending.size, 0);
  assert.equal(g.board.confirmedAt(1, 2), 3);
  assert.equal(g.shown.announced.at(-1), 'Placed color 3 at 1, 2. Next pixel in 4 seconds.');
  assert.equal(g.el.cooldown.textContent, 'Wait 4s', 'the server\'s cooldown wins');

  g.timers.advance(3999);
  g.placing.tick();
  assert.deepEqual(g.shown.ready, [], 'not before the cooldown ends');
  g.timers.advance(1);
  g.placing.tick();
  assert.deepEqual(g.shown.ready, ['Ready to place.']);
  assert.equal(g.el.cooldown.textContent, 'Ready');
  assert.equal(g.el.bar.dataset.state, 'ready');
  g.placing.tick();
  assert.equal(g.shown.ready.length, 1, 'said once');
});

test('a placement that cannot be made says why and changes nothing', () => {
  const g = playGame();
  g.placing.place(1, 1);
  assert.equal(g.shown.toasts.at(-1), 'The canvas is still loading.');
  g.connect(10);

  g.placing.place(9, 9);
  assert.equal(g.server.places().length, 0, 'outside the canvas: nothing');

  g.colors.index = -1;
  g.placing.place(1, 1);
  assert.equal(g.shown.asked, 1, 'no color yet: the palette is pointed at');
  g.colors.index = 2;

  g.server.send({ type: 'state', state: 'paused', serverTime: 0 });
  assert.equal(g.el.bar.dataset.state, 'paused');
  assert.equal(g.el.placeButton.getAttribute('aria-disabled'), 'true');
  g.placing.place(1, 1);
  assert.match(g.shown.toasts.at(-1), /paused/i);
  g.server.send({ type: 'state', state: 'open', serverTime: 0 });
  assert.equal(g.el.placeButton.getAttribute('aria-disabled'), 'false');
  assert.equal(g.shown.announced.at(-1), 'The canvas is open again.');

  g.placing.place(1, 1);
  assert.equal(g.server.places().length, 1);
  g.placing.place(2, 1);
  assert.equal(g.shown.toasts.at(-1), 'Wait 5 seconds', 'during the cooldown');
  assert.equal(g.server.places().length, 1);

  g.timers.advance(5000);
  g.server.socket().drop();
  assert.equal(g.el.bar.dataset.state, 'reconnecting');
  g.placing.place(2, 1);
  assert.equal(g.shown.toasts.at(-1), 'Not connected to the server. Your pixel was not placed.');
  assert.equal(g.board.colorAt(2, 1), 0);
});

test('a refused placement rolls back to the pixel as it is now and restores the cooldown', () => {
  const g = playGame();
  g.connect(10);
  g.placing.place(0, 0);
  const [sent] = g.server.places();
  g.server.pixels(10, 11, [{ x: 0, y: 0, color: 7 }]);
  assert.equal(g.board.colorAt(0, 0), 3, 'the pending pixel still shows');
  g.server.send({ type: 'error', requestId: sent.requestId, code: 'PROTECTED', message: 'That area is protected.' });
  assert.equal(g.board.colorAt(0, 0), 7, 'rolled back to what another player placed');
  assert.equal(g.placing.pending.size, 0);
  assert.equal(g.shown.toasts.at(-1), 'That area is protected.');
  assert.equal(g.el.cooldown.textContent, 'Ready', 'the cooldown it started is undone');
  g.placing.place(0, 0);
  assert.equal(g.server.places().length, 2, 'the player can place again at once');
});

test('a rate limit from the server is a cooldown the bar calls limited', () => {
  const g = playGame();
  g.connect(10);
  g.placing.place(0, 0);
  const [sent] = g.server.places();
  g.server.send({ type: 'error', requestId: sent.requestId, code: 'RATE_LIMITED', remainingSeconds: 3 });
  assert.equal(g.board.colorAt(0, 0), 0);
  assert.equal(g.el.bar.dataset.state, 'limited');
  assert.equal(g.shown.toasts.at(-1), 'Wait 3 seconds');
  g.timers.advance(3000);
  g.placing.tick();
  assert.equal(g.el.bar.dataset.state, 'ready');
  assert.deepEqual(g.shown.ready, ['Ready to place.']);
  g.placing.place(0, 0);
  assert.equal(g.el.bar.dataset.state, 'cooldown', 'the next cooldown is the player\'s own again');
});

test('an unanswered placement expires: rolled back, cooldown restored, said', () => {
  const g = playGame();
  g.connect(10);
  g.placing.place(2, 2);
  g.timers.advance(PENDING_TIMEOUT_MS - 1);
  assert.equal(g.board.colorAt(2, 2), 3);
  g.timers.advance(1);
  assert.equal(g.board.colorAt(2, 2), 0);
  assert.equal(g.placing.pending.size, 0);
  assert.equal(g.shown.toasts.at(-1), 'The server did not confirm your pixel. Please try again.');
  assert.deepEqual(g.shown.recolored.at(-1), [2, 2, 0]);
  const [sent] = g.server.places();
  g.server.send({ type: 'success', requestId: sent.requestId, nextPlacement: 5000, serverTime: 0 });
  assert.equal(g.board.confirmedAt(2, 2), 0, 'a late answer for a forgotten placement changes no pixel');
});

test('a ban without a request shows over the canvas and holds the bar', () => {
  const g = playGame();
  g.connect(10);
  g.server.send({ type: 'error', code: 'BANNED', message: 'You were banned: spam.' });
  assert.equal(g.el.status.hidden, false);
  assert.equal(g.el.status.textContent, 'You were banned: spam.');
  g.server.socket().onclose({ code: 1008, reason: 'banned' });
  assert.equal(g.el.bar.dataset.state, 'banned');
  assert.equal(g.el.status.textContent, 'You were banned: spam.', 'the moderator\'s words stay');
  g.placing.place(1, 1);
  assert.equal(g.shown.toasts.at(-1), 'You are banned from placing pixels.');
});

test('a viewer\'s first placement makes a session, reconnects, and places after the welcome', async () => {
  const calls = [];
  const g = playGame({ fetch: async (url, init) => { calls.push([url, init.method]); return { ok: true }; } });
  g.conn.start();
  g.server.welcome({ userId: '', username: '' });
  g.server.canvas(10, new Uint8Array(12));
  assert.equal(g.sync.isViewer(), true);
  g.placing.place(3, 1);
  await settle();
  assert.deepEqual(calls, [['/api/v1/session', 'POST']]);
  assert.equal(g.server.sockets.length, 2, 'the socket starts again with the new session');
  assert.equal(g.server.socket().url, 'ws://h/ws?acks=batched&since=10');
  assert.equal(g.server.places().length, 0);
  g.server.welcome({ userId: 'u9', username: 'Guest_9' });
  assert.deepEqual(g.server.places().map((p) => [p.x, p.y, p.color]), [[3, 1, 3]]);
});

test('a refused session says the server\'s words and places nothing', async () => {
  const g = playGame({ fetch: async () => ({ ok: false, json: async () => ({ message: 'Too many new players here.' }) }) });
  g.conn.start();
  g.server.welcome({ userId: '' });
  g.server.canvas(10, new Uint8Array(12));
  g.placing.place(3, 1);
  await settle();
  assert.equal(g.shown.toasts.at(-1), 'Too many new players here.');
  assert.equal(g.server.sockets.length, 1);
});

test('a busy address waits for the challenge, then places with its proof; a refusal asking for one places again', async () => {
  let release;
  const challenge = {
    busy: true,
    offered: [],
    offer(c) { this.offered.push(c); },
    pending() { return this.busy; },
    ready() { return new Promise((r) => { release = () => { this.busy = false; r(); }; }); },
    take() { return 'proof-1'; },
  };
  const g = playGame({ challenge });
  g.connect(10);
  g.placing.place(1, 1);
  g.placing.place(1, 1);
  assert.equal(g.shown.toasts.filter((t) => t.startsWith('Many players share your address')).length, 1, 'said once');
  assert.equal(g.server.places().length, 0);
  release();
  await settle();
  assert.deepEqual(g.server.places().map((p) => p.proof), ['proof-1']);

  const [first] = g.server.places();
  challenge.busy = true;
  g.server.send({ type: 'error', requestId: first.requestId, code: 'CHALLENGE_REQUIRED', challenge: { prefix: 'x', bits: 8 } });
  assert.deepEqual(challenge.offered.at(-1), { prefix: 'x', bits: 8 });
  assert.equal(g.board.colorAt(1, 1), 0, 'rolled back meanwhile');
  assert.equal(g.server.places().length, 1, 'not before the new challenge is solved');
  release();
  await settle();
  assert.deepEqual(g.server.places().map((p) => [p.x, p.y]), [[1, 1], [1, 1]], 'the refused pixel is placed again');
});

test('with stored charges, placements follow each other until the last charge, and the bar counts them', () => {
  const g = playGame();
  g.connect(10, { charges: 3, nextChargeAt: 0 });
  g.server.send({ type: 'state', state: 'open', cooldownSeconds: 5, charges: 3, serverTime: 0 });
  assert.match(g.el.cooldown.textContent, / · 3\/3$/);
  g.placing.place(0, 0);
  g.placing.place(1, 0);
  assert.equal(g.server.places().length, 2, 'the second needs no wait: a charge was left');
  assert.match(g.el.cooldown.textContent, / · 1\/3$/);
  assert.equal(g.el.cooldown.title, '1 of 3 charges');
  const [first, second] = g.server.places();
  g.server.send({ type: 'success', requestId: first.requestId, nextPlacement: 0, serverTime: 0, charges: 2, nextChargeAt: 5000 });
  g.server.send({ type: 'success', requestId: second.requestId, nextPlacement: 0, serverTime: 0, charges: 1, nextChargeAt: 5000 });
  g.placing.place(2, 0);
  assert.equal(g.server.places().length, 3, 'the last charge is spent');
  assert.equal(g.el.cooldown.textContent, 'Wait 5s · 0/3', 'then the cooldown runs');
  g.placing.place(3, 0);
  assert.equal(g.server.places().length, 3, 'no charge: the fourth waits');
  assert.match(g.shown.toasts.at(-1), /5/);
});

test('with batched acks the success comes with a batch, before or after the pixel\'s own: either confirms it', () => {
  for (const successFirst of [true, false]) {
    const g = playGame();
    g.connect(10);
    assert.match(g.server.socket().url, /[?&]acks=batched(&|$)/, 'the page asks for batched acks');
    g.placing.place(1, 2);
    const [sent] = g.server.places();
    const success = () => g.server.send({ type: 'success', requestId: sent.requestId, nextPlacement: 4000, serverTime: 0 });
    // One write of the server: the held success and the next batch.
    if (successFirst) success();
    g.server.pixels(10, 11, [{ x: 1, y: 2, color: 3 }]);
    if (!successFirst) success();
    assert.equal(g.placing.pending.size, 0, `success ${successFirst ? 'first' : 'second'}: answered`);
    assert.equal(g.board.colorAt(1, 2), 3);
    assert.equal(g.board.confirmedAt(1, 2), 3);
  }
});
