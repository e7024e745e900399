// Paint by number: with a template shown, the pixel under the pointer or
// the keyboard cursor tells which color the template wants there, and one
// key (T) or the button in the pixel card picks it. The sentence is also
// said to screen readers with the cursor's position.

/** WANT_KEY picks the wanted color. */
export const WANT_KEY = 't';

/** hexIndex maps '#rrggbb' (any case) to its palette index. */
export function hexIndex(palette) {
  const m = new Map();
  palette.forEach((c, i) => m.set(c.hex.toLowerCase(), i));
  return m;
}

/**
 * wantedAt returns the palette index the topmost shown template wants at
 * canvas pixel (x, y), or null where none wants anything. Each item has
 * x, y, width, height and rgba (the image's pixels, 4 bytes each).
 */
export function wantedAt(items, x, y, byHex) {
  for (let k = items.length - 1; k >= 0; k--) {
    const it = items[k];
    if (!it.on || !it.rgba) continue;
    const ix = x - it.x;
    const iy = y - it.y;
    if (ix < 0 || iy < 0 || ix >= it.width || iy >= it.height) continue;
    const o = (iy * it.width + ix) * 4;
    if (it.rgba[o + 3] < 255) continue; // transparent: this template wants nothing here
    const hex = `#${[0, 1, 2].map((j) => it.rgba[o + j].toString(16).padStart(2, '0')).join('')}`;
    const i = byHex.get(hex);
    if (i !== undefined) return i;
  }
  return null;
}

/** wantWords is the sentence for a wanted color (empty when none is). */
export function wantWords(wanted, current, name) {
  if (wanted === null) return '';
  if (wanted === current) return `The template wants ${name(wanted)} here, and it is.`;
  return `The template wants ${name(wanted)} here. Press T to choose it.`;
}

/** rgbaOf reads an overlay image's pixels once (the image is same-origin). */
function rgbaOf(item) {
  if (item.rgba !== undefined) return item.rgba;
  const img = item.img;
  if (!img?.complete || !img.naturalWidth) return null;
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  try {
    item.rgba = ctx.getImageData(0, 0, c.width, c.height).data;
  } catch {
    item.rgba = null; // a cross-origin image of one's own cannot be read
  }
  return item.rgba;
}

/**
 * PaintByNumber shows, in the pixel card, the color the shown templates
 * want at a pixel, with a button that chooses it.
 */
export class PaintByNumber {
  /**
   * @param {object} d
   * @param {{items: object[]}} d.overlay the shown templates (overlay.js)
   * @param {{colorAt: (x: number, y: number) => number}} d.board
   * @param {{palette: object[], selected: number, name: (i: number) => string, select: (i: number) => void}} d.colors
   * @param {(text: string) => void} d.announce
   * @param {() => {x: number, y: number}} d.cursor the keyboard's cursor
   * @param {?HTMLElement} card the pixel card, which gets the line
   */
  constructor(d, card) {
    this.d = d;
    this.at = null;
    this.wanted = null;
    this.line = document.createElement('p');
    this.line.className = 'pixel-want';
    this.line.dataset.testid = 'pixel-want';
    this.line.hidden = true;
    this.swatch = document.createElement('span');
    this.swatch.className = 'want-swatch';
    this.swatch.setAttribute('aria-hidden', 'true');
    this.text = document.createElement('span');
    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.className = 'button button-small';
    this.button.dataset.testid = 'pick-wanted';
    this.button.textContent = 'Choose it (T)';
    this.button.addEventListener('click', () => this.pick());
    this.line.append(this.swatch, this.text, ' ', this.button);
    card?.querySelector('.pixel-links')?.before(this.line);
  }

  /** items are the overlay's templates with their pixels read. */
  items() {
    return (this.d.overlay.items || []).map((it) => ({
      on: it.on, x: it.x, y: it.y, rgba: it.on ? rgbaOf(it) : null,
      width: it.img?.naturalWidth || 0, height: it.img?.naturalHeight || 0,
    }));
  }

  /** wantAt is the color the shown templates want at (x, y), or null. */
  wantAt(x, y) {
    return wantedAt(this.items(), x, y, hexIndex(this.d.colors.palette));
  }

  /** show updates the card for pixel (x, y). */
  show(x, y) {
    const { board, colors } = this.d;
    this.at = { x, y };
    this.wanted = this.wantAt(x, y);
    this.line.hidden = this.wanted === null;
    if (this.wanted === null) return;
    const name = colors.name(this.wanted);
    this.swatch.style.background = colors.palette[this.wanted].hex;
    this.text.textContent = board.colorAt(x, y) === this.wanted
      ? ` Template: ${name} (done).`
      : ` Template wants ${name}.`;
    this.button.hidden = colors.selected === this.wanted;
  }

  /** recolor shows the card again when pixel (x, y), the one shown, changed. */
  recolor(x, y) {
    if (this.at && this.at.x === x && this.at.y === y) this.show(x, y);
  }

  /** words is what the cursor's announcement adds at (x, y). */
  words(x, y) {
    const w = this.wantAt(x, y);
    return wantWords(w, this.d.board.colorAt(x, y), (i) => this.d.colors.name(i));
  }

  /** pick chooses the wanted color at the last shown pixel (or the cursor). */
  pick() {
    const { x, y } = this.at || this.d.cursor();
    const w = this.wantAt(x, y);
    if (w === null) {
      this.d.announce('No shown template wants a color here.');
      return false;
    }
    this.d.colors.select(w);
    this.button.hidden = true;
    return true;
  }
}
