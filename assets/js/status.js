// What the play bar and the tab title say: one state out of the connection,
// the cooldown and the last refusal, each shown in its own color.

/**
 * barState is the bar's state: 'banned' (for good) and 'offline', then
 * 'reconnecting' (or 'connecting') win over the cooldown; 'limited' is a
 * cooldown the server enforced (a refused placement); then 'cooldown' or
 * 'ready'.
 */
export function barState({ connection, ready, limited }) {
  if (connection === 'banned') return 'banned';
  if (connection === 'offline') return 'offline';
  if (connection !== 'connected') return connection === 'connecting' ? 'connecting' : 'reconnecting';
  if (!ready) return limited ? 'limited' : 'cooldown';
  return 'ready';
}

/** titleFor is the tab title: "(4) place" during a cooldown, else the page's own. */
export function titleFor(pageTitle, seconds) {
  return seconds > 0 ? `(${seconds}) place` : pageTitle;
}
