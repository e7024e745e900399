// Placements sent but not yet answered, by requestId. Each one expires
// after PENDING_TIMEOUT_MS so a lost answer cannot leave a pixel showing a
// color the server never accepted. Timers are injectable for tests.

export const PENDING_TIMEOUT_MS = 5000;

export class PendingPlacements {
  /**
   * @param {(entry: object) => void} onTimeout called with an expired entry
   * @param {{setTimeout: Function, clearTimeout: Function}} [timers]
   * @param {number} [timeoutMs]
   */
  constructor(onTimeout, timers = globalThis, timeoutMs = PENDING_TIMEOUT_MS) {
    this.onTimeout = onTimeout;
    this.timers = timers;
    this.timeoutMs = timeoutMs;
    this.entries = new Map();
  }

  get size() {
    return this.entries.size;
  }

  /** add tracks a placement; entry must carry a requestId. */
  add(entry) {
    const timer = this.timers.setTimeout(() => {
      if (this.entries.get(entry.requestId)?.entry === entry) {
        this.entries.delete(entry.requestId);
        this.onTimeout(entry);
      }
    }, this.timeoutMs);
    this.entries.set(entry.requestId, { entry, timer });
  }

  /** take removes and returns the entry for requestId, or undefined. */
  take(requestId) {
    const held = this.entries.get(requestId);
    if (!held) return undefined;
    this.timers.clearTimeout(held.timer);
    this.entries.delete(requestId);
    return held.entry;
  }

  has(requestId) {
    return this.entries.has(requestId);
  }
}
