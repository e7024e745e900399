// Pointer and wheel gestures on the canvas: drag pans, wheel and pinch zoom
// around the pointer, a press that did not move is a tap, and two quick
// taps on a touch screen are a double tap (zoom in). What a tap does is the
// page's business. The math lives in view.js; this module only tracks
// pointers.

import { pan, pinch, wheelFactor } from './view.js';

/** Movement (CSS px) under which a press still counts as a tap. */
const TAP_SLOP = { mouse: 4, pen: 6, touch: 10 };
/** Two touch taps this close in time (ms) and space (CSS px) are a double tap. */
export const DOUBLE_TAP_MS = 300;
export const DOUBLE_TAP_SLOP = 30;

/** isDoubleTap decides whether a tap follows `prev` closely enough. */
export function isDoubleTap(prev, tap) {
  return !!prev && tap.t - prev.t <= DOUBLE_TAP_MS
    && Math.hypot(tap.x - prev.x, tap.y - prev.y) <= DOUBLE_TAP_SLOP;
}

export class PointerControls {
  /**
   * @param {HTMLElement} el
   * @param {object} h
   * @param {() => object} h.getView
   * @param {(view: object) => void} h.setView
   * @param {(x: number, y: number, e: PointerEvent) => void} h.onTap element-relative CSS px
   * @param {(x: number, y: number) => void} h.onDoubleTap a touch double tap
   * @param {(factor: number, x: number, y: number) => void} h.onWheel
   * @param {(x: number, y: number) => void} h.onHover
   * @param {() => void} h.onLeave
   * @param {() => [number, number]} h.scaleLimits
   */
  constructor(el, h) {
    this.el = el;
    this.h = h;
    /** pointerId → {x, y} in element coordinates */
    this.pointers = new Map();
    this.gesture = null;
    this.lastTap = null;
    el.addEventListener('pointerdown', (e) => this.down(e));
    el.addEventListener('pointermove', (e) => this.move(e));
    el.addEventListener('pointerup', (e) => this.up(e));
    el.addEventListener('pointercancel', (e) => this.cancel(e));
    el.addEventListener('pointerleave', (e) => {
      if (e.pointerType === 'mouse' && this.pointers.size === 0) h.onLeave();
    });
    el.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
  }

  local(e) {
    const r = this.el.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    this.el.setPointerCapture?.(e.pointerId);
    const p = this.local(e);
    this.pointers.set(e.pointerId, p);
    if (this.pointers.size === 1) {
      this.gesture = { kind: 'press', start: p, last: p, moved: false, type: e.pointerType };
    } else if (this.pointers.size === 2) {
      const pts = [...this.pointers.values()];
      this.gesture = { kind: 'pinch', startView: this.h.getView(), from: pts };
    }
  }

  move(e) {
    const p = this.local(e);
    if (!this.pointers.has(e.pointerId)) {
      if (e.pointerType === 'mouse') this.h.onHover(p.x, p.y);
      return;
    }
    this.pointers.set(e.pointerId, p);
    const g = this.gesture;
    if (!g) return;
    if (g.kind === 'press') {
      const slop = TAP_SLOP[g.type] ?? 6;
      if (!g.moved && Math.hypot(p.x - g.start.x, p.y - g.start.y) > slop) g.moved = true;
      if (g.moved) {
        this.h.setView(pan(this.h.getView(), p.x - g.last.x, p.y - g.last.y));
        g.last = p;
      }
      if (e.pointerType === 'mouse') this.h.onHover(p.x, p.y);
    } else if (g.kind === 'pinch' && this.pointers.size >= 2) {
      const [min, max] = this.h.scaleLimits();
      const to = [...this.pointers.values()].slice(0, 2);
      this.h.setView(pinch(g.startView, g.from, to, min, max));
    }
  }

  up(e) {
    if (!this.pointers.has(e.pointerId)) return;
    const p = this.local(e);
    this.pointers.delete(e.pointerId);
    const g = this.gesture;
    if (g?.kind === 'press' && !g.moved) this.tap(p, e);
    if (this.pointers.size === 0) {
      this.gesture = null;
    } else if (g?.kind === 'pinch') {
      // One finger left: carry on as a drag from where it is, never a tap.
      const [rest] = this.pointers.values();
      this.gesture = { kind: 'press', start: rest, last: rest, moved: true, type: e.pointerType };
    }
  }

  tap(p, e) {
    const tap = { x: p.x, y: p.y, t: e.timeStamp };
    if (e.pointerType === 'touch' && isDoubleTap(this.lastTap, tap)) {
      this.lastTap = null;
      this.h.onDoubleTap(p.x, p.y);
      return;
    }
    this.lastTap = tap;
    this.h.onTap(p.x, p.y, e);
  }

  cancel(e) {
    this.pointers.delete(e.pointerId);
    if (this.pointers.size === 0) this.gesture = null;
  }

  wheel(e) {
    e.preventDefault();
    const p = this.local(e);
    this.h.onWheel(wheelFactor(e.deltaY, e.deltaMode), p.x, p.y);
    this.h.onHover(p.x, p.y);
  }
}
