// The canvas page's controls besides the pointer, split from app.js: the
// palette's swatches, the keyboard on the canvas, the coordinates form and
// the ready notification's checkbox. Each function takes the App (app.js)
// whose fields it reads and sets.

import { keyAction, moveCursor, cycleColor } from './keyboard.js';
import { ensureVisible, toScreen } from './view.js';

/** matchesFocusVisible is true for keyboard focus; browsers without the selector count every focus. */
function matchesFocusVisible(el) {
  try {
    return el.matches(':focus-visible');
  } catch {
    return true;
  }
}

export function bindPalette(app) {
  app.swatches.forEach((b) => {
    b.addEventListener('click', () => app.selectColor(Number(b.dataset.color), false));
  });
}

export function bindKeyboard(app) {
  const c = app.el.canvas;
  c.addEventListener('focus', () => {
    // A click also focuses the canvas; only keyboard focus brings the
    // cursor into view, so clicking never jumps the view.
    if (!matchesFocusVisible(c)) return;
    app.showCursor = true;
    app.el.info.hidden = false;
    app.setView(ensureVisible(app.view, app.cursor.x, app.cursor.y, app.renderer.cssWidth, app.renderer.cssHeight));
    app.announceCursor();
    app.showPixelInfo(app.cursor.x, app.cursor.y);
  });

  c.addEventListener('keydown', (e) => {
    const action = keyAction(e, app.palette.length);
    if (!action) return;
    e.preventDefault();
    app.showCursor = true;
    app.el.info.hidden = false;
    keyboard(app, action);
    app.updatePill();
    app.requestDraw();
  });
}

function keyboard(app, action) {
  switch (action.type) {
    case 'move': {
      app.cursor = moveCursor(app.cursor, action.dx, action.dy, app.width, app.height);
      app.setView(ensureVisible(app.view, app.cursor.x, app.cursor.y, app.renderer.cssWidth, app.renderer.cssHeight));
      app.announceCursor();
      app.showPixelInfo(app.cursor.x, app.cursor.y);
      break;
    }
    case 'place':
      app.place(app.cursor.x, app.cursor.y);
      break;
    case 'color':
      app.selectColor(action.index);
      break;
    case 'cycleColor':
      app.selectColor(cycleColor(app.selected, action.delta, app.palette.length));
      break;
    case 'zoom': {
      const p = toScreen(app.view, app.cursor.x + 0.5, app.cursor.y + 0.5);
      app.zoom(action.factor, p.x, p.y);
      break;
    }
    case 'pick':
      app.pick(app.cursor.x, app.cursor.y);
      break;
    case 'want':
      app.paint.show(app.cursor.x, app.cursor.y);
      app.paint.pick();
      break;
  }
}

// ---- form and buttons -------------------------------------------------

export function bindForm(app) {
  const { form, formX, formY, formColor } = app.el;
  if (!form) return;
  formColor?.addEventListener('change', () => app.selectColor(Number(formColor.value), false));
  form.addEventListener('submit', (e) => {
    // With a live connection the form places over the WebSocket like a
    // click would; otherwise it posts to /place as it does without JS.
    if (!app.conn.connected || !app.board.loaded) return;
    e.preventDefault();
    const x = Number(formX.value);
    const y = Number(formY.value);
    if (!app.board.inBounds(x, y)) {
      app.toast(`Coordinates must be within 0–${app.width - 1} and 0–${app.height - 1}.`);
      return;
    }
    app.selectColor(Number(formColor.value), false);
    app.cursor = { x, y };
    app.setView(ensureVisible(app.view, x, y, app.renderer.cssWidth, app.renderer.cssHeight));
    app.showPixelInfo(x, y);
    app.place(x, y);
  });
}

export function bindNotify(app) {
  const { notify, notifyStatus } = app.el;
  if (!notify) return;
  const show = () => {
    notify.checked = app.notifier.wanted;
    if (notifyStatus) notifyStatus.textContent = app.notifier.status;
  };
  show();
  notify.addEventListener('change', async () => {
    // The permission prompt comes from this click, never on page load.
    const wanted = notify.checked;
    const on = await app.notifier.setWanted(wanted);
    show();
    // Unchecked again behind the player's back: say why.
    if (wanted && !on) app.announce(app.notifier.status || 'Notifications stay off.');
  });
}
