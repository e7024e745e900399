// The palette of docs/protocol.md ("Canvas rules") and its conversion to the packed pixels an
// ImageData buffer holds.

/** @typedef {{hex: string, name: string}} Color */

/** @type {ReadonlyArray<Color>} */
export const DEFAULT_PALETTE = Object.freeze([
  { hex: '#FFFFFF', name: 'white' },
  { hex: '#E4E4E4', name: 'light grey' },
  { hex: '#888888', name: 'grey' },
  { hex: '#222222', name: 'black' },
  { hex: '#FFA7D1', name: 'pink' },
  { hex: '#E50000', name: 'red' },
  { hex: '#E59500', name: 'orange' },
  { hex: '#A06A42', name: 'brown' },
  { hex: '#E5D900', name: 'yellow' },
  { hex: '#94E044', name: 'light green' },
  { hex: '#02BE01', name: 'green' },
  { hex: '#00D3DD', name: 'cyan' },
  { hex: '#0083C7', name: 'blue' },
  { hex: '#0000EA', name: 'dark blue' },
  { hex: '#CF6EE4', name: 'magenta' },
  { hex: '#820080', name: 'purple' },
]);

/**
 * parseHex turns "#RRGGBB" into [r, g, b]; anything else is black, so a bad
 * palette entry shows up as a visible mistake rather than an exception.
 * @param {string} hex
 * @returns {[number, number, number]}
 */
export function parseHex(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(String(hex).trim());
  if (!m) return [0, 0, 0];
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

/** True on little-endian machines, i.e. nearly all of them. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * packRGBA packs an opaque color so that writing it into a Uint32Array that
 * shares its buffer with ImageData.data yields the bytes r, g, b, 255.
 * @param {string} hex
 * @param {boolean} [littleEndian]
 */
export function packRGBA(hex, littleEndian = LITTLE_ENDIAN) {
  const [r, g, b] = parseHex(hex);
  const packed = littleEndian
    ? (0xff << 24) | (b << 16) | (g << 8) | r
    : (r << 24) | (g << 16) | (b << 8) | 0xff;
  return packed >>> 0;
}

/**
 * normalizePalette keeps a server-sent palette when it looks right and
 * falls back to the built-in one otherwise.
 * @param {unknown} palette
 * @returns {Color[]}
 */
export function normalizePalette(palette) {
  if (!Array.isArray(palette) || palette.length === 0) return DEFAULT_PALETTE.slice();
  return palette.map((c, i) => ({
    hex: typeof c?.hex === 'string' ? c.hex : (DEFAULT_PALETTE[i]?.hex ?? '#000000'),
    name: typeof c?.name === 'string' ? c.name : (DEFAULT_PALETTE[i]?.name ?? `color ${i}`),
  }));
}
