import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayChooser, overlayURL } from '../overlays.js';

test('overlayURL names the image and changes once a period', () => {
  assert.equal(overlayURL('heatmap', 120_000), '/api/v1/overlay/heatmap.png?v=2');
  assert.equal(overlayURL('virgin', 179_999), '/api/v1/overlay/virgin.png?v=2');
  assert.equal(overlayURL('nothing'), '');
});

test('OverlayChooser shows the chosen overlay and nothing for none', async () => {
  const shown = [];
  const c = new OverlayChooser({
    load: async (url) => ({ url }),
    show: (img) => shown.push(img && img.url),
    now: () => 60_000,
  });
  await c.choose('heatmap');
  await c.choose('virgin');
  await c.choose('');
  await c.choose('bogus');
  assert.deepEqual(shown, ['/api/v1/overlay/heatmap.png?v=1', '/api/v1/overlay/virgin.png?v=1', null, null]);
});

test('OverlayChooser drops an image that arrives after another choice', async () => {
  const shown = [];
  let release;
  const slow = new Promise((r) => { release = r; });
  const c = new OverlayChooser({
    load: (url) => (url.includes('heatmap') ? slow : Promise.resolve({ url })),
    show: (img) => shown.push(img && img.url),
    now: () => 0,
  });
  const first = c.choose('heatmap');
  await c.choose('virgin');
  release({ url: 'late heatmap' });
  await first;
  assert.deepEqual(shown, ['/api/v1/overlay/virgin.png?v=0']);
});

test('OverlayChooser says when an overlay cannot be read and refreshes the shown one', async () => {
  const failed = [];
  let loads = 0;
  const c = new OverlayChooser({
    load: async () => { loads++; throw new Error('503'); },
    show: (img) => assert.equal(img, null, 'a failed load shows nothing'),
    failed: (name) => failed.push(name),
  });
  await c.choose('virgin');
  assert.deepEqual(failed, ['virgin']);
  await c.refresh();
  assert.equal(loads, 2);
  await c.choose('');
  await c.refresh(); // nothing chosen: nothing read
  assert.equal(loads, 2);
});

test('outlineRects outlines protected areas and templates, skipping empty ones', async () => {
  const { outlineRects } = await import('../overlays.js');
  assert.deepEqual(outlineRects(
    [{ id: 1, name: 'logo', x: 4, y: 4, w: 8, h: 6 }, { id: 2, name: 'none', x: 0, y: 0, w: 0, h: 3 }],
    [{ id: 7, name: 'heart', x: 18, y: 16, width: 10, height: 8, image: '/x' }],
  ), [
    { kind: 'area', name: 'logo', x: 4, y: 4, w: 8, h: 6 },
    { kind: 'template', name: 'heart', x: 18, y: 16, w: 10, h: 8 },
  ]);
  assert.deepEqual(outlineRects(undefined, null), []);
});
