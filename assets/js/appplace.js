// Placing on the canvas page, split from app.js: a placement checked,
// sent and shown at once while it is pending, a viewer's first placement
// (a guest session first), and the cooldown with the play bar's state.
// Each function takes the App (app.js) whose fields it reads and sets.

import { barState, barText, placeHeld, titleFor } from './status.js';
import { waitMessage } from './cooldown.js';
import { canPlace, describeState } from './eventstate.js';
import { encodePlace, newRequestId } from './protocol.js';

/**
 * place puts the selected color at (x, y) at once, pending until the
 * server confirms it; when it cannot, it says why and changes nothing.
 */
export function place(app, x, y) {
  const now = Date.now();
  if (!app.board.loaded) {
    app.toast('The canvas is still loading.');
    return;
  }
  if (!app.board.inBounds(x, y)) return;
  if (app.conn.state === 'banned') {
    app.toast('You are banned from placing pixels.');
    return;
  }
  if (app.selected < 0) {
    app.askForColor();
    return;
  }
  if (!app.cooldown.ready(now)) {
    app.toast(waitMessage(app.cooldown.remainingSeconds(now)));
    return;
  }
  if (!app.conn.connected) {
    app.toast('Not connected to the server. Your pixel was not placed.');
    return;
  }
  if (!canPlace(app.eventState)) {
    app.toast(describeState(app.eventState, now + app.serverOffset));
    return;
  }
  if (app.user && !app.user.userId) {
    startPlaying(app, x, y);
    return;
  }
  if (app.challenge.pending()) {
    // The address is busy and the worker is still solving the challenge
    // (usually done during the cooldown): place as soon as it is.
    if (!app.waitingForChallenge) {
      app.waitingForChallenge = true;
      app.toast('Many players share your address: your browser is checking in before placing…');
      app.challenge.ready().then(() => {
        app.waitingForChallenge = false;
        place(app, x, y);
      });
    }
    return;
  }
  const requestId = newRequestId();
  const color = app.selected;
  if (!app.conn.send(encodePlace(x, y, color, requestId, app.challenge.take()))) {
    app.toast('Not connected to the server. Your pixel was not placed.');
    return;
  }
  // With a charge to spare the next placement needs no wait; else the
  // cooldown runs until the server's answer says otherwise.
  const previousCooldown = app.cooldown.start(app.charges.available(now) > 1 ? 0 : app.cooldownSeconds, now);
  app.charges.spent();
  app.feedback.clearToast(); // a refusal shown before ("Pick a color first.") no longer holds
  app.board.placeOptimistic(x, y, color, requestId);
  app.pixelInfo.recolor(x, y, color);
  app.paint?.recolor(x, y);
  app.pending.add({ requestId, x, y, color, previousCooldown });
  app.colors.used(color); // the recent colors come first on the next visit, not under the pointer now
  app.waitingForReady = true;
  app.requestDraw();
  tickCooldown(app);
}

/**
 * startPlaying turns a viewer into a player on the first placement: the
 * server makes a guest session (or refuses, saying why and what to do),
 * then the socket reconnects with the new cookies and the pixel is
 * placed after the welcome.
 */
async function startPlaying(app, x, y) {
  if (app.joining) return;
  app.joining = true;
  try {
    const res = await fetch('/api/v1/session', { method: 'POST', credentials: 'same-origin' });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      app.toast(body.message || 'You cannot place right now. Please try again later.');
      return;
    }
    app.afterJoin = { x, y };
    app.conn.resync();
  } catch {
    app.toast('Not connected to the server. Your pixel was not placed.');
  } finally {
    app.joining = false;
  }
}

// ---- cooldown display -------------------------------------------------

/** tickCooldown shows the cooldown, in the bar and the title, and says when it ends. */
export function tickCooldown(app) {
  const now = Date.now();
  const more = app.charges.short(now);
  const text = barText(currentBarState(app), app.cooldown.format(now)) + (more ? ` · ${more}` : '');
  if (text !== app.cooldownText) {
    app.cooldownText = text;
    app.el.cooldown.textContent = text;
    if (more) app.el.cooldown.title = app.charges.words(now);
    app.el.cooldown.dataset.ready = String(app.cooldown.ready(now));
    document.title = titleFor(app.pageTitle, app.cooldown.remainingSeconds(now));
  }
  if (app.cooldown.ready(now)) app.limited = false;
  updateBar(app);
  if (app.waitingForReady && app.cooldown.ready(now) && app.pending.size === 0) {
    app.waitingForReady = false;
    app.announce('Ready to place.');
    app.notifier.ready('Ready to place.');
    app.chime.play();
  }
}

function currentBarState(app) {
  return barState({
    connection: app.conn?.state, ready: app.cooldown.ready(Date.now()), limited: app.limited, event: app.eventState?.state,
  });
}

/**
 * updateBar sets the play bar's state from the connection, the event and
 * the cooldown; the Place button looks disabled while nothing can be
 * placed (it stays focusable and says why when pressed).
 */
export function updateBar(app) {
  const state = currentBarState(app);
  if (app.el.bar && app.el.bar.dataset.state !== state) app.el.bar.dataset.state = state;
  const held = String(placeHeld(state));
  if (app.el.placeButton && app.el.placeButton.getAttribute('aria-disabled') !== held) {
    app.el.placeButton.setAttribute('aria-disabled', held);
  }
}
