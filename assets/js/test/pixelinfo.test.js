import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PixelInfo, PIXEL_INFO_DEBOUNCE_MS, describePlacement, exactTime } from '../pixelinfo.js';

const names = ['white', 'light grey', 'grey', 'black', 'pink', 'red'];
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

function setup(respond) {
  const els = { coords: { textContent: '' }, owner: { textContent: '' }, link: { href: '', textContent: '' } };
  const urls = [];
  const fetchImpl = async (url, opts) => {
    urls.push(url);
    return respond(url, opts);
  };
  return { els, urls, info: new PixelInfo(els, (i) => names[i] ?? 'unknown', fetchImpl) };
}

test('shows coordinates at once and the last placer after the debounce', async () => {
  const placedAt = new Date(Date.now() - 5 * 60_000).toISOString();
  const { els, urls, info } = setup(() => ({ ok: true, json: async () => ({ placements: [{ userId: 'u', username: 'ada', color: 5, placedAt }] }) }));
  info.show(3, 4, 5);
  info.show(7, 8, 3);
  assert.equal(els.coords.textContent, 'x 7, y 8 · black');
  assert.equal(els.link.href, '/history?x=7&y=8');
  assert.equal(urls.length, 0, 'debounced');
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
  assert.deepEqual(urls, ['/api/v1/history/pixel?x=7&y=8&limit=1']);
  assert.equal(els.owner.textContent, 'Placed by ada (red), 5 minutes ago.');
});

test('an untouched pixel and a failing API say so', async () => {
  const empty = setup(() => ({ ok: true, json: async () => ({ placements: [] }) }));
  empty.info.show(0, 0, 0);
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
  assert.match(empty.els.owner.textContent, /Never placed/);

  const down = setup(() => ({ ok: false, status: 503, json: async () => ({}) }));
  down.info.show(1, 1, 0);
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
  assert.match(down.els.owner.textContent, /unavailable/);
});

test('a slow answer for a pixel no longer shown is dropped', async () => {
  let release;
  const gate = new Promise((r) => { release = r; });
  const { els, info } = setup(async (url) => {
    if (url.includes('x=1&')) await gate;
    return { ok: true, json: async () => ({ placements: [{ username: url.includes('x=1&') ? 'old' : 'new', color: 0, placedAt: Date.now() }] }) };
  });
  info.show(1, 1, 0);
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
  info.show(2, 2, 0);
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
  release();
  await wait(10);
  assert.match(els.owner.textContent, /Placed by new/);
});

test('a pixel restored by a rollback names the rollback, not the moderator', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  const d = describePlacement({ userId: 'mod', username: 'moderator', color: 0, placedAt: new Date(at).toISOString(), rollback: true },
    (i) => names[i], at + 120_000);
  assert.equal(d.text, "Restored to white by a moderator's rollback,");
  assert.ok(!d.text.includes('moderator ') && !d.text.includes('Placed by'));
  assert.equal(d.when, '2 minutes ago.');
  assert.equal(d.exact, '2026-01-02 03:04:05 UTC');
  assert.equal(exactTime(at), '2026-01-02 03:04:05 UTC');
});

test('a pixel painted by a wipe names the wipe, not a rollback nor the moderator', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  const d = describePlacement({ userId: 'mod', username: 'moderator', color: 0, placedAt: new Date(at).toISOString(), rollback: true, wipe: true },
    (i) => names[i], at + 60_000);
  assert.equal(d.text, 'Wiped to white by a moderator,');
  assert.ok(!d.text.includes('rollback') && !d.text.includes('Placed by'));
});

test('admins get a link to the author, never for a rollback', async () => {
  const admin = { hidden: true, href: '', textContent: '' };
  const when = { textContent: '', title: '', setAttribute() {}, removeAttribute() {} };
  let rollback = false;
  const els = { coords: { textContent: '' }, owner: { textContent: '' }, when, link: { href: '', textContent: '' }, admin };
  const info = new PixelInfo(els, (i) => names[i], async () => ({ ok: true, json: async () => ({ placements: [{ userId: 'u 1', username: 'ada', color: 5, placedAt: Date.now(), rollback }] }) }), { isAdmin: true });
  info.show(1, 2, 5);
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
  assert.equal(admin.hidden, false);
  assert.equal(admin.href, '/admin/users/u%201');
  assert.equal(els.owner.textContent, 'Placed by ada (red),');
  assert.equal(when.textContent, 'just now.');
  rollback = true;
  info.show(3, 3, 0);
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
  assert.equal(admin.hidden, true);
});

test('the shown color follows the board, other pixels are left alone', async () => {
  const { els, info } = setup(() => ({ ok: true, json: async () => ({ placements: [] }) }));
  info.show(2, 3, 0);
  info.recolor(2, 3, 5);
  assert.equal(els.coords.textContent, 'x 2, y 3 · red');
  info.recolor(9, 9, 3);
  assert.equal(els.coords.textContent, 'x 2, y 3 · red');
  info.refresh(2, 3, 3);
  assert.equal(els.coords.textContent, 'x 2, y 3 · black');
  await wait(PIXEL_INFO_DEBOUNCE_MS + 30);
});
