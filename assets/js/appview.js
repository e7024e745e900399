// The view of the canvas page: zoom (smooth, to the pointer), the first
// view, fitting the canvas, links to a spot (#x=…&y=…&z=…), the
// coordinates pill and the drawing loop. GameView owns the view and the
// renderer's frames; what is drawn over the pixels comes as layers, and
// what the pill names comes from callbacks.

import { prefersReducedMotion } from './game.js';
import { LINK_ZOOM, formatSpot, parseSpot, roundZoom, wantsWholeCanvas } from './link.js';
import {
  centerOn, clampView, ensureVisible, firstView, fitView, minScaleFor, toScreen, viewCenter, zoomAt, MAX_SCALE,
} from './view.js';

/** How long the view must rest before the address bar follows it. */
const HASH_DELAY_MS = 250;
/** Share of the remaining zoom covered on each frame of a smooth zoom. */
const ZOOM_EASE = 0.35;

export class GameView {
  /**
   * @param {object} d
   * @param {import('./renderer.js').Renderer} d.renderer
   * @param {import('./board.js').Board} d.board
   * @param {{canvas: object, root: object, bar?: object, pill?: object}} d.el
   * @param {{name: (i: number) => string, hex: (i: number) => string, selected: number}} d.colors
   * @param {() => {selected: ?object, hover: ?object}} d.marks the selected and the hovered pixel
   * @param {(p: {x: number, y: number}) => void} d.onSpot a link opened on pixel p
   * @param {(w: number, h: number) => ?{x: number, y: number}} [d.focus] where the first view
   *   looks on a w × h canvas (null: its middle)
   * @param {Location} [d.location]
   * @param {History} [d.history]
   */
  constructor(d) {
    this.d = d;
    this.renderer = d.renderer;
    this.board = d.board;
    this.el = d.el;
    this.location = d.location ?? globalThis.location;
    this.history = d.history ?? globalThis.history;
    this.view = { scale: 1, offsetX: 0, offsetY: 0 };
    this.fitted = false;
    this.zoomAnim = null;
    this.hashTimer = 0;
    this.frame = 0;
    /** How long the latest frames took to draw (ms), for the browser tests. */
    this.drawTimes = [];
    /** Drawn over the pixels in order: (ctx, view, dpr) => void. */
    this.layers = [];
  }

  /** addLayer draws fn over the pixels on every frame. */
  addLayer(fn) {
    this.layers.push(fn);
  }

  scaleLimits() {
    const { width, height } = this.board;
    return [minScaleFor(width, height, this.renderer.cssWidth, this.renderer.cssHeight), MAX_SCALE];
  }

  /** center is the middle of the canvas element (CSS px). */
  center() {
    return [this.renderer.cssWidth / 2, this.renderer.cssHeight / 2];
  }

  zoom(factor, sx, sy) {
    const [min, max] = this.scaleLimits();
    this.setView(zoomAt(this.view, factor, sx, sy, min, max), true);
  }

  /** zoomOnPixel zooms around the middle of canvas pixel (x, y). */
  zoomOnPixel(factor, x, y) {
    const p = toScreen(this.view, x + 0.5, y + 0.5);
    this.zoom(factor, p.x, p.y);
  }

  /**
   * smoothZoom eases a wheel, pinch-free or button zoom over a few frames
   * around (sx, sy); at once when the player prefers reduced motion.
   */
  smoothZoom(factor, sx, sy) {
    if (prefersReducedMotion()) {
      this.zoom(factor, sx, sy);
      return;
    }
    const [min, max] = this.scaleLimits();
    const from = this.zoomAnim?.target ?? this.view.scale;
    const target = Math.min(max, Math.max(min, from * factor));
    this.zoomAnim = { target, sx, sy };
    this.requestDraw();
  }

  /** stepZoom moves one frame towards the zoom target; true while not there. */
  stepZoom() {
    const a = this.zoomAnim;
    if (!a) return false;
    const ratio = a.target / this.view.scale;
    const done = Math.abs(ratio - 1) < 0.002;
    const f = done ? ratio : ratio ** ZOOM_EASE;
    this.setView(zoomAt(this.view, f, a.sx, a.sy, 0, Infinity), true);
    if (done) this.zoomAnim = null;
    return !done;
  }

  /** drag is a pan or a pinch: it takes over from a smooth zoom. */
  drag(v) {
    this.zoomAnim = null;
    this.setView(v, true);
  }

  /** stageBox is the part of the canvas not under the play bar. */
  stageBox() {
    const w = this.renderer.cssWidth;
    let h = this.renderer.cssHeight;
    const bar = this.el.bar?.getBoundingClientRect();
    const top = this.el.canvas.getBoundingClientRect().top;
    if (bar && bar.height > 0 && bar.top - top > h / 2) h = bar.top - top;
    return { w, h };
  }

  /** fit shows the whole canvas. */
  fit(byPlayer = false) {
    const { w, h } = this.stageBox();
    this.zoomAnim = null;
    this.setView(fitView(this.board.width, this.board.height, w, h, MAX_SCALE, 12), byPlayer);
  }

  /**
   * showFirst is the view a page opens with: a linked spot; the whole
   * canvas when the link asks for it (#all); else close on where the
   * latest pixel was placed (the canvas's middle on a new canvas), pixels
   * large enough to aim at, the whole canvas one button or key away.
   */
  showFirst() {
    const { search, hash } = this.location;
    const spot = new URLSearchParams(search).has('x') ? search : hash;
    if (this.goToSpot(spot)) return;
    if (wantsWholeCanvas(hash)) {
      this.fit();
      return;
    }
    const { width, height } = this.board;
    const focus = this.d.focus?.(width, height) ?? { x: Math.floor(width / 2), y: Math.floor(height / 2) };
    const { w, h } = this.stageBox();
    this.zoomAnim = null;
    this.setView(firstView(width, height, w, h, focus, 12), false);
  }

  /** goToSpot centres the view on a linked pixel and selects it; false if the link is not one. */
  goToSpot(text) {
    const spot = parseSpot(text, this.board.width, this.board.height);
    if (!spot) return false;
    const { w, h } = this.stageBox();
    this.zoomAnim = null;
    this.setView(centerOn(spot.x + 0.5, spot.y + 0.5, spot.z ?? LINK_ZOOM, w, h), false);
    this.d.onSpot({ x: spot.x, y: spot.y });
    return true;
  }

  /** showPixel pans the least needed to bring canvas pixel (x, y) into view. */
  showPixel(x, y) {
    this.setView(ensureVisible(this.view, x, y, this.renderer.cssWidth, this.renderer.cssHeight));
  }

  /**
   * setView shows v (kept in reach). A view the player chose is written to
   * the address bar's hash after a pause, so that it can be shared.
   */
  setView(v, byPlayer = false) {
    const { width, height } = this.board;
    this.view = clampView(v, width, height, this.renderer.cssWidth, this.renderer.cssHeight);
    if (byPlayer) this.scheduleHash();
    this.updatePill();
    this.requestDraw();
  }

  scheduleHash() {
    clearTimeout(this.hashTimer);
    this.hashTimer = setTimeout(() => {
      const { w, h } = this.stageBox();
      const c = viewCenter(this.view, w, h);
      const x = Math.min(this.board.width - 1, Math.max(0, Math.floor(c.x)));
      const y = Math.min(this.board.height - 1, Math.max(0, Math.floor(c.y)));
      this.history.replaceState(this.history.state, '', formatSpot(x, y, this.view.scale));
    }, HASH_DELAY_MS);
  }

  /** updatePill shows the hovered (or selected) pixel, its color and the zoom. */
  updatePill() {
    const { pill } = this.el;
    if (!pill) return;
    const { selected, hover } = this.d.marks();
    const p = hover ?? selected;
    const { colors } = this.d;
    const zoom = `${roundZoom(this.view.scale)}×`;
    let text = zoom;
    if (colors.selected < 0 && !p) {
      // A first visit: say how to play, in the pointer's words.
      const touch = globalThis.matchMedia?.('(pointer: coarse)').matches;
      text = touch ? 'Pick a color, tap a pixel, then Place' : 'Pick a color, then click a pixel';
    }
    if (p && this.board.loaded) {
      const c = this.board.colorAt(p.x, p.y);
      text = `${p.x}, ${p.y} · ${colors.name(c)} · ${zoom}`;
      pill.style.setProperty('--swatch', colors.hex(c) ?? 'transparent');
      pill.classList.add('pill-color');
    } else {
      pill.classList.remove('pill-color');
    }
    if (pill.textContent !== text) pill.textContent = text;
  }

  /** refit shows the first view again at the next resize (a canvas of another size). */
  refit() {
    this.fitted = false;
    this.resize();
  }

  resize() {
    const oldW = this.renderer.cssWidth;
    const oldH = this.renderer.cssHeight;
    this.renderer.resize();
    // Toasts and sheets keep clear of the play bar.
    if (this.el.bar) this.el.root.style.setProperty('--bar-h', `${this.el.bar.offsetHeight}px`);
    if (!this.fitted && this.renderer.cssWidth > 0) {
      this.fitted = true;
      this.showFirst();
      return;
    }
    // Keep the middle of the view in the middle.
    this.setView({
      ...this.view,
      offsetX: this.view.offsetX + (this.renderer.cssWidth - oldW) / 2,
      offsetY: this.view.offsetY + (this.renderer.cssHeight - oldH) / 2,
    });
  }

  requestDraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const moving = this.stepZoom();
      this.updatePill(); // the hovered pixel may have changed color
      const t0 = performance.now();
      const r = this.renderer;
      r.draw(this.view, this.d.marks());
      for (const layer of this.layers) layer(r.ctx, this.view, r.dpr);
      this.drawTimes.push(performance.now() - t0);
      if (this.drawTimes.length > 600) this.drawTimes.splice(0, 300);
      if (moving) this.requestDraw();
    });
  }
}
