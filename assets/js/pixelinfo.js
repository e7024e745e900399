// The pixel-info panel: coordinates and color at once, then (debounced)
// who placed the pixel last, from the history API. Stale answers are
// aborted so a fast-moving pointer never shows the wrong owner.

import { debounce } from './debounce.js';
import { parseTime, relativeTime } from './messages.js';

export const PIXEL_INFO_DEBOUNCE_MS = 250;

export class PixelInfo {
  /**
   * @param {{coords: HTMLElement, owner: HTMLElement, link: HTMLAnchorElement}} els
   * @param {(i: number) => string} colorName
   * @param {typeof fetch} [fetchImpl]
   */
  constructor(els, colorName, fetchImpl = globalThis.fetch?.bind(globalThis)) {
    this.els = els;
    this.colorName = colorName;
    this.fetch = fetchImpl;
    this.current = null;
    this.controller = null;
    this.lookup = debounce((x, y) => this.load(x, y), PIXEL_INFO_DEBOUNCE_MS);
  }

  /** show describes pixel (x, y), currently `color`. */
  show(x, y, color) {
    const same = this.current && this.current.x === x && this.current.y === y;
    this.current = { x, y };
    this.els.coords.textContent = `x ${x}, y ${y} · ${this.colorName(color)}`;
    this.els.link.href = `/history?x=${x}&y=${y}`;
    this.els.link.textContent = `History of ${x}, ${y}`;
    if (!same) {
      this.els.owner.textContent = 'Looking up…';
      this.lookup(x, y);
    }
  }

  /** refresh reloads the owner when the shown pixel was just placed. */
  refresh(x, y) {
    if (this.current && this.current.x === x && this.current.y === y) this.lookup(x, y);
  }

  async load(x, y) {
    if (!this.fetch) return;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    let text;
    try {
      const res = await this.fetch(`/api/v1/history/pixel?x=${x}&y=${y}&limit=1`, {
        signal: controller.signal,
        headers: { Accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const body = await res.json();
      const last = Array.isArray(body?.placements) ? body.placements[0] : undefined;
      if (!last) {
        text = 'Never placed: still the starting white.';
      } else {
        const who = last.username || 'someone';
        const when = parseTime(last.placedAt);
        text = `Placed by ${who} (${this.colorName(last.color)})${Number.isFinite(when) ? `, ${relativeTime(when, Date.now())}` : ''}.`;
      }
    } catch (err) {
      if (err?.name === 'AbortError') return;
      text = 'History is unavailable right now.';
    }
    if (this.controller === controller && this.current?.x === x && this.current?.y === y) {
      this.els.owner.textContent = text;
    }
  }
}
