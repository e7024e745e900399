// Keyboard play: a pure mapping from key events to actions, so the bindings
// can be tested, documented and extended in one place.
//
//   arrows           move the cursor one pixel (Shift: ten)
//   Enter, Space     place the selected color at the cursor
//   0-9              choose colors 0-9; Shift+0-5 chooses 10-15
//   [ and ]          previous / next color
//   + and -          zoom in / out around the cursor
//   I                pick the color under the cursor (eyedropper)
//   F                show the whole canvas
//   T                choose the color a shown template wants at the cursor

/**
 * @typedef {{type: 'move', dx: number, dy: number}
 *   | {type: 'place'}
 *   | {type: 'color', index: number}
 *   | {type: 'cycleColor', delta: number}
 *   | {type: 'zoom', factor: number}
 *   | {type: 'pick'}
 *   | {type: 'fit'}
 *   | {type: 'want'}} KeyAction
 */

export const ZOOM_STEP = 1.5;

/**
 * keyAction returns what a keydown means on the canvas, or null when the
 * key is not ours (so the browser keeps Tab, shortcuts and the rest).
 * @param {{key: string, code?: string, shiftKey?: boolean, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean}} e
 * @param {number} [colorCount]
 * @returns {KeyAction | null}
 */
export function keyAction(e, colorCount = 16) {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const step = e.shiftKey ? 10 : 1;
  switch (e.key) {
    case 'ArrowLeft': return { type: 'move', dx: -step, dy: 0 };
    case 'ArrowRight': return { type: 'move', dx: step, dy: 0 };
    case 'ArrowUp': return { type: 'move', dx: 0, dy: -step };
    case 'ArrowDown': return { type: 'move', dx: 0, dy: step };
    case 'Enter':
    case ' ':
    case 'Spacebar':
      return { type: 'place' };
    case '[': return { type: 'cycleColor', delta: -1 };
    case ']': return { type: 'cycleColor', delta: 1 };
    case '+':
    case '=':
      return { type: 'zoom', factor: ZOOM_STEP };
    case '-':
    case '_':
      return { type: 'zoom', factor: 1 / ZOOM_STEP };
    case 'i':
    case 'I':
      return { type: 'pick' };
    case 'f':
    case 'F':
      return { type: 'fit' };
    case 't':
    case 'T':
      return { type: 'want' };
  }
  // Digits by physical key, so Shift+1 means 11 on any keyboard layout
  // instead of whatever symbol the layout puts there.
  const m = /^(?:Digit|Numpad)([0-9])$/.exec(e.code ?? '') ?? (/^[0-9]$/.test(e.key) ? [e.key, e.key] : null);
  if (m) {
    const index = Number(m[1]) + (e.shiftKey ? 10 : 0);
    return index < colorCount ? { type: 'color', index } : null;
  }
  return null;
}

/** keyHint is the key that picks color `index`, for titles and help. */
export function keyHint(index) {
  return index < 10 ? String(index) : `Shift+${index - 10}`;
}

/** moveCursor moves and clamps the cursor inside the canvas. */
export function moveCursor(cursor, dx, dy, width, height) {
  return {
    x: Math.min(width - 1, Math.max(0, cursor.x + dx)),
    y: Math.min(height - 1, Math.max(0, cursor.y + dy)),
  };
}

/** cycleColor steps through the palette, wrapping at both ends. */
export function cycleColor(index, delta, colorCount) {
  return (((index + delta) % colorCount) + colorCount) % colorCount;
}
