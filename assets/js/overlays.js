// Overlays of the game view: a heatmap of placements per pixel and a map of
// the pixels nobody ever placed, drawn over the canvas by the renderer. A
// select in the More panel ("Show on the canvas") turns one on; nothing
// else changes. The page's app is passed in (app.js): this module never
// reads the read-only test hook.

export const OVERLAYS = Object.freeze({
  heatmap: { label: 'Heatmap (most placed pixels)', url: '/api/v1/overlay/heatmap.png' },
  virgin: { label: 'Pixels never placed', url: '/api/v1/overlay/virgin.png' },
});

/** REFRESH_MS is how often a shown overlay is read again. */
export const REFRESH_MS = 60_000;

/** overlayURL is the image of an overlay, fresh each refresh period. */
export function overlayURL(name, now = Date.now(), periodMs = REFRESH_MS) {
  const o = OVERLAYS[name];
  return o ? `${o.url}?v=${Math.floor(now / periodMs)}` : '';
}

/**
 * OverlayChooser shows the chosen overlay: load(url) resolves to an image,
 * show(img) draws it (null: none). An image that arrives after the player
 * chose another overlay is dropped; a failed load says so through failed().
 */
export class OverlayChooser {
  constructor({ load, show, failed = () => {}, now = () => Date.now() }) {
    this.load = load;
    this.show = show;
    this.failed = failed;
    this.now = now;
    this.name = '';
    this.turn = 0;
  }

  /** choose turns overlay name on ('' turns it off); resolves when shown. */
  async choose(name) {
    this.name = OVERLAYS[name] ? name : '';
    const turn = ++this.turn;
    if (!this.name) {
      this.show(null);
      return;
    }
    const url = overlayURL(this.name, this.now());
    let img;
    try {
      img = await this.load(url);
    } catch {
      if (turn === this.turn) this.failed(this.name);
      return;
    }
    if (turn === this.turn) this.show(img);
  }

  /** refresh reads the shown overlay again (placements keep changing it). */
  refresh() {
    if (this.name) return this.choose(this.name);
    return Promise.resolve();
  }
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`overlay ${url} did not load`));
    img.src = url;
  });
}

/**
 * mountCanvasOverlays adds "Show on the canvas" to panel (the More panel):
 * a select of the overlays. app needs renderer (whose overlay is drawn)
 * and requestDraw(); toast(text) says when an overlay could not be read.
 */
export function mountCanvasOverlays(panel, app) {
  if (!panel || document.getElementById('overlay-select')) return null;
  const section = document.createElement('section');
  section.className = 'canvas-overlays js-only';
  section.dataset.testid = 'canvas-overlays';
  const label = document.createElement('label');
  label.htmlFor = 'overlay-select';
  label.className = 'section-subtitle';
  label.textContent = 'Show on the canvas';
  const select = document.createElement('select');
  select.id = 'overlay-select';
  select.dataset.testid = 'overlay-select';
  select.add(new Option('Only the pixels', ''));
  for (const [name, o] of Object.entries(OVERLAYS)) select.add(new Option(o.label, name));
  section.append(label, select);
  const before = panel.querySelector('.settings');
  if (before) before.before(section);
  else panel.append(section);

  const chooser = new OverlayChooser({
    load: loadImage,
    show: (img) => {
      app.renderer.overlay = img;
      section.dataset.shown = img ? select.value : '';
      app.requestDraw();
    },
    failed: () => app.toast?.('The overlay could not be read. Please try again later.'),
  });
  select.addEventListener('change', () => chooser.choose(select.value));
  setInterval(() => {
    if (!document.hidden) chooser.refresh();
  }, REFRESH_MS);
  return chooser;
}
