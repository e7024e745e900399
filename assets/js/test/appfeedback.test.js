import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Feedback } from '../appfeedback.js';

function fakeElement() {
  const classes = new Set();
  return {
    textContent: 'old',
    classList: { add: (c) => classes.add(c), remove: (c) => classes.delete(c), contains: (c) => classes.has(c) },
  };
}

test('announce clears the live region, then says the sentences given together as one', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const announcer = fakeElement();
  const f = new Feedback(announcer, fakeElement());
  f.announce('Ready to place.');
  f.announce('Connection restored.');
  assert.equal(announcer.textContent, '');
  t.mock.timers.tick(30);
  assert.equal(announcer.textContent, 'Ready to place. Connection restored.');
  f.announce('Ready to place.');
  assert.equal(announcer.textContent, '', 'an identical sentence is cleared first so that it is heard again');
  t.mock.timers.tick(30);
  assert.equal(announcer.textContent, 'Ready to place.');
});

test('a toast shows for four seconds; a newer one replaces it and starts the time again', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const toast = fakeElement();
  const f = new Feedback(fakeElement(), toast);
  f.toast('Pick a color first.');
  assert.equal(toast.textContent, 'Pick a color first.');
  assert.ok(toast.classList.contains('toast-visible'));
  t.mock.timers.tick(3000);
  f.toast('Link copied.');
  t.mock.timers.tick(3000);
  assert.equal(toast.textContent, 'Link copied.');
  assert.ok(toast.classList.contains('toast-visible'));
  t.mock.timers.tick(1000);
  assert.equal(toast.textContent, '');
  assert.ok(!toast.classList.contains('toast-visible'));
});

test('clearToast takes a refusal away at once, and its timer does not come back', async () => {
  const toast = fakeElement();
  const f = new Feedback(fakeElement(), toast);
  f.toast('Pick a color first.');
  assert.equal(toast.textContent, 'Pick a color first.');
  assert.ok(toast.classList.contains('toast-visible'));
  f.clearToast();
  assert.equal(toast.textContent, '');
  assert.ok(!toast.classList.contains('toast-visible'));
  f.toast('Placed.');
  f.clearToast();
  f.toast('Link copied.');
  assert.equal(toast.textContent, 'Link copied.');
  clearTimeout(f.toastTimer);
});
