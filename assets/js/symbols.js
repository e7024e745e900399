// The color-blind aid: a distinct symbol for each palette color, drawn on
// the palette and on every painted pixel once the view is zoomed in far
// enough to read it. The setting is kept in localStorage across visits.

import { safeStorage } from './colors.js';

export const SYMBOLS_KEY = 'place.symbols';

/** SYMBOLS are the colors' symbols, by palette index: no two alike. */
export const SYMBOLS = Object.freeze(['○', '●', '□', '■', '△', '▲', '◇', '◆', '☆', '★', '✚', '✖', '♥', '♣', '♠', '◐']);

/** MIN_SYMBOL_PX is the smallest pixel (in CSS px) a symbol is drawn on. */
export const MIN_SYMBOL_PX = 14;

/** symbolFor is color i's symbol ('' outside the palette). */
export function symbolFor(i) {
  return SYMBOLS[i] ?? '';
}

/** inkFor is the symbol's color on a swatch of hex: dark on light colors, light on dark. */
export function inkFor(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
  if (!m) return '#14161c';
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16) / 255);
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return l > 0.25 ? '#14161c' : '#ffffff';
}

/** SymbolSetting is the player's choice, read and kept in storage. */
export class SymbolSetting {
  constructor(storage = safeStorage()) {
    this.storage = storage;
    let v = null;
    try {
      v = storage?.getItem(SYMBOLS_KEY) ?? null;
    } catch {
      v = null;
    }
    this.on = v === '1';
  }

  set(on) {
    this.on = !!on;
    try {
      this.storage?.setItem(SYMBOLS_KEY, this.on ? '1' : '0');
    } catch {
      // Kept for this page only.
    }
  }
}

/**
 * visibleRange is the block of canvas pixels on screen for a view, or null
 * when pixels are too small for symbols.
 */
export function visibleRange(view, width, height, cssW, cssH, minPx = MIN_SYMBOL_PX) {
  if (view.scale < minPx) return null;
  const x0 = Math.max(0, Math.floor(-view.offsetX / view.scale));
  const y0 = Math.max(0, Math.floor(-view.offsetY / view.scale));
  const x1 = Math.min(width - 1, Math.floor((cssW - view.offsetX) / view.scale));
  const y1 = Math.min(height - 1, Math.floor((cssH - view.offsetY) / view.scale));
  if (x1 < x0 || y1 < y0) return null;
  return { x0, y0, x1, y1 };
}

/**
 * drawSymbols writes each visible pixel's symbol in its middle, from a
 * sprite per color made once per size.
 */
export function drawSymbols(ctx, board, palette, view, dpr, cssW, cssH, cache) {
  const r = visibleRange(view, board.width, board.height, cssW, cssH);
  if (!r) return;
  const s = view.scale * dpr;
  const size = Math.round(s);
  if (cache.size !== size) {
    cache.size = size;
    cache.sprites = palette.map((c, i) => {
      const sp = document.createElement('canvas');
      sp.width = size;
      sp.height = size;
      const g = sp.getContext('2d');
      g.fillStyle = inkFor(c.hex);
      g.font = `${Math.round(size * 0.6)}px "DejaVu Sans", system-ui, sans-serif`;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(symbolFor(i), size / 2, size / 2 + size * 0.03);
      return sp;
    });
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  for (let y = r.y0; y <= r.y1; y++) {
    for (let x = r.x0; x <= r.x1; x++) {
      const c = board.colorAt(x, y);
      // White, the blank canvas, keeps no symbol on the canvas: the
      // painted pixels stand out (its swatch still shows ○).
      const sp = c > 0 ? cache.sprites[c] : null;
      if (sp) ctx.drawImage(sp, Math.round(view.offsetX * dpr + x * s), Math.round(view.offsetY * dpr + y * s));
    }
  }
  ctx.restore();
}

/**
 * mountSymbols wires the setting's checkbox: the palette shows its symbols
 * (the root's class) and show(on) draws them on the canvas or stops.
 * swatches are the palette's buttons, palette its colors.
 */
export function mountSymbols(box, { swatches, palette, root, show }, setting = new SymbolSetting()) {
  swatches.forEach((b, i) => {
    b.querySelector('.swatch-chip')?.setAttribute('data-symbol', symbolFor(i));
    b.style.setProperty('--ink', inkFor(palette[i]?.hex));
  });
  const apply = () => {
    root.classList.toggle('symbols-on', setting.on);
    show(setting.on);
  };
  if (box) {
    box.checked = setting.on;
    box.addEventListener('change', () => {
      setting.set(box.checked);
      apply();
    });
  }
  apply();
  return setting;
}
