// Overlays of the game view: a heatmap of placements per pixel and a map of
// the pixels nobody ever placed, drawn over the canvas by the renderer. A
// select next to the zoom buttons turns them on; nothing else changes.

export const OVERLAYS = Object.freeze({
  heatmap: { label: 'Heatmap', url: '/api/v1/overlay/heatmap.png' },
  virgin: { label: 'Never placed', url: '/api/v1/overlay/virgin.png' },
});

/** overlayURL is the image of an overlay, fresh each refresh period. */
export function overlayURL(name, now = Date.now(), periodMs = 60_000) {
  const o = OVERLAYS[name];
  return o ? `${o.url}?v=${Math.floor(now / periodMs)}` : '';
}

function install(app) {
  const zoom = document.querySelector('.zoom');
  if (!zoom || document.getElementById('overlay-select')) return;
  const label = document.createElement('label');
  label.className = 'overlay-toggle';
  label.textContent = 'Overlay ';
  const select = document.createElement('select');
  select.id = 'overlay-select';
  select.dataset.testid = 'overlay-select';
  select.add(new Option('None', ''));
  for (const [name, o] of Object.entries(OVERLAYS)) select.add(new Option(o.label, name));
  label.append(select);
  zoom.after(label);
  let timer = 0;
  const show = () => {
    clearTimeout(timer);
    const url = overlayURL(select.value);
    if (!url) {
      app.renderer.overlay = null;
      app.requestDraw();
      return;
    }
    const img = new Image();
    img.onload = () => {
      if (overlayURL(select.value) === url) {
        app.renderer.overlay = img;
        app.requestDraw();
      }
    };
    img.src = url;
    timer = setTimeout(show, 60_000);
  };
  select.addEventListener('change', show);
}

if (typeof document !== 'undefined') {
  const wait = () => (window.placeApp ? install(window.placeApp) : setTimeout(wait, 100));
  wait();
}
