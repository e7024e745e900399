// Aiming on the canvas page: the cursor (the selected pixel), what a click
// or a tap does (a mouse places, a finger selects), hovering, the
// eyedropper and the nudge to pick a color first. Aim owns the cursor, the
// hovered pixel and the eyedropper; the view, the placing and the palette
// come in its constructor.

import { moveCursor } from './keyboard.js';
import { pixelAt } from './view.js';

export class Aim {
  /**
   * @param {object} d
   * @param {import('./board.js').Board} d.board
   * @param {{view: object, updatePill: () => void, requestDraw: () => void}} d.view
   * @param {(x: number, y: number) => void} d.place
   * @param {{select: (i: number) => void, name: (i: number) => string}} d.colors
   * @param {{show: Function}} d.pixelInfo
   * @param {{toast: Function, announce: Function}} d.feedback
   * @param {{info: object, viewport: object, eyedropper?: object, paletteSection?: object}} d.el
   */
  constructor(d) {
    this.d = d;
    this.board = d.board;
    this.el = d.el;
    this.cursor = { x: Math.floor(d.board.width / 2), y: Math.floor(d.board.height / 2) };
    /** The cursor is the selected pixel: shown once chosen by a tap, a click or the keyboard. */
    this.showCursor = false;
    this.hoverPx = null;
    this.eyedropper = false;
  }

  /** marks are the pixels the frame outlines: the selected one and the hovered one. */
  marks() {
    return { selected: this.showCursor ? this.cursor : null, hover: this.hoverPx };
  }

  /** pointed is the hovered pixel, else the selected one (null: none). */
  pointed() {
    return this.hoverPx ?? (this.showCursor ? this.cursor : null);
  }

  /**
   * tap is a click or a tap that did not pan. A mouse click places at once;
   * on a touch screen a tap selects the pixel and the bar's Place button
   * places, so that a finger resting on the canvas never places. With the
   * eyedropper on (or Alt held) it picks the pixel's color instead.
   */
  tap(sx, sy, e) {
    const p = pixelAt(this.d.view.view, sx, sy, this.board.width, this.board.height);
    if (!p) return;
    if (this.eyedropper || e?.altKey) {
      this.pick(p.x, p.y);
      return;
    }
    this.selectPixel(p);
    if (e?.pointerType === 'mouse') this.d.place(p.x, p.y);
  }

  selectPixel(p) {
    this.cursor = p;
    this.showCursor = true;
    this.el.info.hidden = false;
    this.showPixelInfo(p.x, p.y);
    this.changed();
  }

  /** showSelection shows the cursor and its pixel's panel (keyboard play). */
  showSelection() {
    this.showCursor = true;
    this.el.info.hidden = false;
  }

  /** hideSelection closes the pixel's panel and hides the cursor. */
  hideSelection() {
    this.el.info.hidden = true;
    this.showCursor = false;
    this.d.view.requestDraw();
  }

  /** moveBy moves the cursor, kept on the canvas. */
  moveBy(dx, dy) {
    this.cursor = moveCursor(this.cursor, dx, dy, this.board.width, this.board.height);
  }

  /** setCursor puts the cursor on (x, y) without showing it. */
  setCursor(x, y) {
    this.cursor = { x, y };
  }

  /** placeSelected is the bar's Place button. */
  placeSelected() {
    if (!this.showCursor) {
      this.d.feedback.toast('Tap a pixel to choose where, then press Place.');
      return;
    }
    this.d.place(this.cursor.x, this.cursor.y);
  }

  hover(sx, sy) {
    const p = pixelAt(this.d.view.view, sx, sy, this.board.width, this.board.height);
    const same = p && this.hoverPx && p.x === this.hoverPx.x && p.y === this.hoverPx.y;
    if (same || (!p && !this.hoverPx)) return;
    this.hoverPx = p;
    if (p) this.showPixelInfo(p.x, p.y);
    this.changed();
  }

  leave() {
    this.hoverPx = null;
    if (this.showCursor) this.showPixelInfo(this.cursor.x, this.cursor.y);
    this.changed();
  }

  changed() {
    this.d.view.updatePill();
    this.d.view.requestDraw();
  }

  showPixelInfo(x, y) {
    if (this.board.loaded) this.d.pixelInfo.show(x, y, this.board.colorAt(x, y));
  }

  /** pick is the eyedropper: the pixel's color becomes the selected one. */
  pick(x, y) {
    const c = this.board.colorAt(x, y);
    if (c < 0) return;
    this.setEyedropper(false);
    this.d.colors.select(c);
    this.d.feedback.toast(`Picked ${this.d.colors.name(c)}.`);
  }

  setEyedropper(on) {
    this.eyedropper = on;
    this.el.eyedropper?.setAttribute('aria-pressed', String(on));
    this.el.viewport.classList.toggle('picking', on);
  }

  /** askForColor brings the palette to the player's attention instead of placing. */
  askForColor() {
    const section = this.el.paletteSection;
    section?.classList.remove('attention');
    void section?.offsetWidth; // restart the animation
    section?.classList.add('attention');
    this.d.feedback.toast('Pick a color first.');
    this.d.feedback.announce('Pick a color first: 0 to 9, Shift+0 to 5, or [ and ].');
  }
}
