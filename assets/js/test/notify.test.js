import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOTIFY_KEY, NOTIFY_TEXT, ReadyNotifier, shouldNotify } from '../notify.js';

function fakeNotification(permission, answer = permission) {
  const shown = [];
  const N = function Notification(title, opts) {
    shown.push({ title, ...opts });
    this.close = () => {};
  };
  N.permission = permission;
  N.asked = 0;
  N.requestPermission = async () => {
    N.asked++;
    N.permission = answer;
    return answer;
  };
  return { N, shown };
}

function memoryStorage(init = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), map: m };
}

test('shouldNotify needs the wish, the permission and a tab in the background', () => {
  assert.equal(shouldNotify({ wanted: true, permission: 'granted', visible: false }), true);
  assert.equal(shouldNotify({ wanted: true, permission: 'granted', visible: true }), false);
  assert.equal(shouldNotify({ wanted: false, permission: 'granted', visible: false }), false);
  assert.equal(shouldNotify({ wanted: true, permission: 'default', visible: false }), false);
});

test('turning it on asks for permission once, remembers the choice and notifies in the background', async () => {
  const { N, shown } = fakeNotification('default', 'granted');
  const storage = memoryStorage();
  let visible = true;
  const n = new ReadyNotifier({ Notification: N, storage, visible: () => visible });
  assert.equal(n.wanted, false);
  assert.equal(N.asked, 0, 'no permission prompt before the player asks');
  assert.equal(await n.setWanted(true), true);
  assert.equal(N.asked, 1);
  assert.equal(storage.map.get(NOTIFY_KEY), '1');
  assert.equal(n.status, NOTIFY_TEXT.on);

  assert.equal(n.ready('Ready to place.'), false, 'the page is in front: the live region is enough');
  visible = false;
  assert.equal(n.ready('Ready to place.'), true);
  assert.deepEqual(shown.map((s) => s.body), ['Ready to place.']);

  // A new page with the same storage comes back on without asking again.
  const again = new ReadyNotifier({ Notification: N, storage, visible: () => false });
  assert.equal(again.wanted, true);
  assert.equal(N.asked, 1);
  await again.setWanted(false);
  assert.equal(storage.map.get(NOTIFY_KEY), '0');
  assert.equal(again.ready('Ready to place.'), false);
});

test('a refused permission or a browser without notifications leaves it off and says why', async () => {
  const { N } = fakeNotification('default', 'denied');
  const n = new ReadyNotifier({ Notification: N, storage: memoryStorage(), visible: () => false });
  assert.equal(await n.setWanted(true), false);
  assert.equal(n.status, NOTIFY_TEXT.denied);
  assert.equal(n.ready('Ready to place.'), false);

  const none = new ReadyNotifier({ Notification: undefined, storage: memoryStorage({ [NOTIFY_KEY]: '1' }), visible: () => false });
  assert.equal(none.supported, false);
  assert.equal(none.wanted, false);
  assert.equal(await none.setWanted(true), false);
  assert.equal(none.status, NOTIFY_TEXT.unsupported);
});

test('storage that throws does not break the page', async () => {
  const { N } = fakeNotification('granted');
  const throwing = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  const n = new ReadyNotifier({ Notification: N, storage: throwing, visible: () => false });
  assert.equal(n.wanted, false);
  assert.equal(await n.setWanted(true), true);
  assert.equal(n.ready('Ready to place.'), true);
});
