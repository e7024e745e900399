// The canvas page's controls besides the pointer: the keyboard on the
// canvas (keyboard.js says what each key means, Keys does it), the
// coordinates form and the ready notification's checkbox. Each is given
// the parts it drives.

import { keyAction, cycleColor } from './keyboard.js';
import { describeCursor } from './messages.js';

/** matchesFocusVisible is true for keyboard focus; browsers without the selector count every focus. */
function matchesFocusVisible(el) {
  try {
    return el.matches(':focus-visible');
  } catch {
    return true;
  }
}

export class Keys {
  /**
   * @param {object} d
   * @param {import('./board.js').Board} d.board
   * @param {import('./appaim.js').Aim} d.aim the cursor
   * @param {{showPixel: Function, zoomOnPixel: Function, fit: Function, updatePill: Function, requestDraw: Function}} d.view
   * @param {{select: Function, name: Function, selected: number, count: number}} d.colors
   * @param {(x: number, y: number) => void} d.place
   * @param {(text: string) => void} d.announce
   * @param {(fn: () => void) => () => void} d.debounce how the cursor's announcement waits for the keys to rest
   * @param {{words: Function, show: Function, pick: Function}} [d.paint] the color a shown template
   *   wants (paintbynumber.js): said with the cursor, chosen with T
   */
  constructor(d) {
    this.d = d;
    this.announceCursor = d.debounce(() => {
      const { x, y } = d.aim.cursor;
      const want = d.paint?.words(x, y);
      d.announce(describeCursor(x, y, d.colors.name(d.board.colorAt(x, y))) + (want ? `. ${want}` : ''));
    });
  }

  /** bind plays with the keyboard on canvas. */
  bind(canvas) {
    canvas.addEventListener('focus', () => {
      // A click also focuses the canvas; only keyboard focus brings the
      // cursor into view, so clicking never jumps the view.
      if (matchesFocusVisible(canvas)) this.focus();
    });
    canvas.addEventListener('keydown', (e) => this.key(e));
  }

  /** focus shows the cursor, in view, and says where it is. */
  focus() {
    const { aim, view } = this.d;
    aim.showSelection();
    view.showPixel(aim.cursor.x, aim.cursor.y);
    this.announceCursor();
    aim.showPixelInfo(aim.cursor.x, aim.cursor.y);
  }

  /** key does what a keydown on the canvas means; false when the key is not the game's. */
  key(e) {
    const action = keyAction(e, this.d.colors.count);
    if (!action) return false;
    e.preventDefault();
    this.d.aim.showSelection();
    this.act(action);
    this.d.view.updatePill();
    this.d.view.requestDraw();
    return true;
  }

  act(action) {
    const { aim, view, colors } = this.d;
    const { x, y } = aim.cursor;
    switch (action.type) {
      case 'move':
        aim.moveBy(action.dx, action.dy);
        view.showPixel(aim.cursor.x, aim.cursor.y);
        this.announceCursor();
        aim.showPixelInfo(aim.cursor.x, aim.cursor.y);
        break;
      case 'place':
        this.d.place(x, y);
        break;
      case 'color':
        colors.select(action.index);
        break;
      case 'cycleColor':
        colors.select(cycleColor(colors.selected, action.delta, colors.count));
        break;
      case 'zoom':
        view.zoomOnPixel(action.factor, x, y);
        break;
      case 'pick':
        aim.pick(x, y);
        break;
      case 'fit':
        view.fit(true);
        break;
      case 'want':
        this.d.paint?.show(x, y);
        this.d.paint?.pick();
        break;
    }
  }
}

/**
 * bindForm makes the coordinates form place over the WebSocket like a
 * click would, while the connection is live; otherwise it posts to /place
 * as it does without JS.
 */
export function bindForm(el, { conn, board, aim, view, colors, place, toast }) {
  const { form, formX, formY, formColor } = el;
  if (!form) return;
  formColor?.addEventListener('change', () => colors.select(Number(formColor.value), false));
  form.addEventListener('submit', (e) => {
    if (!conn.connected || !board.loaded) return;
    e.preventDefault();
    const x = Number(formX.value);
    const y = Number(formY.value);
    if (!board.inBounds(x, y)) {
      toast(`Coordinates must be within 0–${board.width - 1} and 0–${board.height - 1}.`);
      return;
    }
    colors.select(Number(formColor.value), false);
    aim.setCursor(x, y);
    view.showPixel(x, y);
    aim.showPixelInfo(x, y);
    place(x, y);
  });
}

/** bindNotify wires the ready notification's checkbox to notifier. */
export function bindNotify(el, notifier, announce) {
  const { notify, notifyStatus } = el;
  if (!notify) return;
  const show = () => {
    notify.checked = notifier.wanted;
    if (notifyStatus) notifyStatus.textContent = notifier.status;
  };
  show();
  notify.addEventListener('change', async () => {
    // The permission prompt comes from this click, never on page load.
    const wanted = notify.checked;
    const on = await notifier.setWanted(wanted);
    show();
    // Unchecked again behind the player's back: say why.
    if (wanted && !on) announce(notifier.status || 'Notifications stay off.');
  });
}
