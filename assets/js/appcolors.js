// The palette of the canvas page: its swatches, the selected color (kept
// across visits by ColorMemory), the server's palette when it differs, and
// the recent colors first. What a choice changes elsewhere (the pill, the
// canvas) is told through callbacks.

import { paletteOrder } from './colors.js';
import { selectedMessage } from './messages.js';

export class Colors {
  /**
   * @param {object} d
   * @param {object[]} d.swatches the palette's buttons (data-color, data-hex, data-name)
   * @param {{hex: string, name: string}[]} d.fallback the palette when the page has none
   * @param {(count: number) => import('./colors.js').ColorMemory} d.memory the remembered choice
   * @param {{selected: object, bar?: object, formColor?: object}} d.el where the choice shows
   * @param {(i: number) => void} d.onSelect a color was selected
   * @param {(palette: object[]) => void} d.onPalette the palette changed
   * @param {(text: string) => void} d.announce
   */
  constructor(d) {
    this.d = d;
    this.swatches = d.swatches;
    this.palette = d.swatches.length === 16
      ? d.swatches.map((b) => ({ hex: b.dataset.hex, name: b.dataset.name }))
      : d.fallback.slice();
    this.memory = d.memory(this.palette.length);
    this.selected = this.memory.selected;
  }

  /** bind makes each swatch select its color. */
  bind() {
    this.swatches.forEach((b) => {
      b.addEventListener('click', () => this.select(Number(b.dataset.color), false));
    });
  }

  name(i) {
    return this.palette[i]?.name ?? 'unknown';
  }

  hex(i) {
    return this.palette[i]?.hex;
  }

  get count() {
    return this.palette.length;
  }

  /** setPalette shows the server's palette on the swatches. */
  setPalette(palette) {
    this.palette = palette;
    this.swatches.forEach((b, i) => {
      if (!palette[i]) return;
      b.style.setProperty('--swatch', palette[i].hex);
      b.dataset.name = palette[i].name;
      b.setAttribute('aria-label', palette[i].name);
    });
    this.d.onPalette(palette);
  }

  /** select makes color i the one placed, remembered for the next visit. */
  select(i, announce = true) {
    if (!(i >= 0 && i < this.palette.length)) return;
    this.selected = i;
    this.memory.select(i);
    this.swatches.forEach((b, j) => b.setAttribute('aria-pressed', String(i === j)));
    const { el } = this.d;
    el.selected.textContent = this.name(i);
    el.bar?.style.setProperty('--selected', this.palette[i].hex);
    if (el.formColor) el.formColor.value = String(i);
    this.d.onSelect(i);
    if (announce) this.d.announce(selectedMessage(this.name(i)));
  }

  /** used records a placed color: it comes first on the next visit. */
  used(i) {
    this.memory.used(i);
  }

  /** order shows the recently used colors first. */
  order() {
    const order = paletteOrder(this.memory.recent, this.swatches.length);
    order.forEach((i, pos) => { this.swatches[i].style.order = String(pos); });
  }
}
