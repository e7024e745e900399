// The suspects page's helper: fetches the list of groups again every few
// seconds and swaps it in, but never while the keyboard focus is inside it
// (a swap would throw the focus back to the top of the page); the update
// waits until the focus leaves. Without it the page shows the list as it
// was when loaded.

const every = 5000;

function start(doc) {
  const live = doc.getElementById('suspects-live');
  if (!live) return;
  let pending = null;
  const swap = () => {
    if (pending === null || live.contains(doc.activeElement)) return;
    live.innerHTML = pending;
    pending = null;
  };
  live.addEventListener('focusout', () => setTimeout(swap, 0));
  const refresh = async () => {
    try {
      const r = await fetch(live.dataset.src, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (r.ok) {
        pending = await r.text();
        swap();
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
    setTimeout(refresh, every);
  };
  setTimeout(refresh, every);
}

if (typeof document !== 'undefined') start(document);
