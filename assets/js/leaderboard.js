// The leaderboards on /stats and /screen: the players and teams who placed
// most in the last hour, the last day or all time, read from
// GET /api/v1/leaderboard every few seconds. Every element with
// data-leaderboard becomes one (data-period: the period shown first;
// data-compact: no period switch, fewer rows, for the screen).

import { DEFAULT_PALETTE } from './palette.js';
import { el } from './dom.js';

/** How often a leaderboard is read again. */
export const LEADERBOARD_MS = 5000;

export const PERIODS = Object.freeze([
  { id: 'hour', label: 'Last hour' },
  { id: 'day', label: 'Last day' },
  { id: 'all', label: 'All time' },
]);

/** UNNAMED is how a player who may not be named (a guest, or one who opted out) is shown. */
export const UNNAMED = 'Guest or unnamed player';

/** playerRows are the table rows of the players: rank, name, placements. */
export function playerRows(data, limit = 20) {
  return (data?.players || []).slice(0, limit).map((p, i) => ({
    rank: i + 1, name: p.username ?? UNNAMED, named: p.username != null, placements: p.placements,
  }));
}

/** teamRows are the table rows of the teams. */
export function teamRows(data, limit = 20) {
  return (data?.teams || []).slice(0, limit).map((t, i) => ({ rank: i + 1, name: t.name, color: t.color, placements: t.placements }));
}

/** periodLabel is a period's words. */
export function periodLabel(id) {
  return PERIODS.find((p) => p.id === id)?.label ?? id;
}


function table(caption, testid, rows, cells) {
  const body = el('tbody');
  for (const r of rows) body.append(el('tr', {}, ...cells(r).map((c) => el('td', {}, c))));
  if (rows.length === 0) body.append(el('tr', {}, el('td', { colspan: '3', text: 'No placements yet.' })));
  return el('table', { class: 'leaderboard-table', 'data-testid': testid },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: 'Rank' }), el('th', { scope: 'col', text: caption === 'Teams' ? 'Team' : 'Player' }),
      el('th', { scope: 'col', text: 'Placements' }))),
    body);
}

/**
 * mountLeaderboard fills section with the leaderboard and keeps it current;
 * palette gives the teams' colors.
 */
export function mountLeaderboard(section, { fetchFn = fetch.bind(globalThis), every = LEADERBOARD_MS, palette = DEFAULT_PALETTE } = {}) {
  const compact = section.hasAttribute('data-compact');
  const limit = compact ? 5 : 20;
  let period = PERIODS.some((p) => p.id === section.dataset.period) ? section.dataset.period : 'hour';
  const out = el('div', { class: 'leaderboard-tables', 'aria-live': 'off' });
  const status = el('p', { class: 'hint', 'data-testid': 'leaderboard-status' });
  if (!compact) {
    const group = el('div', { class: 'leaderboard-periods', role: 'group', 'aria-label': 'Period' });
    for (const p of PERIODS) {
      const b = el('button', { type: 'button', class: 'button button-small', 'data-period': p.id, 'aria-pressed': String(p.id === period), text: p.label });
      b.addEventListener('click', () => {
        period = p.id;
        for (const o of group.children) o.setAttribute('aria-pressed', String(o.dataset.period === period));
        read();
      });
      group.append(b);
    }
    section.append(group);
  }
  section.append(out, status);

  const render = (data) => {
    const players = table('Players', 'leaderboard-players', playerRows(data, limit), (r) => [String(r.rank), r.name, String(r.placements)]);
    const tables = [players];
    const teams = teamRows(data, limit);
    if (teams.length > 0) {
      tables.push(table('Teams', 'leaderboard-teams', teams, (r) => {
        const chip = el('span', { class: 'team-chip', 'aria-hidden': 'true' });
        if (palette[r.color]) chip.style.background = palette[r.color].hex;
        const name = el('span', {}, chip, ` ${r.name}`);
        return [String(r.rank), name, String(r.placements)];
      }));
    }
    out.replaceChildren(...tables);
    section.dataset.loaded = String(Number(section.dataset.loaded || 0) + 1);
  };

  const read = async () => {
    try {
      const res = await fetchFn(`/api/v1/leaderboard?period=${period}`, { headers: { Accept: 'application/json' } });
      if (!res.ok) {
        status.textContent = 'The leaderboard is not available right now; trying again.';
        return;
      }
      render(await res.json());
      status.textContent = `${periodLabel(period)}. Moderators' rollbacks are not counted; guests and players who left the statistics are counted without their names.`;
    } catch {
      status.textContent = 'Offline; trying again.';
    }
  };
  read();
  const timer = setInterval(read, every);
  return { stop: () => clearInterval(timer), read };
}

// On a page, every [data-leaderboard] element becomes a leaderboard.
if (typeof document !== 'undefined') {
  for (const s of document.querySelectorAll('[data-leaderboard]')) mountLeaderboard(s);
}
