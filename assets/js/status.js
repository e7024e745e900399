// What the play bar and the tab title say: one state out of the connection,
// the cooldown and the last refusal, each shown in its own color.

/**
 * barState is the bar's state: 'banned' (for good) and 'offline', then
 * 'reconnecting' (or 'connecting'), then the event's 'paused', 'closed' or
 * 'scheduled' win over the cooldown; 'limited' is a
 * cooldown the server enforced (a refused placement); then 'cooldown' or
 * 'ready'.
 */
export function barState({ connection, ready, limited, event }) {
  if (connection === 'banned') return 'banned';
  if (connection === 'offline') return 'offline';
  if (connection !== 'connected') return connection === 'connecting' ? 'connecting' : 'reconnecting';
  if (event === 'paused' || event === 'closed' || event === 'scheduled') return event;
  if (!ready) return limited ? 'limited' : 'cooldown';
  return 'ready';
}

/** HELD are the bar's states in which no pixel can be placed, whatever the cooldown. */
const HELD = new Set(['banned', 'offline', 'connecting', 'reconnecting', 'paused', 'closed', 'scheduled']);

/** placeHeld reports whether a bar state keeps the Place button from placing. */
export function placeHeld(state) {
  return HELD.has(state);
}

/**
 * barText is the bar's main word for a state: the cooldown's own text
 * ("Wait 4s", "Ready") unless the state holds placing, so that the bar
 * never says "Ready" while nothing can be placed.
 */
export function barText(state, cooldownText) {
  switch (state) {
    case 'banned': return 'Banned';
    case 'paused': return 'Paused';
    case 'closed': return 'Closed';
    case 'scheduled': return 'Not open yet';
    case 'offline': case 'connecting': case 'reconnecting':
      return cooldownText === 'Ready' ? 'On hold' : cooldownText;
    default: return cooldownText;
  }
}

/** titleFor is the tab title: "(4) place" during a cooldown, else the page's own. */
export function titleFor(pageTitle, seconds) {
  return seconds > 0 ? `(${seconds}) place` : pageTitle;
}
