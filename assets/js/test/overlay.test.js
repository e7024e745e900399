import test from 'node:test';
import assert from 'node:assert/strict';
import { shareURL, sharedTemplate } from '../overlay.js';

test('a share link names the template and keeps the rest of the address', () => {
  const url = shareURL({ href: 'https://place.example/?x=1#top' }, 7);
  assert.equal(url, 'https://place.example/?x=1&template=7');
  assert.equal(sharedTemplate(new URL(url).search), 7);
});

test('a share link without a number turns nothing on', () => {
  assert.equal(sharedTemplate('?template=abc'), null);
  assert.equal(sharedTemplate(''), null);
  assert.equal(sharedTemplate('?template=1e3'), null);
});
