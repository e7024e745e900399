// Reconnect delays of docs/protocol.md: min(1000·2^attempts, 30000) ms plus up to
// one second of jitter, so that clients dropped together do not all come
// back in the same instant.

export const BASE_DELAY_MS = 1000;
export const MAX_DELAY_MS = 30000;
export const JITTER_MS = 1000;

/**
 * reconnectDelay returns how long to wait before reconnect attempt number
 * `attempts` (0 for the first retry).
 * @param {number} attempts
 * @param {() => number} [random] returns a number in [0, 1)
 */
export function reconnectDelay(attempts, random = Math.random) {
  const n = Math.max(0, Math.floor(attempts) || 0);
  // 2^n overflows to Infinity long after it passes the cap; Math.min copes.
  const exponential = Math.min(BASE_DELAY_MS * 2 ** n, MAX_DELAY_MS);
  return exponential + random() * JITTER_MS;
}
