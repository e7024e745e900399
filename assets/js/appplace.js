// Placing on the canvas page: a placement checked, sent and shown at once
// while it is pending, confirmed, refused or expired; a viewer's first
// placement (a guest session first); the cooldown and the charges with
// the play bar's state. Placing owns the cooldown, the charges, the
// pending placements and the challenge; what it needs of the rest of the page comes in its
// constructor.

import { barState, barText, placeHeld, titleFor } from './status.js';
import { Cooldown, waitMessage } from './cooldown.js';
import { ChargeCounter } from './charges.js';
import { canPlace, describeState } from './eventstate.js';
import { errorMessage, placedMessage } from './messages.js';
import { PendingPlacements } from './pending.js';
import { encodePlace, newRequestId } from './protocol.js';

const NOT_CONNECTED = 'Not connected to the server. Your pixel was not placed.';

export class Placing {
  /**
   * @param {object} d
   * @param {import('./board.js').Board} d.board the canvas shown
   * @param {{state: string, connected: boolean, send: (text: string) => boolean, resync: () => void}} d.conn
   * @param {{offer: Function, pending: () => boolean, ready: () => Promise<void>, take: () => any}} d.challenge
   * @param {{toast: Function, announce: Function, clearToast: Function}} d.feedback
   * @param {{recolor: Function, refresh: Function}} d.pixelInfo
   * @param {{selected: () => number, used: (i: number) => void, name: (i: number) => string}} d.colors
   * @param {() => void} d.askForColor the nudge to pick a color first
   * @param {{state: () => ?object, serverNow: () => number}} d.event the event's last state
   * @param {() => boolean} d.isViewer true until the player has a session
   * @param {() => void} d.redraw asks for a new frame
   * @param {(text: string) => void} d.onReady the cooldown ended (sound, notification)
   * @param {(text: string) => void} d.onBanned a ban reached this tab
   * @param {{cooldown: object, bar?: object, placeButton?: object}} d.el the bar's elements
   * @param {(seconds: number) => void} d.setTitle shows the seconds left in the tab title
   * @param {number} [d.cooldownSeconds]
   * @param {typeof fetch} [d.fetch]
   * @param {() => number} [d.now]
   * @param {{setTimeout: Function, clearTimeout: Function}} [d.timers] for the pending placements
   */
  constructor(d) {
    this.d = d;
    this.board = d.board;
    this.conn = d.conn;
    this.challenge = d.challenge;
    this.feedback = d.feedback;
    this.el = d.el;
    this.now = d.now ?? (() => Date.now());
    this.fetch = d.fetch ?? ((...a) => globalThis.fetch(...a));
    this.cooldownSeconds = d.cooldownSeconds ?? 5;
    this.cooldown = new Cooldown();
    this.charges = new ChargeCounter();
    this.pending = new PendingPlacements((entry) => this.expire(entry), d.timers);
    /** Set after a placement the server refused for the cooldown. */
    this.limited = false;
    /** Set while a cooldown runs that the player should hear the end of. */
    this.waitingForReady = false;
    this.waitingForChallenge = false;
    /** A viewer becoming a player: its first pixel, placed after the welcome. */
    this.afterJoin = null;
    this.joining = false;
    this.barText = '';
  }

  /**
   * place puts the selected color at (x, y) at once, pending until the
   * server confirms it; when it cannot, it says why and changes nothing.
   */
  place(x, y) {
    const now = this.now();
    const { board, conn, feedback } = this;
    if (!board.loaded) {
      feedback.toast('The canvas is still loading.');
      return;
    }
    if (!board.inBounds(x, y)) return;
    if (conn.state === 'banned') {
      feedback.toast('You are banned from placing pixels.');
      return;
    }
    const color = this.d.colors.selected();
    if (color < 0) {
      this.d.askForColor();
      return;
    }
    if (!this.cooldown.ready(now)) {
      feedback.toast(waitMessage(this.cooldown.remainingSeconds(now)));
      return;
    }
    if (!conn.connected) {
      feedback.toast(NOT_CONNECTED);
      return;
    }
    const event = this.d.event.state();
    if (!canPlace(event)) {
      feedback.toast(describeState(event, this.d.event.serverNow()));
      return;
    }
    if (this.d.isViewer()) {
      this.startPlaying(x, y);
      return;
    }
    if (this.challenge.pending()) {
      // The address is busy and the worker is still solving the challenge
      // (usually done during the cooldown): place as soon as it is.
      if (!this.waitingForChallenge) {
        this.waitingForChallenge = true;
        feedback.toast('Many players share your address: your browser is checking in before placing…');
        this.challenge.ready().then(() => {
          this.waitingForChallenge = false;
          this.place(x, y);
        });
      }
      return;
    }
    const requestId = newRequestId();
    if (!conn.send(encodePlace(x, y, color, requestId, this.challenge.take()))) {
      feedback.toast(NOT_CONNECTED);
      return;
    }
    // With a charge to spare the next placement needs no wait; else the
    // cooldown runs until the server's answer says otherwise.
    const previousCooldown = this.cooldown.start(this.charges.available(now) > 1 ? 0 : this.cooldownSeconds, now);
    this.charges.spent();
    feedback.clearToast(); // a refusal shown before ("Pick a color first.") no longer holds
    board.placeOptimistic(x, y, color, requestId);
    this.d.pixelInfo.recolor(x, y, color);
    this.pending.add({ requestId, x, y, color, previousCooldown });
    this.d.colors.used(color); // the recent colors come first on the next visit, not under the pointer now
    this.waitingForReady = true;
    this.d.redraw();
    this.tick();
  }

  /**
   * startPlaying turns a viewer into a player on the first placement: the
   * server makes a guest session (or refuses, saying why and what to do),
   * then the socket reconnects with the new cookies and the pixel is
   * placed after the welcome.
   */
  async startPlaying(x, y) {
    if (this.joining) return;
    this.joining = true;
    try {
      const res = await this.fetch('/api/v1/session', { method: 'POST', credentials: 'same-origin' });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        this.feedback.toast(body.message || 'You cannot place right now. Please try again later.');
        return;
      }
      this.afterJoin = { x, y };
      this.conn.resync();
    } catch {
      this.feedback.toast(NOT_CONNECTED);
    } finally {
      this.joining = false;
    }
  }

  // ---- the server's answers -----------------------------------------------

  /** welcome takes the cooldown of a welcome and places a new player's first pixel. */
  welcome(msg) {
    this.challenge.offer(msg.challenge);
    this.cooldown.fromWelcome(msg.cooldown, msg.serverTime, this.now());
    this.charges.update(msg, this.now());
    const seconds = msg.canvasInfo?.cooldownSeconds;
    if (Number.isFinite(seconds)) this.cooldownSeconds = seconds;
    this.tick();
    if (msg.userId && this.afterJoin) {
      const { x, y } = this.afterJoin;
      this.afterJoin = null;
      this.place(x, y);
    }
  }

  /** setCooldownSeconds is the cooldown of the next placements (an event's `state`). */
  setCooldownSeconds(seconds) {
    if (Number.isFinite(seconds)) this.cooldownSeconds = seconds;
  }

  /** setChargeLimit is the charges a player may store (an event's `state`). */
  setChargeLimit(limit) {
    this.charges.setLimit(limit);
  }

  /** success is a placement the server accepted. */
  success(msg) {
    this.challenge.offer(msg.challenge);
    const now = this.now();
    this.cooldown.fromSuccess(msg.nextPlacement, msg.serverTime, now);
    this.charges.update(msg, now);
    const entry = this.pending.take(msg.requestId);
    if (entry) {
      this.board.confirm(entry.x, entry.y, entry.color, entry.requestId);
      this.d.pixelInfo.refresh(entry.x, entry.y, this.board.colorAt(entry.x, entry.y));
      const name = this.d.colors.name(entry.color);
      this.feedback.announce(placedMessage(name, entry.x, entry.y, this.cooldown.remainingSeconds(now)));
      this.d.redraw();
    }
    this.waitingForReady = !this.cooldown.ready(now);
    this.tick();
  }

  /** error is a refusal: of a placement (its pixel rolls back) or of the player (a ban). */
  error(msg) {
    if (msg.requestId) this.challenge.offer(msg.challenge);
    const now = this.now();
    const entry = msg.requestId ? this.pending.take(msg.requestId) : undefined;
    if (entry) this.undo(entry);
    // ADDRESS_BUDGET: the address's shared budget is spent; wait like a
    // cooldown (the toast says why and what to do).
    if (msg.code === 'RATE_LIMITED' || msg.code === 'ADDRESS_BUDGET') {
      this.cooldown.fromRemainingSeconds(msg.remainingSeconds, now);
      this.waitingForReady = true;
      this.limited = true;
    }
    // The moderator's ban reached this tab; the close that follows ends
    // the connection for good.
    if (msg.code === 'BANNED' && !msg.requestId) this.d.onBanned(msg.message);
    if (msg.code === 'CHALLENGE_REQUIRED' && entry && msg.challenge) {
      // The address became busy since the last answer: solve the challenge
      // that came with the refusal and place the same pixel again.
      this.challenge.ready().then(() => {
        if (this.d.colors.selected() === entry.color) this.place(entry.x, entry.y);
      });
      this.tick();
      return;
    }
    this.feedback.toast(errorMessage(msg));
    this.tick();
  }

  /** expire undoes a placement the server never answered. */
  expire(entry) {
    this.undo(entry);
    this.feedback.toast('The server did not confirm your pixel. Please try again.');
    this.tick();
  }

  undo(entry) {
    this.board.rollback(entry.x, entry.y, entry.requestId);
    this.d.pixelInfo.recolor(entry.x, entry.y, this.board.colorAt(entry.x, entry.y));
    this.cooldown.restore(entry.previousCooldown);
    this.d.redraw();
  }

  // ---- the bar --------------------------------------------------------------

  /** tick shows the cooldown, in the bar and the title, and says when it ends. */
  tick() {
    const now = this.now();
    const ready = this.cooldown.ready(now);
    const more = this.charges.short(now);
    const text = barText(this.barState(), this.cooldown.format(now)) + (more ? ` · ${more}` : '');
    if (text !== this.barText) {
      this.barText = text;
      this.el.cooldown.textContent = text;
      if (more) this.el.cooldown.title = this.charges.words(now);
      this.el.cooldown.dataset.ready = String(ready);
      this.d.setTitle(this.cooldown.remainingSeconds(now));
    }
    if (ready) this.limited = false;
    this.updateBar();
    if (this.waitingForReady && ready && this.pending.size === 0) {
      this.waitingForReady = false;
      this.d.onReady('Ready to place.');
    }
  }

  barState() {
    return barState({
      connection: this.conn.state,
      ready: this.cooldown.ready(this.now()),
      limited: this.limited,
      event: this.d.event.state()?.state,
    });
  }

  /**
   * updateBar sets the play bar's state from the connection, the event and
   * the cooldown; the Place button looks disabled while nothing can be
   * placed (it stays focusable and says why when pressed).
   */
  updateBar() {
    const state = this.barState();
    const { bar, placeButton } = this.el;
    if (bar && bar.dataset.state !== state) bar.dataset.state = state;
    const held = String(placeHeld(state));
    if (placeButton && placeButton.getAttribute('aria-disabled') !== held) {
      placeButton.setAttribute('aria-disabled', held);
    }
  }
}

/** tabTitle returns setTitle for Placing: the page's title, with the seconds left during a cooldown. */
export function tabTitle(doc) {
  const pageTitle = doc.title;
  return (seconds) => { doc.title = titleFor(pageTitle, seconds); };
}
