import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyAction, keyHint, moveCursor, cycleColor } from '../keyboard.js';

test('arrows move by one, Shift+arrows by ten', () => {
  assert.deepEqual(keyAction({ key: 'ArrowLeft' }), { type: 'move', dx: -1, dy: 0 });
  assert.deepEqual(keyAction({ key: 'ArrowDown', shiftKey: true }), { type: 'move', dx: 0, dy: 10 });
});

test('Enter and Space place', () => {
  assert.deepEqual(keyAction({ key: 'Enter' }), { type: 'place' });
  assert.deepEqual(keyAction({ key: ' ' }), { type: 'place' });
});

test('digits choose colors 0-9, Shift+digits 10-15, by physical key', () => {
  assert.deepEqual(keyAction({ key: '5', code: 'Digit5' }), { type: 'color', index: 5 });
  assert.deepEqual(keyAction({ key: '%', code: 'Digit5', shiftKey: true }), { type: 'color', index: 15 });
  assert.deepEqual(keyAction({ key: '!', code: 'Digit1', shiftKey: true }), { type: 'color', index: 11 });
  assert.equal(keyAction({ key: '^', code: 'Digit6', shiftKey: true }), null);
  assert.deepEqual(keyAction({ key: '7', code: 'Numpad7' }), { type: 'color', index: 7 });
  assert.deepEqual(keyAction({ key: '3' }), { type: 'color', index: 3 });
});

test('brackets cycle and plus/minus zoom', () => {
  assert.deepEqual(keyAction({ key: '[' }), { type: 'cycleColor', delta: -1 });
  assert.deepEqual(keyAction({ key: ']' }), { type: 'cycleColor', delta: 1 });
  assert.ok(keyAction({ key: '+' }).factor > 1);
  assert.ok(keyAction({ key: '=' }).factor > 1);
  assert.ok(keyAction({ key: '-' }).factor < 1);
});

test('browser shortcuts and other keys are left alone', () => {
  assert.equal(keyAction({ key: 'Tab' }), null);
  assert.equal(keyAction({ key: '+', ctrlKey: true }), null);
  assert.equal(keyAction({ key: 'r', metaKey: true }), null);
  assert.equal(keyAction({ key: 'a' }), null);
});

test('cursor stays inside the canvas', () => {
  assert.deepEqual(moveCursor({ x: 5, y: 5 }, -10, 0, 100, 100), { x: 0, y: 5 });
  assert.deepEqual(moveCursor({ x: 95, y: 98 }, 10, 10, 100, 100), { x: 99, y: 99 });
});

test('color cycling wraps both ways', () => {
  assert.equal(cycleColor(0, -1, 16), 15);
  assert.equal(cycleColor(15, 1, 16), 0);
  assert.equal(cycleColor(3, 1, 16), 4);
});

test('key hints match the bindings', () => {
  for (let i = 0; i < 16; i++) {
    const hint = keyHint(i);
    const shift = hint.startsWith('Shift+');
    const digit = shift ? hint.slice(6) : hint;
    assert.deepEqual(keyAction({ key: digit, code: `Digit${digit}`, shiftKey: shift }), { type: 'color', index: i });
  }
});

test('I picks the color under the cursor', () => {
  assert.deepEqual(keyAction({ key: 'i' }), { type: 'pick' });
  assert.deepEqual(keyAction({ key: 'I', shiftKey: true }), { type: 'pick' });
  assert.equal(keyAction({ key: 'i', ctrlKey: true }), null);
});

test('F shows the whole canvas', () => {
  assert.deepEqual(keyAction({ key: 'f' }), { type: 'fit' });
  assert.deepEqual(keyAction({ key: 'F', shiftKey: true }), { type: 'fit' });
  assert.equal(keyAction({ key: 'f', ctrlKey: true }), null, 'Ctrl+F stays the browser\'s find');
});
