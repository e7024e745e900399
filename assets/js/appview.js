// The view side of the canvas page, split from app.js: zoom (smooth, to
// the pointer), fitting the canvas, links to a spot (#x=…&y=…&z=…), the
// coordinates pill, the panels and the drawing loop. App extends this
// class; the fields it uses are App's.

import { AppAim } from './appaim.js';
import { drawOutlines } from './overlays.js';
import { drawSymbols } from './symbols.js';
import { Sheets, copyText, prefersReducedMotion, themeColors } from './game.js';
import { LINK_ZOOM, formatSpot, parseSpot, roundZoom, spotURL } from './link.js';
import {
  centerOn, clampView, fitView, minScaleFor, viewCenter, zoomAt, MAX_SCALE,
} from './view.js';

/** How long the view must rest before the address bar follows it. */
const HASH_DELAY_MS = 250;
/** Share of the remaining zoom covered on each frame of a smooth zoom. */
const ZOOM_EASE = 0.35;

export class AppView extends AppAim {
  bindZoomButtons() {
    const center = () => [this.renderer.cssWidth / 2, this.renderer.cssHeight / 2];
    document.getElementById('zoom-in')?.addEventListener('click', () => this.smoothZoom(1.5, ...center()));
    document.getElementById('zoom-out')?.addEventListener('click', () => this.smoothZoom(1 / 1.5, ...center()));
    document.getElementById('zoom-fit')?.addEventListener('click', () => this.fit(true));
  }

  /** bindGame wires the bar, the panels and the theme. */
  bindGame() {
    new Sheets(this.el.root);
    this.el.placeButton?.addEventListener('click', () => this.placeSelected());
    this.el.eyedropper?.addEventListener('click', () => this.setEyedropper(!this.eyedropper));
    document.getElementById('pixel-info-close')?.addEventListener('click', () => {
      this.el.info.hidden = true;
      this.showCursor = false;
      this.requestDraw();
    });
    document.getElementById('copy-link')?.addEventListener('click', async () => {
      const p = this.hoverPx ?? this.cursor;
      const url = spotURL(location, p.x, p.y, Math.max(this.view.scale, LINK_ZOOM));
      this.toast(await copyText(url) ? 'Link copied.' : `Copy this link: ${url}`);
    });
    const theme = () => {
      this.renderer.setTheme(themeColors(document.documentElement));
      this.requestDraw();
    };
    theme();
    globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', theme);
  }

  // ---- view -------------------------------------------------------------

  scaleLimits() {
    return [minScaleFor(this.width, this.height, this.renderer.cssWidth, this.renderer.cssHeight), MAX_SCALE];
  }

  zoom(factor, sx, sy) {
    const [min, max] = this.scaleLimits();
    this.setView(zoomAt(this.view, factor, sx, sy, min, max), true);
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

  /** stageBox is the part of the canvas not under the play bar. */
  stageBox() {
    const w = this.renderer.cssWidth;
    let h = this.renderer.cssHeight;
    const bar = this.el.bar?.getBoundingClientRect();
    const top = this.el.canvas.getBoundingClientRect().top;
    if (bar && bar.height > 0 && bar.top - top > h / 2) h = bar.top - top;
    return { w, h };
  }

  fit(byPlayer = false) {
    const { w, h } = this.stageBox();
    this.zoomAnim = null;
    this.setView(fitView(this.width, this.height, w, h, MAX_SCALE, 12), byPlayer);
  }

  /** goToSpot centres the view on a linked pixel and selects it; false if the link is not one. */
  goToSpot(text) {
    const spot = parseSpot(text, this.width, this.height);
    if (!spot) return false;
    const { w, h } = this.stageBox();
    this.zoomAnim = null;
    this.setView(centerOn(spot.x + 0.5, spot.y + 0.5, spot.z ?? LINK_ZOOM, w, h), false);
    this.selectPixel({ x: spot.x, y: spot.y });
    return true;
  }

  /**
   * setView shows v (kept in reach). A view the player chose is written to
   * the address bar's hash after a pause, so that it can be shared.
   */
  setView(v, byPlayer = false) {
    this.view = clampView(v, this.width, this.height, this.renderer.cssWidth, this.renderer.cssHeight);
    if (byPlayer) this.scheduleHash();
    this.updatePill();
    this.requestDraw();
  }

  scheduleHash() {
    clearTimeout(this.hashTimer);
    this.hashTimer = setTimeout(() => {
      const { w, h } = this.stageBox();
      const c = viewCenter(this.view, w, h);
      const x = Math.min(this.width - 1, Math.max(0, Math.floor(c.x)));
      const y = Math.min(this.height - 1, Math.max(0, Math.floor(c.y)));
      history.replaceState(history.state, '', formatSpot(x, y, this.view.scale));
    }, HASH_DELAY_MS);
  }

  /** updatePill shows the hovered (or selected) pixel, its color and the zoom. */
  updatePill() {
    const { pill } = this.el;
    if (!pill) return;
    const p = this.hoverPx ?? (this.showCursor ? this.cursor : null);
    const zoom = `${roundZoom(this.view.scale)}×`;
    let text = zoom;
    if (this.selected < 0 && !p) {
      // A first visit: say how to play, in the pointer's words.
      const touch = globalThis.matchMedia?.('(pointer: coarse)').matches;
      text = touch ? 'Pick a color, tap a pixel, then Place' : 'Pick a color, then click a pixel';
    }
    if (p && this.board.loaded) {
      const c = this.board.colorAt(p.x, p.y);
      text = `${p.x}, ${p.y} · ${this.colorName(c)} · ${zoom}`;
      pill.style.setProperty('--swatch', this.palette[c]?.hex ?? 'transparent');
      pill.classList.add('pill-color');
    } else {
      pill.classList.remove('pill-color');
    }
    if (pill.textContent !== text) pill.textContent = text;
  }

  resize() {
    const oldW = this.renderer.cssWidth;
    const oldH = this.renderer.cssHeight;
    this.renderer.resize();
    // Toasts and sheets keep clear of the play bar.
    if (this.el.bar) this.el.root.style.setProperty('--bar-h', `${this.el.bar.offsetHeight}px`);
    if (!this.fitted && this.renderer.cssWidth > 0) {
      this.fitted = true;
      const spot = new URLSearchParams(location.search).has('x') ? location.search : location.hash;
      if (!this.goToSpot(spot)) this.fit();
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
      this.renderer.draw(this.view, { selected: this.showCursor ? this.cursor : null, hover: this.hoverPx });
      this.overlay?.draw(this.renderer.ctx, this.view, this.renderer.dpr); // templates (overlay.js)
      if (this.symbols && this.board.loaded) {
        this.symbolCache ??= {};
        drawSymbols(this.renderer.ctx, this.board, this.palette, this.view, this.renderer.dpr, this.renderer.cssWidth, this.renderer.cssHeight, this.symbolCache);
      }
      if (this.outlines?.length) drawOutlines(this.renderer.ctx, this.view, this.renderer.dpr, this.outlines); // overlays.js
      this.drawTimes.push(performance.now() - t0);
      if (this.drawTimes.length > 600) this.drawTimes.splice(0, 300);
      if (moving) this.requestDraw();
    });
  }
}
