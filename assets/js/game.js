// The parts of the full-screen game around the canvas: panels that open
// on demand, the soft "ready" sound, copying a link, and the tab title.
// DOM glue only; the decisions live in the pure modules.

import { safeStorage } from './colors.js';

export const SOUND_KEY = 'place.sound';

/**
 * Sheets opens and closes the panels named by the aria-controls of their
 * buttons; one is open at a time, Escape or its close button closes it.
 */
export class Sheets {
  constructor(root) {
    this.buttons = [...root.querySelectorAll('button[aria-controls][aria-expanded]')];
    this.open = null;
    for (const b of this.buttons) {
      const sheet = document.getElementById(b.getAttribute('aria-controls'));
      if (!sheet) continue;
      sheet.classList.add('sheet-closable');
      sheet.hidden = true;
      b.addEventListener('click', () => this.toggle(sheet.id));
    }
    for (const c of root.querySelectorAll('[data-close]')) {
      c.addEventListener('click', () => this.close(true));
    }
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.open) this.close(true);
    });
  }

  toggle(id) {
    if (this.open === id) this.close(true);
    else this.show(id);
  }

  show(id) {
    this.close(false);
    const sheet = document.getElementById(id);
    if (!sheet) return;
    sheet.hidden = false;
    this.open = id;
    this.button(id)?.setAttribute('aria-expanded', 'true');
    sheet.querySelector('h2, h3')?.setAttribute('tabindex', '-1');
    sheet.querySelector('h2, h3')?.focus({ preventScroll: true });
  }

  close(refocus) {
    if (!this.open) return;
    const id = this.open;
    document.getElementById(id).hidden = true;
    this.open = null;
    const b = this.button(id);
    b?.setAttribute('aria-expanded', 'false');
    if (refocus) b?.focus();
  }

  button(id) {
    return this.buttons.find((b) => b.getAttribute('aria-controls') === id);
  }
}

/** Chime is the optional soft sound when the cooldown ends. */
export class Chime {
  constructor(checkbox, storage = safeStorage()) {
    this.storage = storage;
    this.box = checkbox;
    this.ctx = null;
    this.on = this.read() === '1';
    if (!checkbox) return;
    checkbox.checked = this.on;
    checkbox.addEventListener('change', () => {
      this.on = checkbox.checked;
      try {
        this.storage?.setItem(SOUND_KEY, this.on ? '1' : '0');
      } catch {
        // The choice lasts for this page only.
      }
      if (this.on) this.play(); // a sample, and it unlocks audio from a click
    });
  }

  read() {
    try {
      return this.storage?.getItem(SOUND_KEY) ?? null;
    } catch {
      return null;
    }
  }

  /** play sounds two quiet notes, if the player turned the sound on. */
  play() {
    if (!this.on) return;
    const AC = globalThis.AudioContext || globalThis.webkitAudioContext;
    if (!AC) return;
    this.ctx ??= new AC();
    const t = this.ctx.currentTime;
    [660, 880].forEach((f, i) => {
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, t + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.06, t + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.12 + 0.25);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(t + i * 0.12);
      osc.stop(t + i * 0.12 + 0.3);
    });
  }
}

/** copyText puts text on the clipboard; false when the browser refuses. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** prefersReducedMotion is the player's wish for no animation. */
export function prefersReducedMotion() {
  return !!globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
}

/** themeColors reads the renderer's colors from the stylesheet. */
export function themeColors(el) {
  const cs = getComputedStyle(el);
  return {
    background: cs.getPropertyValue('--stage').trim() || '#d9dbe0',
    grid: cs.getPropertyValue('--grid').trim() || 'rgba(20, 22, 28, 0.18)',
  };
}
