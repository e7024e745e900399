// Draws the board onto the visible canvas. The board's pixels live in an
// offscreen canvas at one device pixel per canvas pixel; each frame draws it
// through the view transform with smoothing off, so pixels stay crisp at any
// zoom. Zoomed out below one device pixel per canvas pixel, a halved level
// (mip.js) is drawn instead, so that no lone pixel is dropped. Only what
// changed is uploaded. On top: a grid from GRID_SCALE up, the hovered pixel
// and the selected one.

import { MipChain } from './mip.js';
import { gridLines, mipLevel } from './view.js';

/** An offscreen canvas with the ImageData it is filled from. */
class Layer {
  constructor(w, h) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = w;
    this.canvas.height = h;
    this.ctx = this.canvas.getContext('2d');
    this.w = w;
    this.h = h;
    this.image = new ImageData(w, h);
    this.rgba32 = new Uint32Array(this.image.data.buffer);
    this.dirty = { x: 0, y: 0, w, h };
  }

  mark(x, y) {
    const d = this.dirty;
    if (!d) {
      this.dirty = { x, y, w: 1, h: 1 };
      return;
    }
    const x0 = Math.min(d.x, x);
    const y0 = Math.min(d.y, y);
    this.dirty = { x: x0, y: y0, w: Math.max(d.x + d.w, x + 1) - x0, h: Math.max(d.y + d.h, y + 1) - y0 };
  }

  upload() {
    const d = this.dirty;
    this.dirty = null;
    if (d) this.ctx.putImageData(this.image, 0, 0, d.x, d.y, d.w, d.h);
  }
}

export class Renderer {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.offscreen = document.createElement('canvas');
    this.offCtx = this.offscreen.getContext('2d');
    this.board = null;
    this.image = null;
    this.mips = null;
    /** level k → Layer */
    this.layers = new Map();
    /** An image of the canvas's size drawn over the pixels (setOverlay). */
    this.overlay = null;
    this.cssWidth = 0;
    this.cssHeight = 0;
    this.dpr = 1;
    this.background = '#d9dbe0';
    this.gridColor = 'rgba(20, 22, 28, 0.18)';
  }

  /** setTheme picks the colors around and over the canvas. */
  setTheme({ background, grid }) {
    if (background) this.background = background;
    if (grid) this.gridColor = grid;
  }

  /** setOverlay draws img, an image of the canvas's size, over the pixels (null: none). */
  setOverlay(img) {
    this.overlay = img;
  }

  /** setBoard points the renderer at a (new) board. */
  setBoard(board) {
    this.board = board;
    this.offscreen.width = board.width;
    this.offscreen.height = board.height;
    // ImageData shares the board's buffer: no copy per update.
    this.image = new ImageData(board.rgba, board.width, board.height);
    this.mips = new MipChain(board.shown, board.width, board.height);
    this.layers.clear();
    board.markAllDirty();
  }

  /** resize matches the backing store to the element's size; true if changed. */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    const changed = w !== this.canvas.width || h !== this.canvas.height || dpr !== this.dpr;
    this.cssWidth = rect.width;
    this.cssHeight = rect.height;
    this.dpr = dpr;
    if (changed) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    return changed;
  }

  /** sync uploads what changed on the board to the layers that exist. */
  sync() {
    const { board } = this;
    const d = board.takeDirty();
    if (d) this.offCtx.putImageData(this.image, 0, 0, d.x, d.y, d.w, d.h);
    const changes = board.takeChanges();
    if (changes === null) {
      this.mips.reset();
      this.layers.clear();
      return;
    }
    if (this.layers.size === 0) {
      // Levels not drawn yet are built from the board when first needed.
      this.mips.reset();
      return;
    }
    const w = board.width;
    for (const i of changes) {
      this.mips.update(i % w, Math.floor(i / w), (k, cx, cy) => {
        const layer = this.layers.get(k);
        if (!layer) return;
        const lv = this.mips.level(k);
        layer.rgba32[cy * lv.w + cx] = board.packed[lv.data[cy * lv.w + cx]] ?? board.fallback;
        layer.mark(cx, cy);
      });
    }
  }

  /** layer returns the drawable of level k, built on first use. */
  layer(k) {
    let layer = this.layers.get(k);
    if (!layer) {
      const lv = this.mips.level(k);
      layer = new Layer(lv.w, lv.h);
      const { packed, fallback } = this.board;
      for (let i = 0; i < lv.data.length; i++) layer.rgba32[i] = packed[lv.data[i]] ?? fallback;
      this.layers.set(k, layer);
    }
    layer.upload();
    return layer;
  }

  /**
   * draw paints one frame.
   * @param {{scale:number, offsetX:number, offsetY:number}} view
   * @param {{selected?: {x:number,y:number}|null, hover?: {x:number,y:number}|null}} marks
   */
  draw(view, marks = {}) {
    const { ctx, board, dpr } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = this.background;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!board || !board.loaded) return;
    this.sync();

    const k = mipLevel(view.scale, dpr);
    const s = view.scale * dpr;
    const ox = view.offsetX * dpr;
    const oy = view.offsetY * dpr;
    ctx.imageSmoothingEnabled = false;
    if (k === 0) {
      ctx.setTransform(s, 0, 0, s, ox, oy);
      ctx.drawImage(this.offscreen, 0, 0);
    } else {
      const ks = s * 2 ** k;
      ctx.setTransform(ks, 0, 0, ks, ox, oy);
      ctx.drawImage(this.layer(k).canvas, 0, 0);
    }
    // An overlay image of the canvas's size (overlays.js), drawn on top.
    if (this.overlay?.complete && this.overlay.naturalWidth) {
      ctx.setTransform(s, 0, 0, s, ox, oy);
      ctx.drawImage(this.overlay, 0, 0, board.width, board.height);
    }

    // Edges, grid and marks in device pixels, so they keep their width at any zoom.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.lineWidth = Math.max(1, dpr);
    ctx.strokeStyle = 'rgba(20, 22, 28, 0.35)';
    ctx.strokeRect(ox - 0.5, oy - 0.5, board.width * s + 1, board.height * s + 1);
    this.drawGrid(view, s, ox, oy);
    if (marks.hover && !same(marks.hover, marks.selected)) this.drawMark(marks.hover, s, ox, oy, false);
    if (marks.selected) this.drawMark(marks.selected, s, ox, oy, true);
  }

  drawGrid(view, s, ox, oy) {
    const g = gridLines(view, this.board.width, this.board.height, this.cssWidth, this.cssHeight);
    if (!g) return;
    const { ctx } = this;
    ctx.beginPath();
    const top = oy + g.y0 * s;
    const bottom = oy + g.y1 * s;
    const left = ox + g.x0 * s;
    const right = ox + g.x1 * s;
    for (let x = g.x0; x <= g.x1; x++) {
      const px = Math.round(ox + x * s) + 0.5;
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
    }
    for (let y = g.y0; y <= g.y1; y++) {
      const py = Math.round(oy + y * s) + 0.5;
      ctx.moveTo(left, py);
      ctx.lineTo(right, py);
    }
    ctx.lineWidth = 1;
    ctx.strokeStyle = this.gridColor;
    ctx.stroke();
  }

  /** drawMark outlines a pixel: dark outside, light inside, visible on every color. */
  drawMark(p, s, ox, oy, strong) {
    const { ctx, dpr } = this;
    const x = ox + p.x * s;
    const y = oy + p.y * s;
    const size = Math.max(s, (strong ? 10 : 6) * dpr);
    const pad = (size - s) / 2;
    const w = (strong ? 2 : 1) * dpr;
    ctx.lineWidth = w;
    ctx.strokeStyle = '#14161c';
    ctx.strokeRect(x - pad - w, y - pad - w, size + 2 * w, size + 2 * w);
    ctx.strokeStyle = '#ffffff';
    ctx.strokeRect(x - pad, y - pad, size, size);
    if (strong && s < 24) {
      // Corner ticks reach out so a small selected pixel is easy to find.
      const r = size / 2 + 8 * dpr;
      const cx = x + s / 2;
      const cy = y + s / 2;
      ctx.beginPath();
      ctx.moveTo(cx - r, cy); ctx.lineTo(cx - size / 2 - 3 * dpr, cy);
      ctx.moveTo(cx + size / 2 + 3 * dpr, cy); ctx.lineTo(cx + r, cy);
      ctx.moveTo(cx, cy - r); ctx.lineTo(cx, cy - size / 2 - 3 * dpr);
      ctx.moveTo(cx, cy + size / 2 + 3 * dpr); ctx.lineTo(cx, cy + r);
      ctx.lineWidth = 3 * dpr;
      ctx.strokeStyle = '#14161c';
      ctx.stroke();
      ctx.lineWidth = 1.5 * dpr;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
    }
  }
}

function same(a, b) {
  return !!a && !!b && a.x === b.x && a.y === b.y;
}
