// The team picker of the More panel. Without JavaScript its form posts to
// /team and the page reloads; here it goes to the JSON API instead, says
// the outcome in its status line (a live region), and reads the teams
// again each time the panel opens, so that teams created since the page
// loaded appear. app.js mounts it and passes what it needs of the app. The choices are radio buttons in a fieldset: arrow keys
// move between them, and each is named by the team and its players.

/** playersWords says how many players a team has. */
export function playersWords(n) {
  return n === 1 ? '1 player' : `${n} players`;
}

/**
 * teamOptions lists the picker's choices, "No team" first, each with the
 * value the form sends and whether it is the player's team.
 */
export function teamOptions(teams, current, palette) {
  const out = [{ value: '0', name: 'No team', hex: '', players: '', checked: !current }];
  for (const t of teams || []) {
    out.push({
      value: String(t.id),
      name: t.name,
      hex: palette?.[t.color]?.hex ?? '',
      players: playersWords(t.players),
      checked: t.id === current,
    });
  }
  return out;
}

/** pickedMessage is what the status line says after a change. */
export function pickedMessage(teams, id) {
  const t = (teams || []).find((x) => x.id === id);
  return t ? `You play for ${t.name} now.` : 'You play for no team now.';
}

/** failedMessage is what the status line says when a change is refused. */
export function failedMessage(status, body) {
  if (body && typeof body.message === 'string' && body.message) return body.message;
  if (status === 0) return 'Not connected to the server. Your team did not change.';
  return 'Your team could not be changed. Please try again later.';
}

function render(container, options) {
  const focused = document.activeElement?.name === 'team';
  container.replaceChildren();
  for (const o of options) {
    const label = document.createElement('label');
    label.className = 'check team-option';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'team';
    input.value = o.value;
    input.checked = o.checked;
    input.dataset.testid = `team-option-${o.value}`;
    label.append(input);
    if (o.hex) {
      const chip = document.createElement('span');
      chip.className = 'team-chip';
      chip.setAttribute('aria-hidden', 'true');
      chip.style.setProperty('--swatch', o.hex);
      label.append(chip);
    }
    const name = document.createElement('span');
    name.className = 'team-name';
    name.textContent = o.name;
    label.append(' ', name);
    if (o.players) {
      const count = document.createElement('span');
      count.className = 'muted team-count';
      count.textContent = ` (${o.players})`;
      label.append(count);
    }
    container.append(label);
  }
  if (focused) container.querySelector('input:checked')?.focus();
}

async function readJSON(res) {
  return res.json().catch(() => ({}));
}

/**
 * mountTeamPicker wires the More panel's team picker; resync() asks the
 * game's connection to start again (a guest session was just made, so the
 * socket must learn who the player is).
 */
export function mountTeamPicker({ resync = () => {} } = {}) {
  const section = document.getElementById('team-picker');
  const form = document.getElementById('team-form');
  const options = document.getElementById('team-options');
  const status = document.getElementById('team-status');
  if (!section || !form || !options || !status) return;
  const palette = [...document.querySelectorAll('#palette .swatch')].map((b) => ({ hex: b.dataset.hex }));
  let teams = [];

  let refreshed = 0;
  // show lists the teams of an answer; keepChoice keeps the choice the
  // player is making (a refresh while the panel is open), otherwise the
  // player's team is checked.
  const show = (answer, keepChoice) => {
    teams = answer.teams || [];
    section.hidden = teams.length === 0;
    const chosen = form.querySelector('input[name="team"]:checked')?.value;
    const opts = teamOptions(teams, answer.teamId ?? 0, palette);
    if (keepChoice && opts.some((o) => o.value === chosen)) {
      for (const o of opts) o.checked = o.value === chosen;
    }
    render(options, opts);
  };
  const refresh = async (keepChoice) => {
    try {
      const res = await fetch('/api/v1/teams', { credentials: 'same-origin' });
      if (res.ok) show(await readJSON(res), keepChoice);
    } catch {
      // The list the page came with stays.
    } finally {
      section.dataset.refreshed = String(++refreshed);
    }
  };
  const pick = async (teamId) => {
    const send = () => fetch('/api/v1/team', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ teamId }),
    });
    let res = await send();
    if (res.status === 401) {
      // No session yet: become a player (a guest), as a first pixel would.
      const started = await fetch('/api/v1/session', { method: 'POST', credentials: 'same-origin' });
      if (!started.ok) return { ok: false, status: started.status, body: await readJSON(started) };
      resync();
      res = await send();
    }
    return { ok: res.ok, status: res.status, body: await readJSON(res) };
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = form.querySelector('input[name="team"]:checked');
    if (!chosen) return;
    const id = Number(chosen.value);
    status.textContent = 'Saving…';
    let r;
    try {
      r = await pick(id > 0 ? id : null);
    } catch {
      r = { ok: false, status: 0, body: {} };
    }
    if (r.ok) {
      show(r.body, false);
      status.textContent = pickedMessage(teams, r.body.teamId ?? 0);
    } else {
      status.textContent = failedMessage(r.status, r.body);
      refresh(false); // show the team the player is still in
    }
  });
  // Read the teams again whenever the More panel opens.
  const sheet = document.getElementById('more-sheet');
  if (sheet) {
    new MutationObserver(() => {
      if (!sheet.hidden) refresh(true);
    }).observe(sheet, { attributes: true, attributeFilter: ['hidden'] });
  }
}
