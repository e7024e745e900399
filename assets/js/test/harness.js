// The connection and placing parts of the game wired as app.js wires them
// (a real Connection, Placing and Sync on one Board), with the page around
// them faked: the test plays the server on a FakeSocket and moves the
// clock by hand. Not a test file itself.

import { Board } from '../board.js';
import { Connection } from '../net.js';
import { Placing } from '../appplace.js';
import { Sync } from '../appconn.js';
import { DEFAULT_PALETTE } from '../palette.js';
import { socketURL } from '../protocol.js';
import { FakeSocket, fakeElement, fakeTimers } from './fakes.js';

/** noChallenge is a solver for a server that asks for no proof of work. */
export const noChallenge = () => ({
  offered: [],
  offer(c) { this.offered.push(c); },
  pending: () => false,
  ready: () => Promise.resolve(),
  take: () => undefined,
});

/**
 * playGame returns the wired parts and what they showed; opts may set
 * width, height, cooldownSeconds, fetch and challenge.
 */
export function playGame(opts = {}) {
  FakeSocket.all = [];
  const timers = fakeTimers();
  const board = new Board(opts.width ?? 4, opts.height ?? 3, DEFAULT_PALETTE);
  const shown = {
    toasts: [], announced: [], ready: [], titles: [], palettes: [], banners: [],
    grown: [], resets: [], loads: 0, draws: 0, asked: 0, used: [], refreshed: [], recolored: [],
  };
  const feedback = {
    toast: (t) => shown.toasts.push(t),
    announce: (t) => shown.announced.push(t),
    clearToast: () => shown.toasts.push(''),
  };
  const pixelInfo = {
    recolor: (x, y, c) => shown.recolored.push([x, y, c]),
    refresh: (x, y, c) => shown.refreshed.push([x, y, c]),
  };
  const colors = { index: 3 };
  const el = {
    cooldown: fakeElement(), bar: fakeElement(), placeButton: fakeElement(),
    status: fakeElement({ hidden: true }), connection: fakeElement(), whoami: fakeElement(),
  };
  const redraw = () => { shown.draws++; };
  let sync = null;
  const conn = new Connection({
    url: () => socketURL({ protocol: 'http:', host: 'h' }, sync.lastSeq),
    onMessage: (m) => sync.handle(m),
    onState: (s) => sync.connectionState(s),
    onProtocolError: (e) => sync.protocolError(e),
    WebSocket: FakeSocket,
    timers,
    random: () => 0,
    now: timers.now,
    isOnline: () => true,
  });
  const challenge = opts.challenge ?? noChallenge();
  const placing = new Placing({
    board, conn, challenge, feedback, pixelInfo, el, redraw,
    colors: { selected: () => colors.index, used: (i) => shown.used.push(i), name: (i) => `color ${i}` },
    askForColor: () => { shown.asked++; },
    event: { state: () => sync.eventState, serverNow: () => sync.serverNow() },
    isViewer: () => sync.isViewer(),
    onReady: (t) => shown.ready.push(t),
    onBanned: (t) => sync.notice(t),
    setTitle: (s) => shown.titles.push(s),
    cooldownSeconds: opts.cooldownSeconds ?? 5,
    fetch: opts.fetch,
    now: timers.now,
    timers,
  });
  sync = new Sync({
    conn, board, placing, pixelInfo, feedback, el, redraw,
    colors: { setPalette: (p) => shown.palettes.push(p) },
    size: {
      grow: (w, h) => { if (board.grow(w, h)) shown.grown.push([w, h]); },
      reset: (w, h) => { board.reset(w, h); shown.resets.push([w, h]); },
    },
    loaded: () => { shown.loads++; },
    banner: { update: (s) => shown.banners.push(s) },
    now: timers.now,
    timers,
  });

  const socket = () => FakeSocket.all[FakeSocket.all.length - 1];
  const send = (msg) => socket().receive(typeof msg === 'string' ? msg : JSON.stringify(msg));
  const server = {
    socket,
    sockets: FakeSocket.all,
    send,
    /** welcome opens the newest socket and welcomes a player (userId '' for a viewer). */
    welcome(extra = {}) {
      socket().open();
      send({
        type: 'welcome', userId: 'u1', username: 'Guest_1', isGuest: true, cooldown: 0, serverTime: 0,
        canvasInfo: { width: board.width, height: board.height }, ...extra,
      });
    },
    canvas(seq, pixels, width = board.width, height = board.height) {
      send({ type: 'canvas', width, height, seq, data: Buffer.from(pixels).toString('base64') });
    },
    pixels(prevSeq, seq, events) {
      send({ type: 'pixels', prevSeq, seq, events });
    },
    /** places are the `place` requests sent on the newest socket. */
    places: () => socket().sent.map((t) => JSON.parse(t)).filter((m) => m.type === 'place'),
  };
  /** connect starts the game, welcomes a player and sends a white canvas at seq. */
  const connect = (seq = 10, extra = {}) => {
    conn.start();
    server.welcome(extra);
    server.canvas(seq, new Uint8Array(board.width * board.height));
  };
  return { board, conn, placing, sync, colors, el, shown, timers, server, connect, challenge };
}
