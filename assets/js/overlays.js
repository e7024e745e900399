// Overlays of the game view: a heatmap of placements per pixel and a map of
// the pixels nobody ever placed, drawn over the canvas by the renderer. A
// select in the More panel ("Show on the canvas") turns one on; nothing
// else changes. What draws them is passed in (app.js).

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
 * a select of the overlays. show(img) draws the chosen overlay's image
 * (null: none); toast(text) says when an overlay could not be read.
 */
export function mountCanvasOverlays(panel, { show, toast }) {
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
      show(img);
      section.dataset.shown = img ? select.value : '';
    },
    failed: () => toast('The overlay could not be read. Please try again later.'),
  });
  select.addEventListener('change', () => chooser.choose(select.value));
  setInterval(() => {
    if (!document.hidden) chooser.refresh();
  }, REFRESH_MS);
  return chooser;
}

/** OUTLINE_MS is how often shown outlines are read again (areas and templates change). */
export const OUTLINE_MS = 15_000;

/**
 * outlineRects lists what to outline from the answers of /api/v1/areas and
 * /api/v1/templates: protected areas and templates, each with its name.
 */
export function outlineRects(areas, templates) {
  const out = [];
  for (const a of areas || []) {
    if (a.w > 0 && a.h > 0) out.push({ kind: 'area', name: a.name, x: a.x, y: a.y, w: a.w, h: a.h });
  }
  for (const t of templates || []) {
    if (t.width > 0 && t.height > 0) out.push({ kind: 'template', name: t.name, x: t.x, y: t.y, w: t.width, h: t.height });
  }
  return out;
}

const OUTLINE_COLORS = { area: '#dc2626', template: '#2563eb' };

/**
 * drawOutlines strokes each rectangle through the view (device pixels):
 * a dark edge under a colored dashed line, visible on any color, with the
 * name above when there is room.
 */
export function drawOutlines(ctx, view, dpr, rects) {
  if (!rects.length) return;
  const s = view.scale * dpr;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.font = `${Math.round(12 * dpr)}px system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  for (const r of rects) {
    const x = Math.round(view.offsetX * dpr + r.x * s) + 0.5;
    const y = Math.round(view.offsetY * dpr + r.y * s) + 0.5;
    const w = Math.round(r.w * s);
    const h = Math.round(r.h * s);
    ctx.setLineDash([]);
    ctx.lineWidth = 4 * dpr;
    ctx.strokeStyle = 'rgba(20, 22, 28, 0.7)';
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.lineWidth = 2 * dpr;
    ctx.strokeStyle = OUTLINE_COLORS[r.kind];
    ctx.strokeRect(x, y, w, h);
    if (w > 40 * dpr && r.name) {
      const label = r.kind === 'area' ? `Protected: ${r.name}` : r.name;
      ctx.fillStyle = 'rgba(20, 22, 28, 0.8)';
      const tw = ctx.measureText(label).width;
      ctx.fillRect(x, y - 16 * dpr, tw + 8 * dpr, 16 * dpr);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(label, x + 4 * dpr, y - 2 * dpr);
    }
  }
  ctx.restore();
}

/**
 * mountOutlines adds "Outline protected areas and templates" to the canvas
 * overlays section; while it is on, the outlines are read again every
 * OUTLINE_MS and each time the More panel opens. show(rects) draws the
 * outlines (an empty list: none).
 */
export function mountOutlines(panel, show, fetchFn = (...a) => fetch(...a)) {
  const section = panel?.querySelector('[data-testid="canvas-overlays"]');
  if (!section || document.getElementById('outline-toggle')) return;
  const label = document.createElement('label');
  label.className = 'check';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = 'outline-toggle';
  box.dataset.testid = 'outline-toggle';
  label.append(box, ' Outline protected areas and templates');
  section.append(label);
  let reads = 0;
  const read = async () => {
    if (!box.checked) return;
    try {
      const [a, t] = await Promise.all([
        fetchFn('/api/v1/areas', { headers: { Accept: 'application/json' } }),
        fetchFn('/api/v1/templates', { headers: { Accept: 'application/json' } }),
      ]);
      if (!a.ok || !t.ok) return; // the last outlines stay
      const rects = outlineRects((await a.json()).areas, (await t.json()).templates);
      if (box.checked) show(rects);
    } catch {
      // Offline: the last outlines stay.
    } finally {
      section.dataset.outlineReads = String(++reads);
    }
  };
  box.addEventListener('change', () => {
    if (!box.checked) show([]);
    read();
  });
  setInterval(() => {
    if (!document.hidden) read();
  }, OUTLINE_MS);
  const sheet = panel.closest('.sheet') ?? panel;
  new MutationObserver(() => {
    if (!sheet.hidden) read();
  }).observe(sheet, { attributes: true, attributeFilter: ['hidden'] });
}
