// Template overlays on the canvas: the organisers' templates (listed by
// GET /api/v1/templates) and a player's own image (read locally, never
// uploaded), drawn over the board either translucent or as dots in the
// middle of each pixel. A share link (?template=ID) turns one on.

import { el } from './dom.js';

/** DOT is how many device-independent sub-pixels one canvas pixel has in dotted mode. */
const DOT = 3;

/**
 * dotted returns a canvas DOT times the image's size with only the middle
 * sub-pixel of each image pixel painted: the board stays visible around it.
 */
function dotted(img) {
  const w = img.naturalWidth || img.width;
  const h = img.naturalHeight || img.height;
  const src = document.createElement('canvas');
  src.width = w;
  src.height = h;
  const sctx = src.getContext('2d');
  sctx.drawImage(img, 0, 0);
  const data = sctx.getImageData(0, 0, w, h).data;
  const out = document.createElement('canvas');
  out.width = w * DOT;
  out.height = h * DOT;
  const octx = out.getContext('2d');
  const dots = octx.createImageData(w * DOT, h * DOT);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const o = ((y * DOT + 1) * w * DOT + x * DOT + 1) * 4;
      for (let k = 0; k < 4; k++) dots.data[o + k] = data[i + k];
    }
  }
  octx.putImageData(dots, 0, 0);
  return out;
}

/** shareURL is the page's address that turns template id on. */
export function shareURL(loc, id) {
  const u = new URL(loc.href);
  u.searchParams.set('template', String(id));
  u.hash = '';
  return u.toString();
}

/** sharedTemplate reads the template id of a share link, or null. */
export function sharedTemplate(search) {
  const v = new URLSearchParams(search).get('template');
  return v && /^[0-9]{1,18}$/.test(v) ? Number(v) : null;
}

export class TemplateOverlay {
  /**
   * @param {() => void} redraw asks the page for a new frame
   * @param {() => {x: number, y: number}} [cursor] where the player's own image goes
   */
  constructor(redraw, cursor = () => ({ x: 0, y: 0 })) {
    this.redraw = redraw;
    this.cursor = cursor;
    /** @type {{id:(number|string), name:string, x:number, y:number, img:HTMLImageElement, dots:?HTMLCanvasElement, on:boolean}[]} */
    this.items = [];
    this.mode = 'translucent';
    this.opacity = 0.5;
  }

  /** add loads one overlay image; the frame is redrawn once it has loaded. */
  add(id, name, x, y, src, on) {
    const img = new Image();
    const item = { id, name, x, y, img, dots: null, on };
    img.onload = () => this.redraw();
    img.src = src;
    this.items.push(item);
    return item;
  }

  /** remove drops an overlay (its template was deleted). */
  remove(id) {
    this.items = this.items.filter((it) => it.id !== id);
    this.redraw();
  }

  toggle(id, on) {
    for (const it of this.items) if (it.id === id) it.on = on;
    this.redraw();
  }

  setMode(mode) {
    this.mode = mode === 'dotted' ? 'dotted' : 'translucent';
    this.redraw();
  }

  /**
   * draw paints the visible overlays through the view transform.
   * @param {CanvasRenderingContext2D} ctx
   */
  draw(ctx, view, dpr) {
    for (const it of this.items) {
      if (!it.on || !it.img.complete || !it.img.naturalWidth) continue;
      const s = view.scale * dpr;
      ctx.save();
      ctx.imageSmoothingEnabled = false;
      if (this.mode === 'dotted') {
        if (!it.dots) it.dots = dotted(it.img);
        ctx.setTransform(s / DOT, 0, 0, s / DOT, (view.offsetX + it.x * view.scale) * dpr, (view.offsetY + it.y * view.scale) * dpr);
        ctx.drawImage(it.dots, 0, 0);
      } else {
        ctx.globalAlpha = this.opacity;
        ctx.setTransform(s, 0, 0, s, (view.offsetX + it.x * view.scale) * dpr, (view.offsetY + it.y * view.scale) * dpr);
        ctx.drawImage(it.img, 0, 0);
      }
      ctx.restore();
    }
  }
}

/**
 * mountOverlayControls adds the templates section to the controls panel:
 * one switch per template with its share link, the display mode, and a
 * private image of the player's own.
 */
export async function mountOverlayControls(panel, overlay, fetchFn = fetch) {
  const list = el('ul', { class: 'template-list', 'data-testid': 'template-list' });
  const mode = el('select', { id: 'template-mode' },
    el('option', { value: 'translucent', text: 'Translucent' }),
    el('option', { value: 'dotted', text: 'Dots' }));
  mode.addEventListener('change', () => overlay.setMode(mode.value));
  const file = el('input', { id: 'template-own', type: 'file', accept: 'image/*' });
  const section = el('section', { class: 'templates js-only', 'aria-labelledby': 'templates-title', 'data-testid': 'templates' },
    el('h3', { class: 'section-subtitle', id: 'templates-title', text: 'Templates' }),
    list,
    el('div', { class: 'field' }, el('label', { for: 'template-mode', text: 'Show templates as' }), mode),
    el('div', { class: 'field' }, el('label', { for: 'template-own', text: 'Your own image at the cursor (stays on this device)' }), file));
  panel.append(section);

  const addRow = (item, share) => {
    const box = el('input', { type: 'checkbox', id: `template-${item.id}`, 'data-template': String(item.id) });
    box.checked = item.on;
    box.addEventListener('change', () => overlay.toggle(item.id, box.checked));
    const label = el('label', { class: 'check', for: `template-${item.id}` }, box, ` ${item.name}`);
    const row = el('li', {}, label);
    if (share) row.append(el('a', { href: share, class: 'template-share', text: 'Share link', 'aria-label': `Share link of ${item.name}` }));
    list.append(row);
  };

  file.addEventListener('change', () => {
    const f = file.files && file.files[0];
    if (!f) return;
    const at = overlay.cursor();
    addRow(overlay.add(`own-${overlay.items.length}`, f.name, at.x, at.y, URL.createObjectURL(f), true), null);
  });

  const shared = sharedTemplate(location.search);
  const rows = new Map(); // template id → its row
  let empty = null;
  // load lists the templates: new ones are added (off, unless shared), the
  // deleted ones go; a switch the player turned on stays on.
  const load = async () => {
    try {
      const res = await fetchFn('/api/v1/templates', { headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      const { templates } = await res.json();
      const ids = new Set(templates.map((t) => t.id));
      for (const [id, row] of rows) {
        if (ids.has(id)) continue;
        row.remove();
        rows.delete(id);
        overlay.remove(id);
      }
      for (const t of templates) {
        if (rows.has(t.id)) continue;
        addRow(overlay.add(t.id, t.name, t.x, t.y, t.image, t.id === shared), shareURL(location, t.id));
        rows.set(t.id, list.lastElementChild);
      }
      if (templates.length === 0 && !empty) {
        empty = el('li', { class: 'muted', text: 'No templates yet.' });
        list.prepend(empty);
      } else if (templates.length > 0 && empty) {
        empty.remove();
        empty = null;
      }
    } catch {
      // No list: the overlay of one's own image still works.
    } finally {
      list.dataset.loads = String(Number(list.dataset.loads || 0) + 1);
    }
  };
  // Read the list again whenever the panel opens: templates uploaded since
  // the page loaded appear without a reload.
  new MutationObserver(() => {
    if (!panel.hidden) load();
  }).observe(panel, { attributes: true, attributeFilter: ['hidden'] });
  await load();
}
