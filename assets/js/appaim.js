// Aiming on the canvas page, split from app.js: what a click or a tap
// does (a mouse places, a finger selects), hovering, the eyedropper and
// the nudge to pick a color first. App inherits this through AppView; the
// fields it uses are App's.

import { pixelAt } from './view.js';

export class AppAim {
  /**
   * tap is a click or a tap that did not pan. A mouse click places at once;
   * on a touch screen a tap selects the pixel and the bar's Place button
   * places, so that a finger resting on the canvas never places. With the
   * eyedropper on (or Alt held) it picks the pixel's color instead.
   */
  tap(sx, sy, e) {
    const p = pixelAt(this.view, sx, sy, this.width, this.height);
    if (!p) return;
    if (this.eyedropper || e?.altKey) {
      this.pick(p.x, p.y);
      return;
    }
    this.selectPixel(p);
    if (e?.pointerType === 'mouse') this.place(p.x, p.y);
  }

  selectPixel(p) {
    this.cursor = p;
    this.showCursor = true;
    this.el.info.hidden = false;
    this.showPixelInfo(p.x, p.y);
    this.updatePill();
    this.requestDraw();
  }

  /** placeSelected is the bar's Place button. */
  placeSelected() {
    if (!this.showCursor) {
      this.toast('Tap a pixel to choose where, then press Place.');
      return;
    }
    this.place(this.cursor.x, this.cursor.y);
  }

  hover(sx, sy) {
    const p = pixelAt(this.view, sx, sy, this.width, this.height);
    const same = p && this.hoverPx && p.x === this.hoverPx.x && p.y === this.hoverPx.y;
    if (same || (!p && !this.hoverPx)) return;
    this.hoverPx = p;
    if (p) this.showPixelInfo(p.x, p.y);
    this.updatePill();
    this.requestDraw();
  }

  leave() {
    this.hoverPx = null;
    if (this.showCursor) this.showPixelInfo(this.cursor.x, this.cursor.y);
    this.updatePill();
    this.requestDraw();
  }

  showPixelInfo(x, y) {
    if (!this.board.loaded) return;
    this.pixelInfo.show(x, y, this.board.colorAt(x, y));
    this.paint?.show(x, y);
  }

  /** pick is the eyedropper: the pixel's color becomes the selected one. */
  pick(x, y) {
    const c = this.board.colorAt(x, y);
    if (c < 0) return;
    this.setEyedropper(false);
    this.selectColor(c);
    this.toast(`Picked ${this.colorName(c)}.`);
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
    this.toast('Pick a color first.');
    this.announce('Pick a color first: 0 to 9, Shift+0 to 5, or [ and ].');
  }
}
