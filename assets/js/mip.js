// Halved copies of the board for zoomed-out views. Drawing a big canvas
// scaled down with nearest-neighbour sampling skips most of its pixels, so a
// lone pixel vanishes; each cell of a halved level instead keeps the rarest
// color of its 2×2 block (a lone pixel wins over its background), so that
// anything placed stays visible at every zoom. Pure: color indices in, color
// indices out.

/**
 * pickBlock chooses the color a 2×2 block shows: the one that occurs least
 * (the odd one out), preferring a non-white color on ties, then the first.
 */
export function pickBlock(a, b, c, d) {
  // -1 marks a cell outside the board (odd sizes): it never wins.
  const na = a < 0 ? 9 : 1 + (b === a) + (c === a) + (d === a);
  const nb = b < 0 ? 9 : 1 + (a === b) + (c === b) + (d === b);
  const nc = c < 0 ? 9 : 1 + (a === c) + (b === c) + (d === c);
  const nd = d < 0 ? 9 : 1 + (a === d) + (b === d) + (c === d);
  let best = a;
  let n = na;
  if (nb < n || (nb === n && best === 0 && b > 0)) { best = b; n = nb; }
  if (nc < n || (nc === n && best === 0 && c > 0)) { best = c; n = nc; }
  if (nd < n || (nd === n && best === 0 && d > 0)) { best = d; n = nd; }
  return best;
}

/** Level is one halved copy: `data` holds w × h color indices. */
export class Level {
  constructor(w, h) {
    this.w = w;
    this.h = h;
    this.data = new Uint8Array(w * h);
  }
}

/** halve returns a level half the size (rounded up) of src (w × h). */
export function halve(src, w, h) {
  const out = new Level(Math.ceil(w / 2), Math.ceil(h / 2));
  for (let y = 0; y < out.h; y++) {
    for (let x = 0; x < out.w; x++) out.data[y * out.w + x] = blockAt(src, w, h, x, y);
  }
  return out;
}

/** blockAt computes cell (x, y) of the level above src. */
export function blockAt(src, w, h, x, y) {
  const sx = x * 2;
  const sy = y * 2;
  const right = sx + 1 < w;
  const down = sy + 1 < h;
  const i = sy * w + sx;
  return pickBlock(src[i], right ? src[i + 1] : -1, down ? src[i + w] : -1, right && down ? src[i + w + 1] : -1);
}

/**
 * MipChain keeps levels 1..n of a board's color indices (level 0 is the
 * board) and updates them one changed pixel at a time.
 */
export class MipChain {
  constructor(base, w, h) {
    this.base = base;
    this.w = w;
    this.h = h;
    /** @type {Level[]} levels[k] is level k+1 */
    this.levels = [];
  }

  /** level returns level k (k ≥ 1), building it and those below on first use. */
  level(k) {
    while (this.levels.length < k) {
      const below = this.levels.length === 0
        ? { data: this.base, w: this.w, h: this.h }
        : this.levels[this.levels.length - 1];
      this.levels.push(halve(below.data, below.w, below.h));
    }
    return this.levels[k - 1];
  }

  /**
   * update recomputes the cells above base pixel (x, y) in every built level
   * and calls changed(k, cx, cy) for each cell whose color changed.
   */
  update(x, y, changed) {
    let below = { data: this.base, w: this.w, h: this.h };
    let cx = x;
    let cy = y;
    for (let k = 1; k <= this.levels.length; k++) {
      cx >>= 1;
      cy >>= 1;
      const lv = this.levels[k - 1];
      const v = blockAt(below.data, below.w, below.h, cx, cy);
      const i = cy * lv.w + cx;
      if (lv.data[i] === v) return;
      lv.data[i] = v;
      changed?.(k, cx, cy);
      below = lv;
    }
  }

  /** reset drops every level (after a full canvas load). */
  reset() {
    this.levels = [];
  }
}
