// The pixel-info card: coordinates and color at once, then (debounced) who
// placed the pixel last and when, from the history API. A pixel restored by
// a moderator's rollback or painted by a moderator's wipe says so and
// credits nobody. Stale answers are
// aborted so a fast-moving pointer never shows the wrong owner.

import { debounce } from './debounce.js';
import { parseTime, relativeTime } from './messages.js';

export const PIXEL_INFO_DEBOUNCE_MS = 250;

/** exactTime is a placement time as people read it, in UTC. */
export function exactTime(ms) {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * describePlacement is what the card says about a pixel's last placement
 * (undefined: never placed): the sentence, and when as relative and exact
 * time (empty when unknown).
 */
export function describePlacement(last, colorName, now) {
  if (!last) return { text: 'Never placed: still the starting white.', when: '', exact: '', iso: '' };
  const color = colorName(last.color);
  let text = `Placed by ${last.username || 'a deleted user'} (${color})`;
  if (last.wipe) text = `Wiped to ${color} by a moderator`;
  else if (last.rollback) text = `Restored to ${color} by a moderator's rollback`;
  const t = parseTime(last.placedAt);
  if (!Number.isFinite(t)) return { text: `${text}.`, when: '', exact: '', iso: '' };
  return { text: `${text},`, when: `${relativeTime(t, now)}.`, exact: exactTime(t), iso: new Date(t).toISOString() };
}

export class PixelInfo {
  /**
   * @param {{coords: HTMLElement, owner: HTMLElement, when?: HTMLElement, link: HTMLAnchorElement, admin?: HTMLAnchorElement}} els
   * @param {(i: number) => string} colorName
   * @param {typeof fetch} [fetchImpl]
   * @param {{isAdmin?: boolean}} [opts]
   */
  constructor(els, colorName, fetchImpl = globalThis.fetch?.bind(globalThis), opts = {}) {
    this.els = els;
    this.colorName = colorName;
    this.fetch = fetchImpl;
    this.isAdmin = !!opts.isAdmin;
    this.current = null;
    this.controller = null;
    this.lookup = debounce((x, y) => this.load(x, y), PIXEL_INFO_DEBOUNCE_MS);
  }

  /** show describes pixel (x, y), currently `color`. */
  show(x, y, color) {
    const same = this.current && this.current.x === x && this.current.y === y;
    this.current = { x, y };
    this.recolor(x, y, color);
    this.els.link.href = `/history?x=${x}&y=${y}`;
    this.els.link.textContent = `History of ${x}, ${y}`;
    if (!same) {
      this.render({ text: 'Looking up…', when: '', exact: '', iso: '' }, null);
      this.lookup(x, y);
    }
  }

  /** recolor updates the shown pixel's color when it changed on the board. */
  recolor(x, y, color) {
    if (this.current?.x !== x || this.current?.y !== y) return;
    this.els.coords.textContent = `x ${x}, y ${y} · ${this.colorName(color)}`;
  }

  /** refresh reloads the owner when the shown pixel was just placed (now `color`). */
  refresh(x, y, color) {
    if (this.current?.x !== x || this.current?.y !== y) return;
    if (color !== undefined) this.recolor(x, y, color);
    this.lookup(x, y);
  }

  render(d, last) {
    const { owner, when, admin } = this.els;
    owner.textContent = when ? d.text : [d.text, d.when].filter(Boolean).join(' ');
    if (when) {
      when.textContent = d.when;
      when.title = d.exact;
      if (d.iso) when.setAttribute?.('datetime', d.iso);
      else when.removeAttribute?.('datetime');
    }
    if (admin) {
      const show = this.isAdmin && !!last?.userId && !last.rollback;
      admin.hidden = !show;
      if (show) {
        admin.href = `/admin/users/${encodeURIComponent(last.userId)}`;
        admin.textContent = `${last.username || 'Author'} (admin page)`;
      }
    }
  }

  async load(x, y) {
    if (!this.fetch) return;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    let d;
    let last;
    try {
      const res = await this.fetch(`/api/v1/history/pixel?x=${x}&y=${y}&limit=1`, {
        signal: controller.signal,
        headers: { Accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const body = await res.json();
      last = Array.isArray(body?.placements) ? body.placements[0] : undefined;
      d = describePlacement(last, this.colorName, Date.now());
    } catch (err) {
      if (err?.name === 'AbortError') return;
      d = { text: 'History is unavailable right now.', when: '', exact: '', iso: '' };
      last = null;
    }
    if (this.controller === controller && this.current?.x === x && this.current?.y === y) this.render(d, last);
  }
}
