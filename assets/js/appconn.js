// The connection side of the canvas page, split from app.js: the server's
// messages (docs/protocol.md), pending placements confirmed, refused or
// expired, and the connection's state with its announcements. Each
// function takes the App (app.js) whose fields it reads and sets.

import { growsTo } from './board.js';
import { CONNECTION_LABELS, errorMessage, placedMessage } from './messages.js';
import { normalizePalette } from './palette.js';
import { describeState } from './eventstate.js';
import { place as placeAgain, tickCooldown, updateBar } from './appplace.js';

/** How long the connection must stay down before a screen reader hears of it. */
const LOST_ANNOUNCE_DELAY_MS = 2000;
/** What a screen reader hears when the connection stays lost, by state. */
const LOST_ANNOUNCEMENTS = {
  offline: 'Connection lost. You are offline.',
  reconnecting: 'Connection lost. Reconnecting…',
  updating: 'The game is updating. Back in a moment.',
};

/** handleMessage applies one message from the server. */
export function handleMessage(app, msg) {
  switch (msg.type) {
    case 'welcome': return onWelcome(app, msg);
    case 'canvas': return onCanvas(app, msg);
    case 'pixels': return onPixels(app, msg);
    case 'resize': return app.growBoard(msg.width, msg.height);
    case 'success': return onSuccess(app, msg);
    case 'error': return onError(app, msg);
    case 'state': return onState(app, msg);
    default: return undefined; // unknown types are ignored: newer servers may add some
  }
}

function onWelcome(app, msg) {
  app.challenge.offer(msg.challenge);
  // An empty userId is a viewer: watching needs no session; one is made
  // when the player first places (startPlaying, appplace.js).
  app.user = { userId: msg.userId, username: msg.username, isGuest: msg.isGuest };
  if (app.el.whoami && app.el.whoami.hasAttribute('data-guest') && msg.username) {
    app.el.whoami.textContent = msg.username;
  }
  app.cooldown.fromWelcome(msg.cooldown, msg.serverTime, Date.now());
  app.charges.update(msg, Date.now());
  const info = msg.canvasInfo ?? {};
  if (Number.isFinite(info.cooldownSeconds)) app.cooldownSeconds = info.cooldownSeconds;
  if (Array.isArray(info.palette) && info.palette.length > 0) app.setPalette(normalizePalette(info.palette));
  if (app.board.loaded && growsTo(app.width, app.height, info.width, info.height)) {
    // The canvas grew while this client was away: the replay that follows
    // may hold pixels in the new area.
    app.growBoard(info.width, info.height);
  } else if (Number.isInteger(info.width) && Number.isInteger(info.height)
      && (info.width !== app.width || info.height !== app.height)) {
    app.resizeBoard(info.width, info.height);
    if (app.lastSeq !== null) {
      // A resume against a canvas of another size cannot be trusted.
      app.lastSeq = null;
      app.conn.resync();
    }
  }
  tickCooldown(app);
  if (msg.userId && app.afterJoin) {
    const { x, y } = app.afterJoin;
    app.afterJoin = null;
    app.place(x, y);
  }
}

function onState(app, msg) {
  const previous = app.eventState;
  app.eventState = msg;
  if (Number.isFinite(msg.serverTime)) app.serverOffset = msg.serverTime - Date.now();
  if (Number.isFinite(msg.cooldownSeconds)) app.cooldownSeconds = msg.cooldownSeconds;
  app.charges.setLimit(msg.charges);
  app.banner.update(msg);
  tickCooldown(app); // the bar says "Paused" or "Closed" rather than "Ready"
  if (previous && previous.state !== msg.state) {
    app.announce(describeState(msg, Date.now() + app.serverOffset) || 'The canvas is open again.');
  }
}

function onCanvas(app, msg) {
  if (app.board.loaded && growsTo(app.width, app.height, msg.width, msg.height)) {
    app.growBoard(msg.width, msg.height);
  } else if (msg.width !== app.width || msg.height !== app.height) {
    app.resizeBoard(msg.width, msg.height);
  }
  app.board.load(msg.pixels);
  app.lastSeq = msg.seq;
  app.el.status.hidden = true;
  if (app.showCursor) app.showPixelInfo(app.cursor.x, app.cursor.y);
  app.updatePill();
  app.requestDraw();
}

function onPixels(app, msg) {
  if (app.lastSeq === null || msg.prevSeq !== app.lastSeq) {
    // A gap (or pixels before any canvas): reconnect and catch up.
    app.conn.resync();
    return;
  }
  app.board.applyEvents(msg.events);
  app.lastSeq = msg.seq;
  for (const e of msg.events) app.pixelInfo.refresh(e.x, e.y, app.board.colorAt(e.x, e.y));
  app.requestDraw();
}

function onSuccess(app, msg) {
  app.challenge.offer(msg.challenge);
  const now = Date.now();
  app.cooldown.fromSuccess(msg.nextPlacement, msg.serverTime, now);
  app.charges.update(msg, now);
  const entry = app.pending.take(msg.requestId);
  if (entry) {
    app.board.confirm(entry.x, entry.y, entry.color, entry.requestId);
    app.pixelInfo.refresh(entry.x, entry.y, app.board.colorAt(entry.x, entry.y));
    app.announce(placedMessage(app.colorName(entry.color), entry.x, entry.y, app.cooldown.remainingSeconds(now)));
    app.requestDraw();
  }
  app.waitingForReady = !app.cooldown.ready(now);
  tickCooldown(app);
}

function onError(app, msg) {
  if (msg.requestId) app.challenge.offer(msg.challenge);
  const now = Date.now();
  const entry = msg.requestId ? app.pending.take(msg.requestId) : undefined;
  if (entry) {
    app.board.rollback(entry.x, entry.y, entry.requestId);
    app.pixelInfo.recolor(entry.x, entry.y, app.board.colorAt(entry.x, entry.y));
    app.cooldown.restore(entry.previousCooldown);
    app.requestDraw();
  }
  // ADDRESS_BUDGET: the address's shared budget is spent; wait like a
  // cooldown (the toast says why and what to do).
  if (msg.code === 'RATE_LIMITED' || msg.code === 'ADDRESS_BUDGET') {
    app.cooldown.fromRemainingSeconds(msg.remainingSeconds, now);
    app.waitingForReady = true;
    app.limited = true;
  }
  if (msg.code === 'BANNED' && !msg.requestId) {
    // The moderator's ban reached this tab; the close that follows ends
    // the connection for good.
    showNotice(app, msg.message);
  }
  if (msg.code === 'CHALLENGE_REQUIRED' && entry && msg.challenge) {
    // The address became busy since the last answer: solve the challenge
    // that came with the refusal and place the same pixel again.
    app.challenge.ready().then(() => {
      if (app.selected === entry.color) placeAgain(app, entry.x, entry.y);
    });
    tickCooldown(app);
    return;
  }
  app.toast(errorMessage(msg));
  tickCooldown(app);
}

/** expirePlacement undoes a placement the server never answered. */
export function expirePlacement(app, entry) {
  app.board.rollback(entry.x, entry.y, entry.requestId);
  app.pixelInfo.recolor(entry.x, entry.y, app.board.colorAt(entry.x, entry.y));
  app.cooldown.restore(entry.previousCooldown);
  app.toast('The server did not confirm your pixel. Please try again.');
  app.requestDraw();
  tickCooldown(app);
}

export function protocolError(app, err) {
  console.warn('place: ignoring a message the client could not read:', err);
  // A garbled pixels or canvas frame may have held pixels: start over.
  if (app.lastSeq !== null) app.conn.resync();
}

/** showNotice keeps a message over the canvas (a ban). */
function showNotice(app, text) {
  app.el.status.textContent = text;
  app.el.status.dataset.state = 'banned';
  app.el.status.hidden = false;
}

/**
 * connectionState shows the connection's state; a screen reader hears of
 * a loss that lasts and of the connection's return.
 */
export function connectionState(app, state) {
  if (state === 'banned' && app.el.status.dataset.state !== 'banned') {
    showNotice(app, 'You are banned from placing pixels.');
  }
  app.el.connection.textContent = CONNECTION_LABELS[state] ?? state;
  app.el.connection.dataset.state = state;
  if (state === 'banned') tickCooldown(app); // the bar says so instead of a cooldown
  updateBar(app);
  if (state === 'connected') {
    clearTimeout(app.lostTimer);
    app.lostTimer = 0;
    if (app.lostAnnounced) app.announce('Connection restored.');
    app.lostAnnounced = false;
    app.wasConnected = true;
  } else if (app.wasConnected && !app.lostAnnounced && !app.lostTimer) {
    // A quick resync is not worth interrupting a screen reader for; a
    // connection still down after a moment is.
    app.lostTimer = setTimeout(() => {
      app.lostTimer = 0;
      if (app.conn.connected) return;
      app.lostAnnounced = true;
      app.announce(LOST_ANNOUNCEMENTS[app.conn.state] ?? LOST_ANNOUNCEMENTS.reconnecting);
    }, LOST_ANNOUNCE_DELAY_MS);
  }
}
