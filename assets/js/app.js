// Entry point of the canvas page: builds the App, the state the other
// modules share, and wires the DOM to them. The page's HTML
// (views/canvas.templ) works without this file; with it, the canvas is a
// full-screen game, live over the WebSocket (docs/protocol.md). The App's
// parts live in app*.js: appconn.js (the server's messages), appplace.js
// (placing and the cooldown), appkeys.js (palette, keyboard and form),
// appfeedback.js (announcements and toasts), appview.js and appaim.js
// (the view and aiming, which App inherits).

import { Board } from './board.js';
import { ChallengeSolver } from './challenge.js';
import { ColorMemory, paletteOrder, safeStorage } from './colors.js';
import { AppView } from './appview.js';
import { Feedback } from './appfeedback.js';
import { connectionState, expirePlacement, handleMessage, protocolError } from './appconn.js';
import { bindForm, bindKeyboard, bindNotify, bindPalette } from './appkeys.js';
import { place as placeAt, tickCooldown } from './appplace.js';
import { Chime } from './game.js';
import { Cooldown } from './cooldown.js';
import { ChargeCounter } from './charges.js';
import { moveCursor } from './keyboard.js';
import { describeCursor, selectedMessage } from './messages.js';
import { Connection } from './net.js';
import { ReadyNotifier } from './notify.js';
import { DEFAULT_PALETTE } from './palette.js';
import { PendingPlacements } from './pending.js';
import { TemplateOverlay, mountOverlayControls } from './overlay.js';
import { mountCanvasOverlays, mountOutlines } from './overlays.js';
import { mountTeamPicker } from './teams.js';
import { mountTemplateHealth } from './templatehealth.js';
import { PaintByNumber } from './paintbynumber.js';
import { mountSymbols } from './symbols.js';
import { EventBanner } from './eventstate.js';
import { PixelInfo } from './pixelinfo.js';
import { socketURL } from './protocol.js';
import { PointerControls } from './input.js';
import { Renderer } from './renderer.js';
import { debounce } from './debounce.js';

/** gameElements finds the game's elements on the canvas page. */
function gameElements(root, $) {
  return {
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
}

class App extends AppView {
  constructor(root) {
    super();
    const $ = (id) => document.getElementById(id);
    this.el = gameElements(root, $);
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
    this.feedback = new Feedback(this.el.announcer, this.el.toast);

    this.notifier = new ReadyNotifier();
    this.cooldown = new Cooldown();
    this.charges = new ChargeCounter();
    this.cooldownText = '';
    this.pending = new PendingPlacements((entry) => expirePlacement(this, entry));
    // The proof-of-work challenge of a busy address, solved off the page's thread.
    this.challenge = new ChallengeSolver(() => new Worker(new URL('./challengeworker.js', import.meta.url), { type: 'module' }));
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
    this.paint = new PaintByNumber(this, $('pixel-info'));
    this.chime = new Chime($('sound-ready'));
    this.announceCursor = debounce(() => {
      const { x, y } = this.cursor;
      const want = this.paint.words(x, y);
      this.announce(describeCursor(x, y, this.colorName(this.board.colorAt(x, y))) + (want ? `. ${want}` : ''));
    }, 150);

    this.conn = new Connection({
      url: () => socketURL(location, this.lastSeq),
      onMessage: (msg) => handleMessage(this, msg),
      onState: (state) => connectionState(this, state),
      onProtocolError: (err) => protocolError(this, err),
    });
  }

  start() {
    document.documentElement.classList.replace('no-js', 'js');
    bindPalette(this);
    bindKeyboard(this);
    bindForm(this);
    this.bindZoomButtons();
    bindNotify(this);
    this.bindGame();
    const sheet = document.getElementById('more-sheet');
    if (sheet) {
      mountCanvasOverlays(sheet, this);
      mountOutlines(sheet, this);
      mountOverlayControls(sheet, this.overlay);
      mountTemplateHealth(sheet, this);
    }
    mountTeamPicker({ resync: () => this.conn.resync() });
    mountSymbols(document.getElementById('symbols-toggle'), this);
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
    setInterval(() => tickCooldown(this), 250);
    this.orderPalette();
    this.selectColor(this.selected, false);
    this.resize();
    tickCooldown(this);
    this.conn.start();
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

  // ---- colors -----------------------------------------------------------

  colorName(i) {
    return this.palette[i]?.name ?? 'unknown';
  }

  setPalette(palette) {
    this.palette = palette;
    this.symbolCache = {};
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
    this.showBounds();
    this.requestDraw();
  }

  /** showBounds tells the coordinates form (and its hint) the canvas's size. */
  showBounds() {
    const lastX = String(this.width - 1);
    const lastY = String(this.height - 1);
    this.el.formX?.setAttribute('max', lastX);
    this.el.formY?.setAttribute('max', lastY);
    const hintX = document.getElementById('place-x-last');
    const hintY = document.getElementById('place-y-last');
    if (hintX) hintX.textContent = lastX;
    if (hintY) hintY.textContent = lastY;
    this.el.canvas.setAttribute('aria-label', `Pixel canvas, ${this.width} by ${this.height} pixels`);
  }

  resizeBoard(width, height) {
    this.width = width;
    this.height = height;
    this.board = new Board(width, height, this.palette);
    this.renderer.setBoard(this.board);
    this.cursor = moveCursor(this.cursor, 0, 0, width, height);
    this.showBounds();
    this.fitted = false;
    this.resize();
  }

  // ---- shared with the other modules --------------------------------------

  place(x, y) {
    placeAt(this, x, y);
  }

  announce(text) {
    this.feedback.announce(text);
  }

  toast(text) {
    this.feedback.toast(text);
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
        /** challengeMs: how long the worker took for the last challenge (0: none yet). */
        get challengeMs() { return app.challenge.lastMs; },
        get challengesSolved() { return app.challenge.solvedCount; },
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