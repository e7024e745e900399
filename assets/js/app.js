// Entry point of the canvas page: wires the DOM to the pure modules. The
// page's HTML (views/canvas.templ) works without this file; with it, the
// canvas is a full-screen game, live over the WebSocket (docs/protocol.md).

import { Board, growsTo } from './board.js';
import { ColorMemory, paletteOrder, safeStorage } from './colors.js';
import { AppView } from './appview.js';
import { Chime } from './game.js';
import { barState, titleFor } from './status.js';
import { Cooldown, waitMessage } from './cooldown.js';
import { keyAction, moveCursor, cycleColor } from './keyboard.js';
import {
  CONNECTION_LABELS, describeCursor, errorMessage, placedMessage, selectedMessage,
} from './messages.js';
import { Connection } from './net.js';
import { ReadyNotifier } from './notify.js';
import { DEFAULT_PALETTE, normalizePalette } from './palette.js';
import { PendingPlacements } from './pending.js';
import { TemplateOverlay, mountOverlayControls } from './overlay.js';
import { EventBanner, canPlace, describeState } from './eventstate.js';
import { PixelInfo } from './pixelinfo.js';
import { encodePlace, newRequestId, socketURL } from './protocol.js';
import { PointerControls } from './input.js';
import { Renderer } from './renderer.js';
import { debounce } from './debounce.js';
import { ensureVisible, pixelAt, toScreen } from './view.js';

const TOAST_MS = 4000;
/** How long the connection must stay down before a screen reader hears of it. */
const LOST_ANNOUNCE_DELAY_MS = 2000;
/** What a screen reader hears when the connection stays lost, by state. */
const LOST_ANNOUNCEMENTS = {
  offline: 'Connection lost. You are offline.',
  reconnecting: 'Connection lost. Reconnecting…',
  updating: 'The game is updating. Back in a moment.',
};

/** matchesFocusVisible is true for keyboard focus; browsers without the selector count every focus. */
function matchesFocusVisible(el) {
  try {
    return el.matches(':focus-visible');
  } catch {
    return true;
  }
}

class App extends AppView {
  constructor(root) {
    super();
    const $ = (id) => document.getElementById(id);
    this.el = {
      root,
      viewport: $('viewport'),
      canvas: $('canvas'),
      status: $('canvas-status'),
      palette: $('palette'),
      selected: $('selected-color'),
      cooldown: $('cooldown'),
      connection: $('connection'),
      toast: $('toast'),
      announcer: $('announcer'),
      whoami: $('whoami'),
      form: $('place-form'),
      formX: $('place-x'),
      formY: $('place-y'),
      formColor: $('place-color'),
      notify: $('notify-ready'),
      notifyStatus: $('notify-status'),
      bar: $('bar'),
      pill: $('pill'),
      placeButton: $('place-button'),
      eyedropper: $('eyedropper'),
      info: $('pixel-info'),
      paletteSection: $('palette-section'),
    };
    this.swatches = [...this.el.palette.querySelectorAll('[data-color]')];
    this.palette = this.swatches.length === 16
      ? this.swatches.map((b) => ({ hex: b.dataset.hex, name: b.dataset.name }))
      : DEFAULT_PALETTE.slice();

    this.width = Number(root.dataset.width) || 500;
    this.height = Number(root.dataset.height) || 500;
    this.cooldownSeconds = Number(root.dataset.cooldownSeconds) || 5;
    this.board = new Board(this.width, this.height, this.palette);
    this.lastSeq = null;
    this.user = null;
    this.colors = new ColorMemory(this.palette.length, safeStorage());
    this.selected = this.colors.selected;
    this.cursor = { x: Math.floor(this.width / 2), y: Math.floor(this.height / 2) };
    /** The cursor is the selected pixel: shown once chosen by a tap, a click or the keyboard. */
    this.showCursor = false;
    this.hoverPx = null;
    this.eyedropper = false;
    /** Set after a placement the server refused for the cooldown. */
    this.limited = false;
    this.pageTitle = document.title;
    this.hashTimer = 0;
    this.zoomAnim = null;
    /** How long the latest frames took to draw (ms), for the browser tests. */
    this.drawTimes = [];
    this.view = { scale: 1, offsetX: 0, offsetY: 0 };
    this.fitted = false;
    this.wasConnected = false;
    this.lostAnnounced = false;
    this.lostTimer = 0;
    /** Set while a cooldown runs that the player should hear the end of. */
    this.waitingForReady = false;
    this.frame = 0;
    this.toastTimer = 0;
    this.announceQueue = [];

    this.notifier = new ReadyNotifier();
    this.cooldown = new Cooldown();
    this.cooldownText = '';
    this.pending = new PendingPlacements((entry) => this.expire(entry));
    /** A viewer becoming a player: its first pixel, placed after the welcome. */
    this.afterJoin = null;
    this.joining = false;
    this.renderer = new Renderer(this.el.canvas);
    this.renderer.setBoard(this.board);
    /** The event's state from the last `state` message, and the server clock's offset. */
    this.eventState = null;
    this.serverOffset = 0;
    this.banner = new EventBanner(this.makeBanner(root), () => Date.now() + this.serverOffset);
    this.overlay = new TemplateOverlay(() => this.requestDraw());
    this.overlay.cursor = () => this.cursor;
    this.pixelInfo = new PixelInfo(
      {
        coords: $('pixel-coords'), owner: $('pixel-owner'), when: $('pixel-when'),
        link: $('pixel-history-link'), admin: $('pixel-admin-link'),
      },
      (i) => this.colorName(i),
      undefined,
      { isAdmin: root.dataset.admin === 'true' },
    );
    this.chime = new Chime($('sound-ready'));
    this.announceCursor = debounce(() => {
      const { x, y } = this.cursor;
      this.announce(describeCursor(x, y, this.colorName(this.board.colorAt(x, y))));
    }, 150);

    this.conn = new Connection({
      url: () => socketURL(location, this.lastSeq),
      onMessage: (msg) => this.handle(msg),
      onState: (state) => this.connectionState(state),
      onProtocolError: (err) => this.protocolError(err),
    });
  }

  start() {
    document.documentElement.classList.replace('no-js', 'js');
    this.bindPalette();
    this.bindKeyboard();
    this.bindForm();
    this.bindZoomButtons();
    this.bindNotify();
    this.bindGame();
    const sheet = document.getElementById('more-sheet');
    if (sheet) mountOverlayControls(sheet, this.overlay);
    new PointerControls(this.el.canvas, {
      getView: () => this.view,
      setView: (v) => {
        this.zoomAnim = null; // a drag or pinch takes over from a smooth zoom
        this.setView(v, true);
      },
      onTap: (sx, sy, e) => this.tap(sx, sy, e),
      onDoubleTap: (sx, sy) => this.smoothZoom(2, sx, sy),
      onWheel: (f, sx, sy) => this.smoothZoom(f, sx, sy),
      onHover: (sx, sy) => this.hover(sx, sy),
      onLeave: () => this.leave(),
      scaleLimits: () => this.scaleLimits(),
    });
    const ro = new ResizeObserver(() => this.resize());
    ro.observe(this.el.viewport);
    if (this.el.bar) ro.observe(this.el.bar);
    window.addEventListener('online', () => this.conn.online(true));
    window.addEventListener('offline', () => this.conn.online(false));
    window.addEventListener('pagehide', () => this.conn.stop());
    window.addEventListener('pageshow', (e) => {
      if (e.persisted) this.conn.start();
    });
    window.addEventListener('hashchange', () => this.goToSpot(location.hash));
    setInterval(() => this.tickCooldown(), 250);
    this.orderPalette();
    this.selectColor(this.selected, false);
    this.resize();
    this.tickCooldown();
    this.conn.start();
  }

  // ---- messages -------------------------------------------------------

  handle(msg) {
    switch (msg.type) {
      case 'welcome': return this.onWelcome(msg);
      case 'canvas': return this.onCanvas(msg);
      case 'pixels': return this.onPixels(msg);
      case 'resize': return this.growBoard(msg.width, msg.height);
      case 'success': return this.onSuccess(msg);
      case 'error': return this.onError(msg);
      case 'state': return this.onState(msg);
      default: return undefined; // unknown types are ignored: newer servers may add some
    }
  }

  onWelcome(msg) {
    // An empty userId is a viewer: watching needs no session; one is made
    // when the player first places (startPlaying).
    this.user = { userId: msg.userId, username: msg.username, isGuest: msg.isGuest };
    if (this.el.whoami && this.el.whoami.hasAttribute('data-guest') && msg.username) {
      this.el.whoami.textContent = msg.username;
    }
    this.cooldown.fromWelcome(msg.cooldown, msg.serverTime, Date.now());
    const info = msg.canvasInfo ?? {};
    if (Number.isFinite(info.cooldownSeconds)) this.cooldownSeconds = info.cooldownSeconds;
    if (Array.isArray(info.palette) && info.palette.length > 0) this.setPalette(normalizePalette(info.palette));
    if (this.board.loaded && growsTo(this.width, this.height, info.width, info.height)) {
      // The canvas grew while this client was away: the replay that follows
      // may hold pixels in the new area.
      this.growBoard(info.width, info.height);
    } else if (Number.isInteger(info.width) && Number.isInteger(info.height)
        && (info.width !== this.width || info.height !== this.height)) {
      this.resizeBoard(info.width, info.height);
      if (this.lastSeq !== null) {
        // A resume against a canvas of another size cannot be trusted.
        this.lastSeq = null;
        this.conn.resync();
      }
    }
    this.tickCooldown();
    if (msg.userId && this.afterJoin) {
      const { x, y } = this.afterJoin;
      this.afterJoin = null;
      this.place(x, y);
    }
  }

  /** makeBanner returns the page's event banner, adding one if the page has none. */
  makeBanner(root) {
    const shown = document.getElementById('event-banner');
    if (shown) return shown;
    const el = document.createElement('p');
    el.className = 'event-banner';
    el.id = 'event-banner';
    el.dataset.testid = 'event-banner';
    el.hidden = true;
    root.prepend(el);
    return el;
  }

  onState(msg) {
    const previous = this.eventState;
    this.eventState = msg;
    if (Number.isFinite(msg.serverTime)) this.serverOffset = msg.serverTime - Date.now();
    if (Number.isFinite(msg.cooldownSeconds)) this.cooldownSeconds = msg.cooldownSeconds;
    this.banner.update(msg);
    if (previous && previous.state !== msg.state) {
      this.announce(describeState(msg, Date.now() + this.serverOffset) || 'The canvas is open again.');
    }
  }

  onCanvas(msg) {
    if (this.board.loaded && growsTo(this.width, this.height, msg.width, msg.height)) {
      this.growBoard(msg.width, msg.height);
    } else if (msg.width !== this.width || msg.height !== this.height) {
      this.resizeBoard(msg.width, msg.height);
    }
    this.board.load(msg.pixels);
    this.lastSeq = msg.seq;
    this.el.status.hidden = true;
    if (this.showCursor) this.showPixelInfo(this.cursor.x, this.cursor.y);
    this.updatePill();
    this.requestDraw();
  }

  onPixels(msg) {
    if (this.lastSeq === null || msg.prevSeq !== this.lastSeq) {
      // A gap (or pixels before any canvas): reconnect and catch up.
      this.conn.resync();
      return;
    }
    this.board.applyEvents(msg.events);
    this.lastSeq = msg.seq;
    for (const e of msg.events) this.pixelInfo.refresh(e.x, e.y, this.board.colorAt(e.x, e.y));
    this.requestDraw();
  }

  onSuccess(msg) {
    const now = Date.now();
    this.cooldown.fromSuccess(msg.nextPlacement, msg.serverTime, now);
    const entry = this.pending.take(msg.requestId);
    if (entry) {
      this.board.confirm(entry.x, entry.y, entry.color, entry.requestId);
      this.pixelInfo.refresh(entry.x, entry.y, this.board.colorAt(entry.x, entry.y));
      this.announce(placedMessage(this.colorName(entry.color), entry.x, entry.y, this.cooldown.remainingSeconds(now)));
      this.requestDraw();
    }
    this.waitingForReady = !this.cooldown.ready(now);
    this.tickCooldown();
  }

  onError(msg) {
    const now = Date.now();
    const entry = msg.requestId ? this.pending.take(msg.requestId) : undefined;
    if (entry) {
      this.board.rollback(entry.x, entry.y, entry.requestId);
      this.pixelInfo.recolor(entry.x, entry.y, this.board.colorAt(entry.x, entry.y));
      this.cooldown.restore(entry.previousCooldown);
      this.requestDraw();
    }
    if (msg.code === 'RATE_LIMITED') {
      this.cooldown.fromRemainingSeconds(msg.remainingSeconds, now);
      this.waitingForReady = true;
      this.limited = true;
    }
    if (msg.code === 'BANNED' && !msg.requestId) {
      // The moderator's ban reached this tab; the close that follows ends
      // the connection for good.
      this.showNotice(msg.message);
    }
    this.toast(errorMessage(msg));
    this.tickCooldown();
  }

  expire(entry) {
    this.board.rollback(entry.x, entry.y, entry.requestId);
    this.pixelInfo.recolor(entry.x, entry.y, this.board.colorAt(entry.x, entry.y));
    this.cooldown.restore(entry.previousCooldown);
    this.toast('The server did not confirm your pixel. Please try again.');
    this.requestDraw();
    this.tickCooldown();
  }

  protocolError(err) {
    console.warn('place: ignoring a message the client could not read:', err);
    // A garbled pixels or canvas frame may have held pixels: start over.
    if (this.lastSeq !== null) this.conn.resync();
  }

  /** showNotice keeps a message over the canvas (a ban). */
  showNotice(text) {
    this.el.status.textContent = text;
    this.el.status.dataset.state = 'banned';
    this.el.status.hidden = false;
  }

  connectionState(state) {
    if (state === 'banned' && this.el.status.dataset.state !== 'banned') {
      this.showNotice('You are banned from placing pixels.');
    }
    this.el.connection.textContent = CONNECTION_LABELS[state] ?? state;
    this.el.connection.dataset.state = state;
    if (state === 'banned') this.tickCooldown(); // the bar says so instead of a cooldown
    this.updateBar();
    if (state === 'connected') {
      clearTimeout(this.lostTimer);
      this.lostTimer = 0;
      if (this.lostAnnounced) this.announce('Connection restored.');
      this.lostAnnounced = false;
      this.wasConnected = true;
    } else if (this.wasConnected && !this.lostAnnounced && !this.lostTimer) {
      // A quick resync is not worth interrupting a screen reader for; a
      // connection still down after a moment is.
      this.lostTimer = setTimeout(() => {
        this.lostTimer = 0;
        if (this.conn.connected) return;
        this.lostAnnounced = true;
        this.announce(LOST_ANNOUNCEMENTS[this.conn.state] ?? LOST_ANNOUNCEMENTS.reconnecting);
      }, LOST_ANNOUNCE_DELAY_MS);
    }
  }

  // ---- placing --------------------------------------------------------

  place(x, y) {
    const now = Date.now();
    if (!this.board.loaded) {
      this.toast('The canvas is still loading.');
      return;
    }
    if (!this.board.inBounds(x, y)) return;
    if (this.selected < 0) {
      this.askForColor();
      return;
    }
    if (!this.cooldown.ready(now)) {
      this.toast(waitMessage(this.cooldown.remainingSeconds(now)));
      return;
    }
    if (!this.conn.connected) {
      this.toast('Not connected to the server. Your pixel was not placed.');
      return;
    }
    if (!canPlace(this.eventState)) {
      this.toast(describeState(this.eventState, now + this.serverOffset));
      return;
    }
    if (this.user && !this.user.userId) {
      this.startPlaying(x, y);
      return;
    }
    const requestId = newRequestId();
    const color = this.selected;
    if (!this.conn.send(encodePlace(x, y, color, requestId))) {
      this.toast('Not connected to the server. Your pixel was not placed.');
      return;
    }
    const previousCooldown = this.cooldown.start(this.cooldownSeconds, now);
    this.board.placeOptimistic(x, y, color, requestId);
    this.pixelInfo.recolor(x, y, color);
    this.pending.add({ requestId, x, y, color, previousCooldown });
    this.colors.used(color);
    this.orderPalette();
    this.waitingForReady = true;
    this.requestDraw();
    this.tickCooldown();
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
      const res = await fetch('/api/v1/session', { method: 'POST', credentials: 'same-origin' });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        this.toast(body.message || 'You cannot place right now. Please try again later.');
        return;
      }
      this.afterJoin = { x, y };
      this.conn.resync();
    } catch {
      this.toast('Not connected to the server. Your pixel was not placed.');
    } finally {
      this.joining = false;
    }
  }

  // ---- cooldown display -------------------------------------------------

  tickCooldown() {
    const now = Date.now();
    const text = this.conn?.state === 'banned' ? 'Banned' : this.cooldown.format(now);
    if (text !== this.cooldownText) {
      this.cooldownText = text;
      this.el.cooldown.textContent = text;
      this.el.cooldown.dataset.ready = String(this.cooldown.ready(now));
      document.title = titleFor(this.pageTitle, this.cooldown.remainingSeconds(now));
    }
    if (this.cooldown.ready(now)) this.limited = false;
    this.updateBar();
    if (this.waitingForReady && this.cooldown.ready(now) && this.pending.size === 0) {
      this.waitingForReady = false;
      this.announce('Ready to place.');
      this.notifier.ready('Ready to place.');
      this.chime.play();
    }
  }

  updateBar() {
    const state = barState({ connection: this.conn.state, ready: this.cooldown.ready(Date.now()), limited: this.limited });
    if (this.el.bar && this.el.bar.dataset.state !== state) this.el.bar.dataset.state = state;
  }

  // ---- colors -----------------------------------------------------------

  colorName(i) {
    return this.palette[i]?.name ?? 'unknown';
  }

  setPalette(palette) {
    this.palette = palette;
    this.board.setPalette(palette);
    this.swatches.forEach((b, i) => {
      if (!palette[i]) return;
      b.style.setProperty('--swatch', palette[i].hex);
      b.dataset.name = palette[i].name;
      b.setAttribute('aria-label', palette[i].name);
    });
    this.requestDraw();
  }

  selectColor(i, announce = true) {
    if (!(i >= 0 && i < this.palette.length)) return;
    this.selected = i;
    this.colors.select(i);
    this.swatches.forEach((b, j) => b.setAttribute('aria-pressed', String(i === j)));
    this.el.selected.textContent = this.colorName(i);
    this.el.bar?.style.setProperty('--selected', this.palette[i].hex);
    if (this.el.formColor) this.el.formColor.value = String(i);
    this.updatePill();
    if (announce) this.announce(selectedMessage(this.colorName(i)));
  }

  /** orderPalette shows the recently used colors first. */
  orderPalette() {
    const order = paletteOrder(this.colors.recent, this.swatches.length);
    order.forEach((i, pos) => { this.swatches[i].style.order = String(pos); });
  }

  bindPalette() {
    this.swatches.forEach((b) => {
      b.addEventListener('click', () => this.selectColor(Number(b.dataset.color), false));
    });
  }

  // ---- keyboard -----------------------------------------------------------

  bindKeyboard() {
    const c = this.el.canvas;
    c.addEventListener('focus', () => {
      // A click also focuses the canvas; only keyboard focus brings the
      // cursor into view, so clicking never jumps the view.
      if (!matchesFocusVisible(c)) return;
      this.showCursor = true;
      this.el.info.hidden = false;
      this.setView(ensureVisible(this.view, this.cursor.x, this.cursor.y, this.renderer.cssWidth, this.renderer.cssHeight));
      this.announceCursor();
      this.showPixelInfo(this.cursor.x, this.cursor.y);
    });

    c.addEventListener('keydown', (e) => {
      const action = keyAction(e, this.palette.length);
      if (!action) return;
      e.preventDefault();
      this.showCursor = true;
      this.el.info.hidden = false;
      this.keyboard(action);
      this.updatePill();
      this.requestDraw();
    });
  }

  keyboard(action) {
    switch (action.type) {
      case 'move': {
        this.cursor = moveCursor(this.cursor, action.dx, action.dy, this.width, this.height);
        this.setView(ensureVisible(this.view, this.cursor.x, this.cursor.y, this.renderer.cssWidth, this.renderer.cssHeight));
        this.announceCursor();
        this.showPixelInfo(this.cursor.x, this.cursor.y);
        break;
      }
      case 'place':
        this.place(this.cursor.x, this.cursor.y);
        break;
      case 'color':
        this.selectColor(action.index);
        break;
      case 'cycleColor':
        this.selectColor(cycleColor(this.selected, action.delta, this.palette.length));
        break;
      case 'zoom': {
        const p = toScreen(this.view, this.cursor.x + 0.5, this.cursor.y + 0.5);
        this.zoom(action.factor, p.x, p.y);
        break;
      }
      case 'pick':
        this.pick(this.cursor.x, this.cursor.y);
        break;
    }
  }

  // ---- form and buttons -------------------------------------------------

  bindForm() {
    const { form, formX, formY, formColor } = this.el;
    if (!form) return;
    formColor?.addEventListener('change', () => this.selectColor(Number(formColor.value), false));
    form.addEventListener('submit', (e) => {
      // With a live connection the form places over the WebSocket like a
      // click would; otherwise it posts to /place as it does without JS.
      if (!this.conn.connected || !this.board.loaded) return;
      e.preventDefault();
      const x = Number(formX.value);
      const y = Number(formY.value);
      if (!this.board.inBounds(x, y)) {
        this.toast(`Coordinates must be within 0–${this.width - 1} and 0–${this.height - 1}.`);
        return;
      }
      this.selectColor(Number(formColor.value), false);
      this.cursor = { x, y };
      this.setView(ensureVisible(this.view, x, y, this.renderer.cssWidth, this.renderer.cssHeight));
      this.showPixelInfo(x, y);
      this.place(x, y);
    });
  }

  bindNotify() {
    const { notify, notifyStatus } = this.el;
    if (!notify) return;
    const show = () => {
      notify.checked = this.notifier.wanted;
      if (notifyStatus) notifyStatus.textContent = this.notifier.status;
    };
    show();
    notify.addEventListener('change', async () => {
      // The permission prompt comes from this click, never on page load.
      const wanted = notify.checked;
      const on = await this.notifier.setWanted(wanted);
      show();
      // Unchecked again behind the player's back: say why.
      if (wanted && !on) this.announce(this.notifier.status || 'Notifications stay off.');
    });
  }

  /**
   * growBoard enlarges the canvas in place (a `resize` message, or a
   * welcome or canvas of a larger size): pixels, pending placements, the
   * cursor and the view all stay where they are; only the new area appears.
   */
  growBoard(width, height) {
    if (!this.board.grow(width, height)) return;
    this.width = width;
    this.height = height;
    this.renderer.setBoard(this.board);
    this.el.formX?.setAttribute('max', String(width - 1));
    this.el.formY?.setAttribute('max', String(height - 1));
    this.requestDraw();
  }

  resizeBoard(width, height) {
    this.width = width;
    this.height = height;
    this.board = new Board(width, height, this.palette);
    this.renderer.setBoard(this.board);
    this.cursor = moveCursor(this.cursor, 0, 0, width, height);
    this.el.formX?.setAttribute('max', String(width - 1));
    this.el.formY?.setAttribute('max', String(height - 1));
    this.fitted = false;
    this.resize();
  }

  // ---- feedback -----------------------------------------------------------

  announce(text) {
    // Sentences announced together are joined rather than overwriting each
    // other; clearing first makes screen readers repeat an identical one.
    this.announceQueue.push(text);
    if (this.announceQueue.length > 1) return;
    this.el.announcer.textContent = '';
    setTimeout(() => {
      this.el.announcer.textContent = this.announceQueue.join(' ');
      this.announceQueue = [];
    }, 30);
  }

  toast(text) {
    clearTimeout(this.toastTimer);
    this.el.toast.textContent = text;
    this.el.toast.classList.add('toast-visible');
    this.toastTimer = setTimeout(() => {
      this.el.toast.classList.remove('toast-visible');
      this.el.toast.textContent = '';
    }, TOAST_MS);
  }

  /** debugHook is window.placeApp: read-only state for browser tests. */
  debugHook() {
    const app = this;
    return Object.freeze({
      state: Object.freeze({
        get lastSeq() { return app.lastSeq; },
        get connected() { return app.conn.connected; },
        get connection() { return app.conn.state; },
        get cooldownUntil() { return app.cooldown.until; },
        get selectedColor() { return app.selected; },
        get cursor() { return { ...app.cursor }; },
        get view() { return { ...app.view }; },
        get selected() { return app.showCursor ? { ...app.cursor } : null; },
        get eyedropper() { return app.eyedropper; },
        get barState() { return app.el.bar?.dataset.state; },
        get pending() { return app.pending.size; },
        get user() { return app.user && { ...app.user }; },
        get width() { return app.width; },
        get height() { return app.height; },
      }),
      /** pixelAt is the color shown at (x, y), pending placements included; -1 outside. */
      pixelAt: (x, y) => app.board.colorAt(x, y),
      /** drawTimes are the latest frames' drawing times in ms. */
      drawTimes: () => app.drawTimes.slice(),
      /** confirmedAt is the color the server last reported at (x, y). */
      confirmedAt: (x, y) => app.board.confirmedAt(x, y),
    });
  }
}

// Importing this module outside a browser (e.g. under node --test) does nothing.
const root = typeof document === 'undefined' ? null : document.getElementById('app');
if (root) {
  const app = new App(root);
  window.placeApp = app.debugHook();
  app.start();
}
