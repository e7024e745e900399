// The player's colors: none is chosen on a first visit (a first click must
// not place an invisible white pixel), the last one used is remembered in
// localStorage, and recently used colors come first in the palette.

export const COLOR_KEY = 'place.color';
export const RECENT_KEY = 'place.recentColors';
export const RECENT_MAX = 4;

/** parseColor reads a stored color index; -1 (none) unless valid. */
export function parseColor(v, count) {
  if (typeof v !== 'string' || !/^\d{1,2}$/.test(v)) return -1;
  const i = Number(v);
  return i < count ? i : -1;
}

/** parseRecent reads the stored recent colors, dropping anything invalid. */
export function parseRecent(v, count) {
  if (typeof v !== 'string') return [];
  const out = [];
  for (const part of v.split(',')) {
    const i = parseColor(part, count);
    if (i >= 0 && !out.includes(i) && out.length < RECENT_MAX) out.push(i);
  }
  return out;
}

/** pushRecent puts color i first in the recent list. */
export function pushRecent(recent, i, max = RECENT_MAX) {
  return [i, ...recent.filter((c) => c !== i)].slice(0, max);
}

/** paletteOrder is the order swatches are shown in: recent colors first. */
export function paletteOrder(recent, count) {
  const rest = [];
  for (let i = 0; i < count; i++) if (!recent.includes(i)) rest.push(i);
  return [...recent.filter((i) => i >= 0 && i < count), ...rest];
}

export class ColorMemory {
  /** @param {number} count @param {Storage | undefined} storage */
  constructor(count, storage) {
    this.count = count;
    this.storage = storage;
    this.selected = parseColor(this.read(COLOR_KEY), count);
    this.recent = parseRecent(this.read(RECENT_KEY), count);
  }

  read(key) {
    try {
      return this.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  write(key, value) {
    try {
      this.storage?.setItem(key, value);
    } catch {
      // Private mode or full storage: the choice lasts for this page only.
    }
  }

  select(i) {
    this.selected = i;
    this.write(COLOR_KEY, String(i));
  }

  /** used records a placed color as the most recent. */
  used(i) {
    this.recent = pushRecent(this.recent, i);
    this.write(RECENT_KEY, this.recent.join(','));
  }
}

/** safeStorage is localStorage when the browser lets the page use it. */
export function safeStorage() {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
