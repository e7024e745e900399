// Links to a spot on the canvas: the page's hash follows the view
// (#x=…&y=…&z=…) so that a player can share where they look, and opening
// such a link centres the view there. `?x=&y=` is read too, and `#all`
// opens on the whole canvas. Pure functions.

import { MAX_SCALE, MIN_SCALE } from './view.js';

/** The zoom a link without z opens at: close enough to see single pixels. */
export const LINK_ZOOM = 16;

/**
 * parseSpot reads x, y and an optional z from a hash ("#x=1&y=2&z=8") or a
 * query string ("?x=1&y=2"). It returns null unless x and y are integers
 * on the canvas; a bad z is ignored rather than refusing the link.
 * @returns {{x: number, y: number, z: number | null} | null}
 */
export function parseSpot(text, canvasW, canvasH) {
  if (typeof text !== 'string') return null;
  const params = new URLSearchParams(text.replace(/^[#?]/, ''));
  const x = intParam(params.get('x'));
  const y = intParam(params.get('y'));
  if (x === null || y === null || x < 0 || y < 0 || x >= canvasW || y >= canvasH) return null;
  const zt = params.get('z');
  let z = zt !== null && /^\d+(\.\d+)?$/.test(zt.trim()) ? Number(zt) : null;
  if (z !== null && !(z >= MIN_SCALE && z <= MAX_SCALE)) z = null;
  return { x, y, z };
}

function intParam(v) {
  if (v === null || !/^\d{1,6}$/.test(v.trim())) return null;
  return Number(v);
}

/** formatSpot is the hash of a view centred on pixel (x, y) at zoom z. */
export function formatSpot(x, y, z) {
  return `#x=${Math.floor(x)}&y=${Math.floor(y)}&z=${roundZoom(z)}`;
}

/** roundZoom keeps two significant decimals of a zoom for a tidy URL. */
export function roundZoom(z) {
  if (z >= 10) return Math.round(z);
  if (z >= 1) return Math.round(z * 10) / 10;
  return Math.round(z * 100) / 100;
}

/** spotURL is an absolute link to pixel (x, y) at zoom z on this page. */
export function spotURL(location, x, y, z = LINK_ZOOM) {
  return `${location.origin}${location.pathname}${formatSpot(x, y, z)}`;
}

/** WHOLE_CANVAS is the hash of a link that opens on the whole canvas. */
export const WHOLE_CANVAS = '#all';

/** wantsWholeCanvas reports whether a page's hash asks for the whole canvas first. */
export function wantsWholeCanvas(hash) {
  return hash === WHOLE_CANVAS;
}
