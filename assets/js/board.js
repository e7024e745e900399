// The local copy of the canvas. It keeps what the server has confirmed
// (`base`) apart from this player's unconfirmed placements (`overlay`), so a
// rejected or timed-out placement rolls back to whatever the pixel is now,
// even if other players changed it meanwhile. It also keeps the RGBA pixels
// an ImageData shows, and the rectangle of them that changed since the last
// draw. No DOM here.

import { packRGBA, DEFAULT_PALETTE } from './palette.js';

/**
 * growsTo reports whether a canvas of width × height can grow in place to
 * newWidth × newHeight: at least as large both ways, and larger one way
 * (the server's canvas never shrinks; anything else is a new canvas).
 */
export function growsTo(width, height, newWidth, newHeight) {
  return Number.isInteger(newWidth) && Number.isInteger(newHeight)
    && newWidth >= width && newHeight >= height && (newWidth > width || newHeight > height);
}

/** Beyond this many changed pixels between two frames, redo everything. */
const MAX_CHANGES = 65536;

export class Board {
  /**
   * @param {number} width
   * @param {number} height
   * @param {ReadonlyArray<{hex: string}>} [palette]
   */
  constructor(width, height, palette = DEFAULT_PALETTE) {
    this.setPalette(palette);
    this.reset(width, height);
  }

  /**
   * reset makes this a new, not yet loaded, white canvas of width × height
   * with the same palette (a canvas of another size). The pixel buffers are
   * new, so a renderer must be pointed at the board again (setBoard).
   */
  reset(width, height) {
    this.width = width;
    this.height = height;
    /** Confirmed color index per pixel, row-major. */
    this.base = new Uint8Array(width * height);
    /** pixel index → {color, requestId} of an unconfirmed placement. */
    this.overlay = new Map();
    /** RGBA bytes of what is displayed, suitable for new ImageData(...). */
    this.rgba = new Uint8ClampedArray(width * height * 4);
    this.rgba32 = new Uint32Array(this.rgba.buffer);
    /** Displayed color index per pixel (confirmed or pending). */
    this.shown = new Uint8Array(width * height);
    this.loaded = false;
    this.repaint();
  }

  setPalette(palette) {
    this.packed = Uint32Array.from(palette, (c) => packRGBA(c.hex));
    // Indices outside the palette draw as black rather than throwing.
    this.fallback = packRGBA('#000000');
    if (this.base) this.repaint();
  }

  inBounds(x, y) {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  /** colorAt returns the displayed color: an unconfirmed placement wins. */
  colorAt(x, y) {
    if (!this.inBounds(x, y)) return -1;
    const i = y * this.width + x;
    const o = this.overlay.get(i);
    return o ? o.color : this.base[i];
  }

  /** confirmedAt returns the color the server last told us about. */
  confirmedAt(x, y) {
    return this.inBounds(x, y) ? this.base[y * this.width + x] : -1;
  }

  /**
   * grow enlarges the board in place to width × height (see growsTo):
   * every confirmed and unconfirmed pixel keeps its (x, y), the new area is
   * white (color 0). The pixel buffers are new, so a renderer must be
   * pointed at the board again (setBoard).
   */
  grow(width, height) {
    if (!growsTo(this.width, this.height, width, height)) return false;
    const oldW = this.width;
    const base = new Uint8Array(width * height);
    for (let y = 0; y < this.height; y++) base.set(this.base.subarray(y * oldW, (y + 1) * oldW), y * width);
    const overlay = new Map();
    for (const [i, o] of this.overlay) overlay.set(Math.floor(i / oldW) * width + (i % oldW), o);
    this.width = width;
    this.height = height;
    this.base = base;
    this.overlay = overlay;
    this.rgba = new Uint8ClampedArray(width * height * 4);
    this.rgba32 = new Uint32Array(this.rgba.buffer);
    this.shown = new Uint8Array(width * height);
    this.repaint();
    return true;
  }

  /** load replaces the confirmed canvas with a full `canvas` message. */
  load(pixels) {
    if (pixels.length !== this.base.length) throw new Error('canvas size mismatch');
    this.base.set(pixels);
    this.loaded = true;
    this.repaint();
  }

  /** applyEvents applies confirmed placements in order. */
  applyEvents(events) {
    for (const e of events) {
      if (!this.inBounds(e.x, e.y)) continue;
      const i = e.y * this.width + e.x;
      this.base[i] = e.color;
      if (!this.overlay.has(i)) this.paint(i, e.x, e.y);
    }
  }

  /** placeOptimistic shows a placement before the server confirms it. */
  placeOptimistic(x, y, color, requestId) {
    if (!this.inBounds(x, y)) return;
    const i = y * this.width + x;
    this.overlay.set(i, { color, requestId });
    this.paint(i, x, y);
  }

  /**
   * confirm records an accepted placement as the pixel's confirmed color
   * (its `pixels` broadcast will say the same a moment later).
   */
  confirm(x, y, color, requestId) {
    if (!this.inBounds(x, y)) return;
    const i = y * this.width + x;
    this.base[i] = color;
    this.dropOverlay(i, x, y, requestId);
  }

  /** rollback forgets an unconfirmed placement. */
  rollback(x, y, requestId) {
    if (!this.inBounds(x, y)) return;
    this.dropOverlay(y * this.width + x, x, y, requestId);
  }

  dropOverlay(i, x, y, requestId) {
    const o = this.overlay.get(i);
    // A newer placement on the same pixel keeps showing.
    if (o && o.requestId === requestId) {
      this.overlay.delete(i);
      this.paint(i, x, y);
    }
  }

  paint(i, x, y) {
    const o = this.overlay.get(i);
    const c = o ? o.color : this.base[i];
    this.rgba32[i] = this.packed[c] ?? this.fallback;
    this.shown[i] = c;
    if (this.changes) {
      this.changes.push(i);
      if (this.changes.length > MAX_CHANGES) this.changes = null;
    }
    this.markDirty(x, y, 1, 1);
  }

  repaint() {
    const n = this.base.length;
    for (let i = 0; i < n; i++) this.rgba32[i] = this.packed[this.base[i]] ?? this.fallback;
    this.shown.set(this.base);
    for (const [i, o] of this.overlay) {
      this.rgba32[i] = this.packed[o.color] ?? this.fallback;
      this.shown[i] = o.color;
    }
    this.changes = null;
    this.markAllDirty();
  }

  markAllDirty() {
    this.dirty = { x: 0, y: 0, w: this.width, h: this.height };
    this.changes = null;
  }

  markDirty(x, y, w, h) {
    const d = this.dirty;
    if (!d) {
      this.dirty = { x, y, w, h };
      return;
    }
    const x0 = Math.min(d.x, x);
    const y0 = Math.min(d.y, y);
    const x1 = Math.max(d.x + d.w, x + w);
    const y1 = Math.max(d.y + d.h, y + h);
    this.dirty = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }

  /**
   * takeChanges returns the indices of the pixels repainted since the last
   * call, or null when everything was (a load, or too many to list).
   */
  takeChanges() {
    const c = this.changes;
    this.changes = [];
    return c;
  }

  /** takeDirty returns the changed rectangle and clears it. */
  takeDirty() {
    const d = this.dirty;
    this.dirty = null;
    return d;
  }
}
