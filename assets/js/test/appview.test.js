import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GameView } from '../appview.js';
import { Board } from '../board.js';
import { FIRST_ZOOM, MAX_SCALE, fitView, viewCenter } from '../view.js';
import { fakeElement } from './fakes.js';

// viewOf opens a GameView on a width × height canvas in a 1000 × 600
// viewport at the given address, as the page's first resize does.
function viewOf({ width = 500, height = 400, hash = '', search = '', focus } = {}) {
  globalThis.requestAnimationFrame ??= () => 1;
  const renderer = { cssWidth: 0, cssHeight: 0, resize() { this.cssWidth = 1000; this.cssHeight = 600; } };
  const spots = [];
  const view = new GameView({
    renderer,
    board: new Board(width, height),
    el: { canvas: { getBoundingClientRect: () => ({ top: 0 }) }, root: fakeElement() },
    colors: { selected: 0, name: () => '', hex: () => '' },
    marks: () => ({ selected: null, hover: null }),
    onSpot: (p) => spots.push(p),
    focus,
    location: { hash, search },
    history: { state: null, replaceState() {} },
  });
  view.resize();
  return { view: view.view, spots, center: viewCenter(view.view, 1000, 600) };
}

test('the first view is close on the latest placement, else on the middle', () => {
  const v = viewOf({ focus: () => ({ x: 120, y: 300 }) });
  assert.equal(v.view.scale, FIRST_ZOOM);
  assert.deepEqual(v.center, { x: 120.5, y: 300.5 });
  const mid = viewOf({ focus: () => null });
  assert.equal(mid.view.scale, FIRST_ZOOM);
  assert.deepEqual(mid.center, { x: 250.5, y: 200.5 });
  assert.deepEqual(v.spots, [], 'nothing is selected');
});

test('#all opens on the whole canvas, a link on its spot', () => {
  assert.deepEqual(viewOf({ hash: '#all', focus: () => ({ x: 1, y: 1 }) }).view, fitView(500, 400, 1000, 600, MAX_SCALE, 12));
  const linked = viewOf({ hash: '#x=7&y=9&z=20', focus: () => ({ x: 1, y: 1 }) });
  assert.equal(linked.view.scale, 20);
  assert.deepEqual(linked.center, { x: 7.5, y: 9.5 });
  assert.deepEqual(linked.spots, [{ x: 7, y: 9 }]);
  assert.deepEqual(viewOf({ search: '?x=3&y=4' }).spots, [{ x: 3, y: 4 }]);
});
