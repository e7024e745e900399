import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayURL } from '../overlays.js';

test('overlayURL names the image and changes once a period', () => {
  assert.equal(overlayURL('heatmap', 120_000), '/api/v1/overlay/heatmap.png?v=2');
  assert.equal(overlayURL('virgin', 179_999), '/api/v1/overlay/virgin.png?v=2');
  assert.equal(overlayURL('nothing'), '');
});
