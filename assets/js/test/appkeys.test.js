import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aim } from '../appaim.js';
import { Colors } from '../appcolors.js';
import { Keys, bindForm } from '../appkeys.js';
import { Board } from '../board.js';
import { DEFAULT_PALETTE } from '../palette.js';
import { fakeElement } from './fakes.js';

// keysGame wires Keys to a real Aim and Colors on a 20 × 10 board, with a
// view that records what it was asked to do and a debounce run by hand.
function keysGame({ selected = 3, paint } = {}) {
  const board = new Board(20, 10, DEFAULT_PALETTE);
  const pixels = new Uint8Array(200);
  pixels[2 * 20 + 11] = 9;
  board.load(pixels);
  const did = { placed: [], shownPixels: [], zooms: [], announced: [], toasts: [], info: [], pills: 0, draws: 0 };
  const view = {
    view: { scale: 10, offsetX: 0, offsetY: 0 },
    showPixel: (x, y) => did.shownPixels.push([x, y]),
    zoomOnPixel: (f, x, y) => did.zooms.push([f, x, y]),
    fit: (byPlayer) => did.zooms.push(['fit', byPlayer]),
    updatePill: () => { did.pills++; },
    requestDraw: () => { did.draws++; },
  };
  const feedback = { toast: (t) => did.toasts.push(t), announce: (t) => did.announced.push(t) };
  const el = {
    selected: fakeElement(), info: fakeElement({ hidden: true }), viewport: fakeElement(), eyedropper: fakeElement(),
  };
  const memory = { selected, recent: [], select(i) { this.selected = i; }, used() {} };
  const swatches = DEFAULT_PALETTE.map((c, i) => fakeElement({ dataset: { color: String(i), hex: c.hex, name: c.name } }));
  const colors = new Colors({
    swatches, fallback: DEFAULT_PALETTE, memory: () => memory, el,
    onSelect: () => {}, onPalette: () => {}, announce: feedback.announce,
  });
  const place = (x, y) => did.placed.push([x, y]);
  const aim = new Aim({ board, view, place, colors, pixelInfo: { show: (x, y, c) => did.info.push([x, y, c]) }, feedback, el });
  let pending = null;
  const keys = new Keys({
    board, aim, view, colors, place, paint,
    announce: feedback.announce,
    debounce: (fn) => () => { pending = fn; },
  });
  const press = (key, more = {}) => {
    let prevented = false;
    const handled = keys.key({ key, preventDefault: () => { prevented = true; }, ...more });
    assert.equal(prevented, handled, `${key}: the browser keeps only the keys the game does not use`);
    return handled;
  };
  const rest = () => { pending?.(); pending = null; };
  return { board, aim, colors, keys, did, el, press, rest, memory };
}

test('arrows move the cursor, Shift ten at a time, kept on the canvas and in view', () => {
  const g = keysGame();
  assert.deepEqual(g.aim.cursor, { x: 10, y: 5 }, 'starts in the middle');
  assert.equal(g.press('ArrowRight'), true);
  assert.deepEqual(g.aim.cursor, { x: 11, y: 5 });
  assert.equal(g.aim.showCursor, true, 'the keyboard shows the cursor');
  assert.equal(g.el.info.hidden, false, 'and its pixel\'s panel');
  g.press('ArrowUp', { shiftKey: true });
  assert.deepEqual(g.aim.cursor, { x: 11, y: 0 }, 'clamped at the top');
  g.press('ArrowDown');
  g.press('ArrowDown');
  assert.deepEqual(g.aim.cursor, { x: 11, y: 2 });
  g.press('ArrowLeft', { shiftKey: true });
  g.press('ArrowLeft', { shiftKey: true });
  assert.deepEqual(g.aim.cursor, { x: 0, y: 2 }, 'clamped on the left');
  assert.deepEqual(g.did.shownPixels.at(-1), [0, 2], 'the view follows the cursor');
  assert.ok(g.did.draws >= 6 && g.did.pills >= 6);
});

test('the cursor is announced once the keys rest, with the pixel\'s color', () => {
  const g = keysGame();
  g.press('ArrowRight');
  g.press('ArrowUp');
  g.press('ArrowUp');
  g.press('ArrowUp');
  assert.deepEqual(g.did.announced, []);
  g.rest();
  assert.deepEqual(g.did.announced, [`x 11, y 2, currently ${DEFAULT_PALETTE[9].name}`]);
  assert.deepEqual(g.did.info.at(-1), [11, 2, 9], 'the pixel panel shows the pixel under the cursor');
});

test('Enter and Space place at the cursor', () => {
  const g = keysGame();
  g.press('ArrowLeft');
  g.press('Enter');
  g.press(' ');
  assert.deepEqual(g.did.placed, [[9, 5], [9, 5]]);
});

test('digits, Shift+digits and the brackets choose colors; I picks the color under the cursor', () => {
  const g = keysGame();
  g.press('7', { code: 'Digit7' });
  assert.equal(g.colors.selected, 7);
  assert.equal(g.memory.selected, 7, 'remembered for the next visit');
  assert.equal(g.el.selected.textContent, DEFAULT_PALETTE[7].name);
  g.press('!', { code: 'Digit1', shiftKey: true });
  assert.equal(g.colors.selected, 11);
  g.press('[');
  assert.equal(g.colors.selected, 10);
  g.press('0', { code: 'Digit0' });
  g.press('[');
  assert.equal(g.colors.selected, 15, 'wraps to the last color');
  g.press(']');
  assert.equal(g.colors.selected, 0, 'and back to the first');
  g.press('ArrowRight');
  g.press('ArrowUp', { shiftKey: true });
  g.press('ArrowDown');
  g.press('ArrowDown');
  g.press('i');
  assert.equal(g.colors.selected, 9);
  assert.equal(g.did.toasts.at(-1), `Picked ${DEFAULT_PALETTE[9].name}.`);
});

test('+ and - zoom around the cursor; keys with Ctrl and unknown keys are left to the browser', () => {
  const g = keysGame();
  assert.equal(g.press('ArrowRight', { ctrlKey: true }), false);
  assert.equal(g.press('Tab'), false);
  assert.equal(g.press('q'), false);
  assert.deepEqual(g.aim.cursor, { x: 10, y: 5 });
  assert.equal(g.aim.showCursor, false, 'a key not ours shows nothing');
  g.press('+');
  g.press('-');
  assert.equal(g.did.zooms.length, 2);
  assert.deepEqual(g.did.zooms[0].slice(1), [10, 5]);
  assert.ok(g.did.zooms[0][0] > 1 && g.did.zooms[1][0] < 1);
  g.press('f');
  assert.deepEqual(g.did.zooms[2], ['fit', true], 'F shows the whole canvas, a view the address bar follows');
});

test('keyboard focus shows the cursor in view and says where it is', () => {
  const g = keysGame();
  g.keys.focus();
  assert.equal(g.aim.showCursor, true);
  assert.deepEqual(g.did.shownPixels, [[10, 5]]);
  g.rest();
  assert.deepEqual(g.did.announced, [`x 10, y 5, currently ${DEFAULT_PALETTE[0].name}`]);
});

test('a mouse click places, a tap selects, the eyedropper picks', () => {
  const g = keysGame();
  g.aim.tap(35, 25, { pointerType: 'touch' });
  assert.deepEqual(g.aim.cursor, { x: 3, y: 2 });
  assert.deepEqual(g.did.placed, [], 'a finger never places');
  g.aim.placeSelected();
  assert.deepEqual(g.did.placed, [[3, 2]], 'the bar\'s Place button does');
  g.aim.tap(55, 15, { pointerType: 'mouse' });
  assert.deepEqual(g.did.placed.at(-1), [5, 1]);
  g.aim.tap(-5, 15, { pointerType: 'mouse' });
  assert.equal(g.did.placed.length, 2, 'outside the canvas: nothing');
  g.aim.setEyedropper(true);
  assert.equal(g.el.viewport.classList.contains('picking'), true);
  g.aim.tap(115, 25, { pointerType: 'mouse' });
  assert.equal(g.colors.selected, 9);
  assert.equal(g.aim.eyedropper, false, 'one pick turns it off');
  assert.equal(g.did.placed.length, 2, 'picking places nothing');
});

test('the form places over the socket at its coordinates, and says when they are off the canvas', () => {
  const g = keysGame();
  const el = {
    form: fakeElement(), formX: fakeElement({ value: '4' }), formY: fakeElement({ value: '6' }), formColor: fakeElement({ value: '5' }),
  };
  const conn = { connected: true };
  const toasts = [];
  const shown = [];
  bindForm(el, {
    conn, board: g.board, aim: g.aim, colors: g.colors,
    view: { showPixel: (x, y) => shown.push([x, y]) },
    place: (x, y) => g.did.placed.push([x, y]),
    toast: (t) => toasts.push(t),
  });
  let prevented = 0;
  const submit = () => el.form.fire('submit', { preventDefault: () => { prevented++; } });
  submit();
  assert.deepEqual(g.did.placed, [[4, 6]]);
  assert.equal(g.colors.selected, 5);
  assert.deepEqual(g.aim.cursor, { x: 4, y: 6 });
  assert.deepEqual(shown, [[4, 6]]);
  el.formX.value = '20';
  submit();
  assert.deepEqual(toasts, ['Coordinates must be within 0–19 and 0–9.']);
  assert.equal(g.did.placed.length, 1);
  conn.connected = false;
  submit();
  assert.equal(prevented, 2, 'without a connection the form posts as it does without JavaScript');
});

test('T chooses the color a shown template wants at the cursor, and the cursor\'s words say it', () => {
  // A template that wants color 7 on the column x = 11.
  const asked = [];
  const paint = {
    at: null,
    want: (x) => (x === 11 ? 7 : null),
    words(x) { return this.want(x) === null ? '' : 'The template wants color 7 here. Press T to choose it.'; },
    show(x, y) { this.at = { x, y }; asked.push(['show', x, y]); },
    pick() { const w = this.want(this.at.x); if (w !== null) g.colors.select(w); return w !== null; },
  };
  const g = keysGame({ paint });
  g.press('ArrowRight');
  g.rest();
  assert.equal(g.did.announced.at(-1), 'x 11, y 5, currently white. The template wants color 7 here. Press T to choose it.');
  assert.equal(g.press('t'), true);
  assert.deepEqual(asked.at(-1), ['show', 11, 5], 'asks about the cursor\'s pixel');
  assert.equal(g.colors.selected, 7);
  g.press('ArrowRight');
  g.rest();
  assert.doesNotMatch(g.did.announced.at(-1), /template/, 'nothing wanted, nothing said');
  g.press('T');
  assert.equal(g.colors.selected, 7, 'no wanted color: the selection stays');
});
