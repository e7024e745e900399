// Entry point of the canvas page: the composition root. It finds the
// page's elements, builds the game's parts, each given what it needs, and
// wires them to each other and to the DOM. The page's HTML
// (views/canvas.templ) works without this file; with it, the canvas is a
// full-screen game, live over the WebSocket (docs/protocol.md). The parts:
// Sync (appconn.js: the server's messages), Placing (appplace.js: placing
// and the cooldown), Colors (appcolors.js: the palette), GameView
// (appview.js: zoom, the first view and the frames), Aim (appaim.js: the
// cursor, taps and the eyedropper), Keys and the form (appkeys.js),
// Feedback (appfeedback.js), and the overlays, outlines, symbols and team
// picker (overlays.js, overlay.js, symbols.js, teams.js), with paint by
// number in the pixel card and template health in the More panel
// (paintbynumber.js, templatehealth.js).

import { Aim } from './appaim.js';
import { Board } from './board.js';
import { ChallengeSolver } from './challenge.js';
import { ColorMemory, safeStorage } from './colors.js';
import { Colors } from './appcolors.js';
import { Feedback } from './appfeedback.js';
import { GameView } from './appview.js';
import { Keys, bindForm, bindNotify } from './appkeys.js';
import { Placing, tabTitle } from './appplace.js';
import { Sync } from './appconn.js';
import { Chime, Sheets, copyText, themeColors } from './game.js';
import { LINK_ZOOM, parseSpot, spotURL } from './link.js';
import { Connection } from './net.js';
import { ReadyNotifier } from './notify.js';
import { DEFAULT_PALETTE } from './palette.js';
import { TemplateOverlay, mountOverlayControls } from './overlay.js';
import { drawOutlines, mountCanvasOverlays, mountOutlines } from './overlays.js';
import { mountTeamPicker } from './teams.js';
import { mountTemplateHealth } from './templatehealth.js';
import { PaintByNumber } from './paintbynumber.js';
import { drawSymbols, mountSymbols } from './symbols.js';
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

/** makeBanner returns the page's event banner, adding one if the page has none. */
function makeBanner(root) {
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

/** showBounds tells the coordinates form (and its hint) and the canvas's label the canvas's size. */
function showBounds(el, width, height) {
  const lastX = String(width - 1);
  const lastY = String(height - 1);
  el.formX?.setAttribute('max', lastX);
  el.formY?.setAttribute('max', lastY);
  const hintX = document.getElementById('place-x-last');
  const hintY = document.getElementById('place-y-last');
  if (hintX) hintX.textContent = lastX;
  if (hintY) hintY.textContent = lastY;
  el.canvas.setAttribute('aria-label', `Pixel canvas, ${width} by ${height} pixels`);
}

/**
 * latestSpot is the pixel of the newest of the page's recent placements
 * (the Live panel's list links to each), null when there is none.
 */
function latestSpot(width, height) {
  const a = document.querySelector('#recent-panel .recent-list a[href]');
  return a ? parseSpot(new URL(a.href, location.href).hash, width, height) : null;
}

/**
 * buildGame makes the game's parts for the page under root and wires them;
 * nothing runs until start().
 */
function buildGame(root) {
  const $ = (id) => document.getElementById(id);
  const el = gameElements(root, $);
  const feedback = new Feedback(el.announcer, el.toast);
  const colors = new Colors({
    swatches: [...el.palette.querySelectorAll('[data-color]')],
    fallback: DEFAULT_PALETTE,
    memory: (n) => new ColorMemory(n, safeStorage()),
    el,
    onSelect: () => view.updatePill(),
    onPalette: (palette) => {
      symbolCache = {};
      board.setPalette(palette);
      view.requestDraw();
    },
    announce: (text) => feedback.announce(text),
  });
  const board = new Board(Number(root.dataset.width) || 500, Number(root.dataset.height) || 500, colors.palette);
  const renderer = new Renderer(el.canvas);
  renderer.setBoard(board);
  const pixelInfo = new PixelInfo(
    {
      coords: $('pixel-coords'), owner: $('pixel-owner'), when: $('pixel-when'),
      link: $('pixel-history-link'), admin: $('pixel-admin-link'),
    },
    (i) => colors.name(i),
    undefined,
    { isAdmin: root.dataset.admin === 'true' },
  );
  // The pixel card: the pixel's details (pixelinfo.js) and the color a
  // shown template wants there (paintbynumber.js).
  const card = {
    show: (x, y, c) => {
      pixelInfo.show(x, y, c);
      paint.show(x, y);
    },
    recolor: (x, y, c) => {
      pixelInfo.recolor(x, y, c);
      paint.recolor(x, y);
    },
    refresh: (x, y, c) => {
      pixelInfo.refresh(x, y, c);
      paint.recolor(x, y);
    },
  };
  const view = new GameView({
    renderer, board, el, colors,
    marks: () => aim.marks(),
    onSpot: (p) => aim.selectPixel(p),
    focus: (w, h) => latestSpot(w, h),
  });
  const place = (x, y) => placing.place(x, y);
  const aim = new Aim({ board, view, place, colors, pixelInfo: card, feedback, el });
  const overlay = new TemplateOverlay(() => view.requestDraw(), () => aim.cursor);
  const paint = new PaintByNumber({
    overlay, board, colors, announce: (text) => feedback.announce(text), cursor: () => aim.cursor,
  }, el.info);
  const conn = new Connection({
    url: () => socketURL(location, sync.lastSeq),
    onMessage: (msg) => sync.handle(msg),
    onState: (state) => sync.connectionState(state),
    onProtocolError: (err) => sync.protocolError(err),
  });
  const notifier = new ReadyNotifier();
  const chime = new Chime($('sound-ready'));
  // The proof-of-work challenge of a busy address, solved off the page's thread.
  const challenge = new ChallengeSolver(() => new Worker(new URL('./challengeworker.js', import.meta.url), { type: 'module' }));
  const placing = new Placing({
    board, conn, challenge, feedback, pixelInfo: card,
    colors: { selected: () => colors.selected, used: (i) => colors.used(i), name: (i) => colors.name(i) },
    askForColor: () => aim.askForColor(),
    event: { state: () => sync.eventState, serverNow: () => sync.serverNow() },
    isViewer: () => sync.isViewer(),
    redraw: () => view.requestDraw(),
    onReady: (text) => {
      feedback.announce(text);
      notifier.ready(text);
      chime.play();
    },
    onBanned: (text) => sync.notice(text),
    el,
    setTitle: tabTitle(document),
    cooldownSeconds: Number(root.dataset.cooldownSeconds) || 5,
  });
  const banner = new EventBanner(makeBanner(root), () => sync.serverNow());
  const sync = new Sync({
    conn, board, placing, colors, pixelInfo: card, banner, feedback, el,
    redraw: () => view.requestDraw(),
    size: {
      // A larger canvas: pixels, pending placements, the cursor and the
      // view all stay where they are; only the new area appears. A smaller
      // `resize` (an undone growth) takes the area away in place, the
      // cursor moving inside what is left.
      grow: (width, height) => {
        if (!board.grow(width, height) && !board.shrink(width, height)) return;
        renderer.setBoard(board);
        aim.moveBy(0, 0);
        showBounds(el, width, height);
        view.requestDraw();
      },
      // A canvas of another size: shown afresh.
      reset: (width, height) => {
        board.reset(width, height);
        renderer.setBoard(board);
        aim.moveBy(0, 0); // the cursor stays on the canvas
        showBounds(el, width, height);
        view.refit();
      },
    },
    loaded: () => {
      const { selected } = aim.marks();
      if (selected) aim.showPixelInfo(selected.x, selected.y);
      view.updatePill();
      view.requestDraw();
    },
  });
  const keys = new Keys({
    board, aim, view, colors, place, paint,
    announce: (text) => feedback.announce(text),
    debounce: (fn) => debounce(fn, 150),
  });
  let symbols = false;
  let symbolCache = {};
  let outlines = [];
  view.addLayer((ctx, v, dpr) => overlay.draw(ctx, v, dpr)); // templates (overlay.js)
  view.addLayer((ctx, v, dpr) => {
    if (symbols && board.loaded) {
      drawSymbols(ctx, board, colors.palette, v, dpr, renderer.cssWidth, renderer.cssHeight, symbolCache);
    }
  });
  view.addLayer((ctx, v, dpr) => {
    if (outlines.length) drawOutlines(ctx, v, dpr, outlines); // overlays.js
  });
  // What the setting and the More panel's outlines turn on or off.
  const show = {
    symbols: (on) => {
      symbols = on;
      view.requestDraw();
    },
    outlines: (rects) => {
      outlines = rects;
      view.requestDraw();
    },
  };
  return { root, el, feedback, colors, board, renderer, view, aim, conn, notifier, placing, sync, keys, overlay, challenge, show };
}

/** start binds the DOM to the game's parts and connects. */
function start(g) {
  const { el, colors, view, aim, conn, placing, keys, renderer } = g;
  document.documentElement.classList.replace('no-js', 'js');
  colors.bind();
  keys.bind(el.canvas);
  bindForm(el, {
    conn, board: g.board, aim, view, colors,
    place: (x, y) => placing.place(x, y),
    toast: (text) => g.feedback.toast(text),
  });
  const $ = (id) => document.getElementById(id);
  $('zoom-in')?.addEventListener('click', () => view.smoothZoom(1.5, ...view.center()));
  $('zoom-out')?.addEventListener('click', () => view.smoothZoom(1 / 1.5, ...view.center()));
  $('zoom-fit')?.addEventListener('click', () => view.fit(true));
  bindNotify(el, g.notifier, (text) => g.feedback.announce(text));
  bindGame(g);
  const sheet = $('more-sheet');
  if (sheet) {
    mountCanvasOverlays(sheet, {
      show: (img) => {
        renderer.setOverlay(img);
        view.requestDraw();
      },
      toast: (text) => g.feedback.toast(text),
    });
    mountOutlines(sheet, g.show.outlines);
    mountOverlayControls(sheet, g.overlay);
    mountTemplateHealth(sheet, {
      goToSpot: (spot) => view.goToSpot(spot),
      announce: (text) => g.feedback.announce(text),
      colorName: (i) => colors.name(i),
      overlay: g.overlay,
    });
  }
  mountTeamPicker({ resync: () => conn.resync() });
  mountSymbols($('symbols-toggle'), {
    swatches: colors.swatches, palette: colors.palette, root: el.root, show: g.show.symbols,
  });
  new PointerControls(el.canvas, {
    getView: () => view.view,
    setView: (v) => view.drag(v),
    onTap: (sx, sy, e) => aim.tap(sx, sy, e),
    onDoubleTap: (sx, sy) => view.smoothZoom(2, sx, sy),
    onWheel: (f, sx, sy) => view.smoothZoom(f, sx, sy),
    onHover: (sx, sy) => aim.hover(sx, sy),
    onLeave: () => aim.leave(),
    scaleLimits: () => view.scaleLimits(),
  });
  const ro = new ResizeObserver(() => view.resize());
  ro.observe(el.viewport);
  if (el.bar) ro.observe(el.bar);
  window.addEventListener('online', () => conn.online(true));
  window.addEventListener('offline', () => conn.online(false));
  window.addEventListener('pagehide', () => conn.stop());
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) conn.start();
  });
  window.addEventListener('hashchange', () => view.goToSpot(location.hash));
  setInterval(() => placing.tick(), 250);
  colors.order();
  colors.select(colors.selected, false);
  view.resize();
  placing.tick();
  conn.start();
}

/** bindGame wires the bar, the panels and the theme. */
function bindGame({ root, el, view, aim, renderer, feedback }) {
  new Sheets(root);
  el.placeButton?.addEventListener('click', () => aim.placeSelected());
  el.eyedropper?.addEventListener('click', () => aim.setEyedropper(!aim.eyedropper));
  document.getElementById('pixel-info-close')?.addEventListener('click', () => aim.hideSelection());
  document.getElementById('copy-link')?.addEventListener('click', async () => {
    const p = aim.hoverPx ?? aim.cursor;
    const url = spotURL(location, p.x, p.y, Math.max(view.view.scale, LINK_ZOOM));
    feedback.toast(await copyText(url) ? 'Link copied.' : `Copy this link: ${url}`);
  });
  const theme = () => {
    renderer.setTheme(themeColors(document.documentElement));
    view.requestDraw();
  };
  theme();
  globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', theme);
}

/** debugHook is window.placeApp: read-only state for browser tests. */
function debugHook({ el, board, colors, view, aim, conn, placing, sync, challenge }) {
  return Object.freeze({
    state: Object.freeze({
      get lastSeq() { return sync.lastSeq; },
      get connected() { return conn.connected; },
      get connection() { return conn.state; },
      get cooldownUntil() { return placing.cooldown.until; },
      get selectedColor() { return colors.selected; },
      get cursor() { return { ...aim.cursor }; },
      get view() { return { ...view.view }; },
      get selected() { return aim.showCursor ? { ...aim.cursor } : null; },
      get eyedropper() { return aim.eyedropper; },
      get barState() { return el.bar?.dataset.state; },
      get pending() { return placing.pending.size; },
      get user() { return sync.user && { ...sync.user }; },
      get width() { return board.width; },
      get height() { return board.height; },
      /** challengeMs: how long the worker took for the last challenge (0: none yet). */
      get challengeMs() { return challenge.lastMs; },
      get challengesSolved() { return challenge.solvedCount; },
    }),
    /** pixelAt is the color shown at (x, y), pending placements included; -1 outside. */
    pixelAt: (x, y) => board.colorAt(x, y),
    /** drawTimes are the latest frames' drawing times in ms. */
    drawTimes: () => view.drawTimes.slice(),
    /** confirmedAt is the color the server last reported at (x, y). */
    confirmedAt: (x, y) => board.confirmedAt(x, y),
  });
}

// Importing this module outside a browser (e.g. under node --test) does nothing.
const root = typeof document === 'undefined' ? null : document.getElementById('app');
if (root) {
  const game = buildGame(root);
  window.placeApp = debugHook(game);
  start(game);
}
