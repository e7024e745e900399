// Template health in the game's More panel: for every organisers' template,
// the share of its pixels that are right, kept current from
// GET /api/v1/templates/{id}/health, with "jump to the next wrong pixel".
// A player can follow a template: when its health drops by more than
// ALERT_DROP within ALERT_WINDOW_MS, the page shows an alert with a link to
// the spot (and a system notification when the player allowed them).

import { LINK_ZOOM, formatSpot } from './link.js';
import { el } from './dom.js';

/** How often the health of shown and followed templates is read. */
export const HEALTH_MS = 2000;
/** An alert fires when this share of a template's pixels (and at least ALERT_MIN_PIXELS) turned wrong... */
export const ALERT_DROP = 0.02;
export const ALERT_MIN_PIXELS = 3;
/** ...within this long. */
export const ALERT_WINDOW_MS = 5 * 60 * 1000;

export const FOLLOW_KEY = 'place.followedTemplates';

/** percent is the whole percent of a template that is right (floored; 100 only when all is). */
export function percent(correct, total) {
  return total > 0 ? Math.floor((correct * 100) / total) : 100;
}

/** healthWords says a template's health in a sentence. */
export function healthWords(h) {
  const wrong = h.total - h.correct;
  const pixels = wrong === 1 ? '1 wrong pixel' : `${wrong} wrong pixels`;
  return `${h.name}: ${percent(h.correct, h.total)}% right, ${wrong === 0 ? 'no wrong pixels' : pixels}.`;
}

/**
 * nextWrong returns the wrong pixel after the one at `from` in the list (the
 * most recent first), wrapping around; the first when from is not in it.
 */
export function nextWrong(wrong, from) {
  if (!wrong || wrong.length === 0) return null;
  const i = from ? wrong.findIndex((w) => w.x === from.x && w.y === from.y) : -1;
  return wrong[(i + 1) % wrong.length];
}

/**
 * AlertWatch remembers a template's recent correct counts and tells when
 * they dropped by more than the threshold within the window. It fires once
 * per drop: again only after the count climbed back.
 */
export class AlertWatch {
  constructor(now = () => Date.now()) {
    this.now = now;
    this.samples = []; // {at, correct}
    this.fired = false;
  }

  /** add records a reading and returns the drop ({lost}) that calls for an alert, or null. */
  add(correct, total) {
    const at = this.now();
    this.samples = this.samples.filter((s) => s.at >= at - ALERT_WINDOW_MS);
    this.samples.push({ at, correct });
    const best = Math.max(...this.samples.map((s) => s.correct));
    const lost = best - correct;
    const threshold = Math.max(ALERT_MIN_PIXELS, Math.ceil(total * ALERT_DROP));
    if (lost < threshold) {
      if (lost === 0) this.fired = false;
      return null;
    }
    if (this.fired) return null;
    this.fired = true;
    return { lost };
  }
}

/** alertWords is the alert's sentence. */
export function alertWords(name, lost, spot) {
  const where = spot ? ` Latest at ${spot.x}, ${spot.y}.` : '';
  return `${name} is under attack: ${lost} pixels turned wrong in the last minutes.${where}`;
}

/** readFollowed reads the ids of the followed templates. */
export function readFollowed(storage) {
  try {
    const v = JSON.parse(storage?.getItem(FOLLOW_KEY) || '[]');
    return new Set(Array.isArray(v) ? v.filter(Number.isInteger) : []);
  } catch {
    return new Set();
  }
}


/**
 * mountTemplateHealth adds the "Template health" section to the More panel.
 * game gives goToSpot (jump to a link's pixel), announce, colorName and
 * overlay (which templates are shown); deps may replace fetch, storage,
 * Notification and the clock.
 */
export function mountTemplateHealth(panel, game, deps = {}) {
  const fetchFn = deps.fetchFn || fetch.bind(globalThis);
  const storage = deps.storage ?? globalThis.localStorage;
  const N = deps.Notification ?? globalThis.Notification;
  const followed = readFollowed(storage);
  const list = el('ul', { class: 'health-list', 'data-testid': 'health-list' });
  const section = el('section', { class: 'template-health js-only', 'aria-labelledby': 'health-title', 'data-testid': 'template-health' },
    el('h3', { class: 'section-subtitle', id: 'health-title', text: 'Template health' }), list);
  panel.append(section);
  const rows = new Map(); // id → {row, meter, words, jump, follow, health, watch, last}

  const save = () => {
    try { storage?.setItem(FOLLOW_KEY, JSON.stringify([...followed])); } catch { /* private mode */ }
  };

  const rowFor = (t) => {
    let r = rows.get(t.id);
    if (r) return r;
    const words = el('span', { class: 'health-words', 'data-testid': 'health-words', text: `${t.name}: reading…` });
    const meter = el('meter', { min: '0', max: '100', value: '0', 'aria-hidden': 'true' });
    const jump = el('button', { type: 'button', class: 'button button-small', 'data-testid': 'health-jump', text: 'Next wrong pixel', disabled: '' });
    const follow = el('input', { type: 'checkbox', id: `health-follow-${t.id}`, 'data-testid': 'health-follow' });
    follow.checked = followed.has(t.id);
    const row = el('li', { 'data-template': String(t.id) }, words, meter,
      el('div', { class: 'health-actions' }, jump,
        el('label', { class: 'check', for: follow.id }, follow, ' Alert me')));
    r = { row, meter, words, jump, follow, t, health: null, watch: new AlertWatch(deps.now), last: null };
    jump.addEventListener('click', () => {
      const w = nextWrong(r.health?.wrong, r.last);
      if (!w) return;
      r.last = w;
      game.goToSpot(formatSpot(w.x, w.y, LINK_ZOOM));
      game.announce?.(`Wrong pixel at ${w.x}, ${w.y}: the template wants ${game.colorName(w.want)}, it is ${game.colorName(w.have)}.`);
    });
    follow.addEventListener('change', async () => {
      if (follow.checked) followed.add(t.id);
      else followed.delete(t.id);
      save();
      refresh(r);
      // The permission prompt comes from this click, never on page load;
      // without it the page's own alert still shows.
      if (follow.checked && typeof N === 'function' && N.permission === 'default') {
        try { await N.requestPermission(); } catch { /* refused or unsupported */ }
      }
    });
    list.append(row);
    rows.set(t.id, r);
    return r;
  };

  const show = (r, h) => {
    r.health = h;
    const p = percent(h.correct, h.total);
    r.meter.value = p;
    r.words.textContent = healthWords(h);
    r.jump.disabled = h.wrong.length === 0;
    const drop = followed.has(h.id) ? r.watch.add(h.correct, h.total) : null;
    if (drop) alertPlayer(h, drop.lost);
  };

  const alertPlayer = (h, lost) => {
    const spot = h.wrong[0] || null;
    const text = alertWords(h.name, lost, spot);
    const box = document.getElementById('health-alert') || document.body.appendChild(
      el('div', { id: 'health-alert', class: 'health-alert', role: 'alert', 'data-testid': 'health-alert' }));
    const close = el('button', { type: 'button', class: 'button button-small', text: 'Dismiss' });
    close.addEventListener('click', () => { box.hidden = true; });
    box.replaceChildren(el('span', { text }), ' ');
    if (spot) box.append(el('a', { href: formatSpot(spot.x, spot.y, LINK_ZOOM), text: 'Go there' }), ' ');
    box.append(close);
    box.hidden = false;
    const visible = globalThis.document?.visibilityState === 'visible';
    if (typeof N === 'function' && N.permission === 'granted' && !visible) {
      try {
        const n = new N('Template under attack', { body: text, tag: `template-${h.id}` });
        n.onclick = () => { globalThis.focus?.(); if (spot) game.goToSpot(formatSpot(spot.x, spot.y, LINK_ZOOM)); };
      } catch { /* some browsers allow notifications only from a service worker */ }
    }
  };

  const refresh = async (r) => {
    try {
      const res = await fetchFn(`/api/v1/templates/${r.t.id}/health`, { headers: { Accept: 'application/json' } });
      if (res.ok) show(r, await res.json());
      else if (res.status === 404) { r.row.remove(); rows.delete(r.t.id); }
    } catch { /* offline: the next round tries again */ }
  };

  const listTemplates = async () => {
    try {
      const res = await fetchFn('/api/v1/templates', { headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      const { templates } = await res.json();
      const ids = new Set(templates.map((t) => t.id));
      for (const [id, r] of rows) if (!ids.has(id)) { r.row.remove(); rows.delete(id); }
      for (const t of templates) rowFor(t);
      section.hidden = templates.length === 0;
    } catch { /* offline */ }
  };

  // Read the health of what the player looks at (the panel is open, or
  // the template is shown) and of what they follow, every HEALTH_MS.
  const shown = (id) => game.overlay?.items.some((it) => it.id === id && it.on);
  const tick = async () => {
    const open = !panel.hidden;
    await Promise.all([...rows.values()]
      .filter((r) => open || followed.has(r.t.id) || shown(r.t.id))
      .map(refresh));
  };
  new MutationObserver(() => { if (!panel.hidden) listTemplates().then(tick); })
    .observe(panel, { attributes: true, attributeFilter: ['hidden'] });
  listTemplates().then(tick);
  const timer = setInterval(tick, deps.every ?? HEALTH_MS);
  return { stop: () => clearInterval(timer), rows };
}

/**
 * mountHealthSummary keeps a list of every template's health in section
 * (the projector screen), from GET /api/v1/templates/health.
 */
export function mountHealthSummary(section, { fetchFn = fetch.bind(globalThis), every = HEALTH_MS * 2 } = {}) {
  const list = el('ul', { class: 'health-summary', 'data-testid': 'health-summary' });
  section.append(list);
  const read = async () => {
    try {
      const res = await fetchFn('/api/v1/templates/health', { headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      const { templates } = await res.json();
      list.replaceChildren(...templates.map((t) => el('li', {},
        el('span', { class: 'health-name', text: t.name }),
        el('meter', { min: '0', max: '100', value: String(percent(t.correct, t.total)), 'aria-hidden': 'true' }),
        el('span', { class: 'health-percent', text: `${percent(t.correct, t.total)}%`, 'aria-label': healthWords(t) }))));
      section.hidden = templates.length === 0;
    } catch { /* offline: the next round tries again */ }
  };
  read();
  return setInterval(read, every);
}

if (typeof document !== 'undefined') {
  for (const s of document.querySelectorAll('[data-health-summary]')) mountHealthSummary(s);
}
