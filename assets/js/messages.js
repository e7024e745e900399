// Sentences read by screen readers and shown in toasts, in one place so
// their wording stays consistent.

import { waitMessage } from './cooldown.js';

export function describeCursor(x, y, colorName) {
  return `x ${x}, y ${y}, currently ${colorName}`;
}

export function placedMessage(colorName, x, y, seconds) {
  const next = seconds > 0
    ? `Next pixel in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}`
    : 'You can place again now';
  return `Placed ${colorName} at ${x}, ${y}. ${next}.`;
}

export function selectedMessage(colorName) {
  return `Selected ${colorName}`;
}

/**
 * errorMessage is what the player reads for an `error` message. RATE_LIMITED
 * uses the seconds rather than the server's sentence, to match the local
 * cooldown toast.
 */
export function errorMessage(msg) {
  if (msg?.code === 'RATE_LIMITED' && Number.isFinite(msg.remainingSeconds)) {
    return waitMessage(Math.max(1, Math.ceil(msg.remainingSeconds)));
  }
  if (typeof msg?.message === 'string' && msg.message) return msg.message;
  return 'Something went wrong. Please try again.';
}

export const CONNECTION_LABELS = Object.freeze({
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  updating: 'Updating, back in a moment…',
  offline: 'Offline',
  banned: 'Banned',
});

/**
 * relativeTime says how long ago something happened, coarsely.
 * @param {number} then epoch ms
 * @param {number} now epoch ms
 */
export function relativeTime(then, now) {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} seconds ago`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? '1 minute ago' : `${m} minutes ago`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? '1 hour ago' : `${h} hours ago`;
  const d = Math.round(h / 24);
  return `${d} days ago`;
}

/** parseTime accepts epoch ms or an RFC 3339 string; NaN when neither. */
export function parseTime(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  return NaN;
}
