// Pan and zoom as plain numbers. A view maps canvas pixels to CSS pixels of
// the viewport: screen = canvas · scale + offset. Everything here is pure so
// it can be tested without a DOM.

/** @typedef {{scale: number, offsetX: number, offsetY: number}} View */

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 64;

export function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * fitView centers a canvas in a viewport at the largest scale that shows all
 * of it, fractional so that the canvas fills the stage (the renderer keeps
 * single pixels visible at any scale), less `pad` CSS pixels on each side.
 */
export function fitView(canvasW, canvasH, viewW, viewH, maxScale = MAX_SCALE, pad = 0) {
  let scale = Math.min((viewW - 2 * pad) / canvasW, (viewH - 2 * pad) / canvasH);
  if (!(scale > 0)) scale = Math.min(viewW / canvasW, viewH / canvasH);
  if (!(scale > 0)) scale = 1;
  scale = clamp(scale, Math.min(MIN_SCALE, scale), maxScale);
  return {
    scale,
    offsetX: (viewW - canvasW * scale) / 2,
    offsetY: (viewH - canvasH * scale) / 2,
  };
}

/** toCanvas maps a viewport point to fractional canvas coordinates. */
export function toCanvas(view, sx, sy) {
  return { x: (sx - view.offsetX) / view.scale, y: (sy - view.offsetY) / view.scale };
}

/** toScreen maps canvas coordinates to a viewport point. */
export function toScreen(view, x, y) {
  return { x: x * view.scale + view.offsetX, y: y * view.scale + view.offsetY };
}

/**
 * pixelAt returns the integer canvas pixel under a viewport point, or null
 * when the point is outside the canvas.
 */
export function pixelAt(view, sx, sy, canvasW, canvasH) {
  const p = toCanvas(view, sx, sy);
  const x = Math.floor(p.x);
  const y = Math.floor(p.y);
  if (x < 0 || y < 0 || x >= canvasW || y >= canvasH) return null;
  return { x, y };
}

/** pan moves the view by a screen-space delta. */
export function pan(view, dx, dy) {
  return { scale: view.scale, offsetX: view.offsetX + dx, offsetY: view.offsetY + dy };
}

/**
 * zoomAt multiplies the scale by `factor`, keeping the canvas point under
 * (sx, sy) where it is, as wheel and pinch zooms should.
 */
export function zoomAt(view, factor, sx, sy, minScale = MIN_SCALE, maxScale = MAX_SCALE) {
  const scale = clamp(view.scale * factor, minScale, maxScale);
  const p = toCanvas(view, sx, sy);
  return { scale, offsetX: sx - p.x * scale, offsetY: sy - p.y * scale };
}

/** wheelFactor turns a wheel event's deltaY into a zoom factor. */
export function wheelFactor(deltaY, deltaMode = 0) {
  // deltaMode 1 is lines, 2 is pages; normalize to pixels.
  const px = deltaY * (deltaMode === 1 ? 16 : deltaMode === 2 ? 400 : 1);
  return Math.exp(-clamp(px, -200, 200) * 0.002);
}

/**
 * pinch computes the view during a two-finger gesture: the canvas point that
 * was under the fingers' first midpoint follows their current midpoint, and
 * the scale follows the change of distance between them.
 * @param {View} start view when the gesture began
 * @param {{x:number,y:number}[]} from the two touch points when it began
 * @param {{x:number,y:number}[]} to the two touch points now
 */
export function pinch(start, from, to, minScale = MIN_SCALE, maxScale = MAX_SCALE) {
  const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
  const mid = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const d0 = dist(from[0], from[1]);
  const d1 = dist(to[0], to[1]);
  const factor = d0 > 0 ? d1 / d0 : 1;
  const m0 = mid(from[0], from[1]);
  const m1 = mid(to[0], to[1]);
  const anchor = toCanvas(start, m0.x, m0.y);
  const scale = clamp(start.scale * factor, minScale, maxScale);
  return { scale, offsetX: m1.x - anchor.x * scale, offsetY: m1.y - anchor.y * scale };
}

/**
 * clampView keeps at least `margin` CSS pixels of the canvas inside the
 * viewport, so it can never be dragged out of sight.
 */
export function clampView(view, canvasW, canvasH, viewW, viewH, margin = 48) {
  const w = canvasW * view.scale;
  const h = canvasH * view.scale;
  const mx = Math.min(margin, w);
  const my = Math.min(margin, h);
  return {
    scale: view.scale,
    offsetX: clamp(view.offsetX, mx - w, viewW - mx),
    offsetY: clamp(view.offsetY, my - h, viewH - my),
  };
}

/**
 * ensureVisible pans the least needed so that canvas pixel (x, y), plus a
 * margin, is inside the viewport (used by the keyboard cursor).
 */
export function ensureVisible(view, x, y, viewW, viewH, margin = 24) {
  const s = view.scale;
  const left = x * s + view.offsetX;
  const top = y * s + view.offsetY;
  let { offsetX, offsetY } = view;
  const m = Math.min(margin, Math.max(0, (viewW - s) / 2));
  const n = Math.min(margin, Math.max(0, (viewH - s) / 2));
  if (left < m) offsetX += m - left;
  else if (left + s > viewW - m) offsetX -= left + s - (viewW - m);
  if (top < n) offsetY += n - top;
  else if (top + s > viewH - n) offsetY -= top + s - (viewH - n);
  return { scale: s, offsetX, offsetY };
}

/**
 * minScaleFor is the smallest useful zoom: the whole canvas at a quarter of
 * the viewport, but never below MIN_SCALE.
 */
export function minScaleFor(canvasW, canvasH, viewW, viewH) {
  return Math.max(MIN_SCALE, Math.min(1, Math.min(viewW / canvasW, viewH / canvasH) / 4));
}

/**
 * centerOn is the view at `scale` with canvas point (x, y) in the middle of
 * a viewW × viewH viewport.
 */
export function centerOn(x, y, scale, viewW, viewH) {
  return { scale, offsetX: viewW / 2 - x * scale, offsetY: viewH / 2 - y * scale };
}

/**
 * FIRST_ZOOM is the zoom a page opens at: pixels large enough to see and
 * to aim at, as r/place opens close on a spot rather than on the whole
 * canvas.
 */
export const FIRST_ZOOM = 10;

/**
 * firstView is the view a page opens with: close on canvas pixel focus at
 * FIRST_ZOOM, or the whole canvas (fitView) when that already shows its
 * pixels at least as large.
 */
export function firstView(canvasW, canvasH, viewW, viewH, focus, pad = 0) {
  const fit = fitView(canvasW, canvasH, viewW, viewH, MAX_SCALE, pad);
  if (fit.scale >= FIRST_ZOOM) return fit;
  return centerOn(focus.x + 0.5, focus.y + 0.5, FIRST_ZOOM, viewW, viewH);
}

/** viewCenter is the canvas point in the middle of the viewport. */
export function viewCenter(view, viewW, viewH) {
  return toCanvas(view, viewW / 2, viewH / 2);
}

/** GRID_SCALE is the zoom from which pixel edges are drawn. */
export const GRID_SCALE = 8;

/**
 * gridLines lists the canvas columns and rows whose left/top edges are
 * visible, or null below GRID_SCALE (a grid there would hide the picture).
 */
export function gridLines(view, canvasW, canvasH, viewW, viewH) {
  if (view.scale < GRID_SCALE) return null;
  const a = toCanvas(view, 0, 0);
  const b = toCanvas(view, viewW, viewH);
  const x0 = clamp(Math.floor(a.x), 0, canvasW);
  const x1 = clamp(Math.ceil(b.x), 0, canvasW);
  const y0 = clamp(Math.floor(a.y), 0, canvasH);
  const y1 = clamp(Math.ceil(b.y), 0, canvasH);
  return { x0, x1, y0, y1 };
}

/**
 * mipLevel is how many times the board must be halved so that each of its
 * cells still covers at least one device pixel at this scale (0: draw the
 * board itself). Drawing a halved level whose cells keep the rare color of
 * their block never drops a lone pixel, as nearest-neighbour downscaling
 * does.
 */
export function mipLevel(scale, dpr = 1) {
  const s = scale * dpr;
  if (!(s > 0) || s >= 1) return 0;
  return Math.min(12, Math.ceil(Math.log2(1 / s) - 1e-9));
}

