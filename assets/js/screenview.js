// The projector screen's pure parts, kept apart from the DOM so they can be
// tested in Node: fitting the whole canvas to the screen without losing a
// pixel, shrinking a canvas larger than the screen, the recent-placement
// highlights and the tour's choice of where to look.

/** How long a placement stays highlighted. */
export const HIGHLIGHT_MS = 2500;
/** At most this many highlights are drawn at once (the newest). */
export const MAX_HIGHLIGHTS = 300;

/**
 * screenFit returns the view that shows a w×h canvas whole in a viewW×viewH
 * device-pixel area, centered: scale is in device pixels per canvas pixel.
 * When the canvas is larger than the area, `reduce` is the whole number of
 * canvas pixels per side that one shown pixel stands for (see reduceBoard),
 * so that every shown pixel still covers at least one device pixel and no
 * pixel is dropped; otherwise reduce is 1.
 */
export function screenFit(w, h, viewW, viewH) {
  let scale = Math.min(viewW / w, viewH / h);
  if (!(scale > 0)) scale = 1;
  const reduce = scale >= 1 ? 1 : Math.ceil(1 / scale);
  return { scale, reduce, offsetX: (viewW - w * scale) / 2, offsetY: (viewH - h * scale) / 2 };
}

/**
 * blockColor picks the color one shown pixel takes for a block of canvas
 * pixels: the rarest color in the block, so that a lone pixel on a plain
 * background shows rather than disappearing into the majority.
 * @param {Uint8Array} base colors, row-major
 */
export function blockColor(base, width, height, bx, by, k) {
  const counts = new Uint16Array(256);
  const x1 = Math.min(width, (bx + 1) * k);
  const y1 = Math.min(height, (by + 1) * k);
  for (let y = by * k; y < y1; y++) {
    const row = y * width;
    for (let x = bx * k; x < x1; x++) counts[base[row + x]]++;
  }
  let best = -1;
  for (let c = 0; c < 256; c++) {
    if (counts[c] > 0 && (best < 0 || counts[c] < counts[best])) best = c;
  }
  return best;
}

/**
 * reduceBoard shrinks a canvas by k per side with blockColor, writing
 * packed RGBA into out (ceil(width/k) × ceil(height/k)).
 * @param {Uint8Array} base
 * @param {Uint32Array} packed palette as packed RGBA
 * @param {Uint32Array} out
 */
export function reduceBoard(base, width, height, k, packed, out) {
  const rw = Math.ceil(width / k);
  const rh = Math.ceil(height / k);
  for (let by = 0; by < rh; by++) {
    for (let bx = 0; bx < rw; bx++) out[by * rw + bx] = packed[blockColor(base, width, height, bx, by, k)] ?? 0xff000000;
  }
  return { width: rw, height: rh };
}

/** Highlights remembers recent placements to draw a fading ring around. */
export class Highlights {
  constructor(limit = MAX_HIGHLIGHTS, ttl = HIGHLIGHT_MS) {
    this.limit = limit;
    this.ttl = ttl;
    /** "x,y" → {x, y, at} in insertion order (oldest first). */
    this.items = new Map();
  }

  add(x, y, at) {
    const key = `${x},${y}`;
    this.items.delete(key);
    this.items.set(key, { x, y, at });
    while (this.items.size > this.limit) this.items.delete(this.items.keys().next().value);
  }

  /** live drops expired highlights and returns the rest with their strength 1..0. */
  live(now) {
    const out = [];
    for (const [key, h] of this.items) {
      const age = now - h.at;
      if (age >= this.ttl) this.items.delete(key);
      else out.push({ x: h.x, y: h.y, strength: 1 - age / this.ttl });
    }
    return out;
  }

  has(x, y) {
    return this.items.has(`${x},${y}`);
  }
}

/**
 * hotspot returns the center of the cell × cell square of the canvas that
 * had the most of the given placements, or null when there were none.
 * @param {{x:number, y:number}[]} points
 */
export function hotspot(points, width, height, cell) {
  const cols = Math.ceil(width / cell);
  const counts = new Map();
  let best = -1;
  let bestN = 0;
  for (const p of points) {
    const i = Math.floor(p.y / cell) * cols + Math.floor(p.x / cell);
    const n = (counts.get(i) ?? 0) + 1;
    counts.set(i, n);
    if (n > bestN) {
      best = i;
      bestN = n;
    }
  }
  if (best < 0) return null;
  const cx = (best % cols) * cell + cell / 2;
  const cy = Math.floor(best / cols) * cell + cell / 2;
  return { x: Math.min(cx, width), y: Math.min(cy, height), count: bestN };
}

/**
 * zoomTo is the view that shows canvas point (x, y) in the middle of a
 * viewW×viewH area at `scale`.
 */
export function zoomTo(x, y, scale, viewW, viewH) {
  return { scale, reduce: scale >= 1 ? 1 : Math.ceil(1 / scale), offsetX: viewW / 2 - x * scale, offsetY: viewH / 2 - y * scale };
}

/** mix interpolates two views (t in 0..1, eased). */
export function mix(a, b, t) {
  const e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
  const scale = a.scale + (b.scale - a.scale) * e;
  return {
    scale,
    reduce: scale >= 1 ? 1 : Math.ceil(1 / scale),
    offsetX: a.offsetX + (b.offsetX - a.offsetX) * e,
    offsetY: a.offsetY + (b.offsetY - a.offsetY) * e,
  };
}
