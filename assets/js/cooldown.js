// Cooldown bookkeeping in the browser's own clock. The server speaks in its
// epoch milliseconds; a client whose clock is off by minutes must still count
// down the right number of seconds, so server instants are turned into
// durations (nextPlacement - serverTime) before they meet Date.now().

/**
 * untilFromServer converts the server's nextPlacement into a local instant.
 * @param {number} nextPlacement server epoch ms
 * @param {number} serverTime server epoch ms when the message was sent
 * @param {number} localNow local epoch ms when it arrived
 */
export function untilFromServer(nextPlacement, serverTime, localNow) {
  return localNow + Math.max(0, nextPlacement - serverTime);
}

/** remainingSeconds rounds up, so "Wait 1s" shows until the very end. */
export function remainingSeconds(until, now) {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** formatCooldown is the short text of the cooldown display. */
export function formatCooldown(until, now) {
  const s = remainingSeconds(until, now);
  return s === 0 ? 'Ready' : `Wait ${s}s`;
}

/** waitMessage is the sentence shown when a placement is refused early. */
export function waitMessage(seconds) {
  return `Wait ${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
}

/** Cooldown tracks when the player may place next, in local epoch ms. */
export class Cooldown {
  constructor() {
    /** Local epoch ms from which placing is allowed (0: now). */
    this.until = 0;
    /** Estimated server clock minus local clock, in ms (for diagnostics). */
    this.clockOffset = 0;
  }

  /** fromWelcome applies the welcome's `cooldown` (ms from now). */
  fromWelcome(cooldownMs, serverTime, now) {
    if (Number.isFinite(serverTime)) this.clockOffset = serverTime - now;
    this.until = now + Math.max(0, Number(cooldownMs) || 0);
  }

  /** fromSuccess applies a `success` message. */
  fromSuccess(nextPlacement, serverTime, now) {
    if (!Number.isFinite(nextPlacement)) return;
    if (Number.isFinite(serverTime)) {
      this.clockOffset = serverTime - now;
      this.until = untilFromServer(nextPlacement, serverTime, now);
    } else {
      // Without serverTime, the best guess at the skew is the last one seen.
      this.until = Math.max(now, nextPlacement - this.clockOffset);
    }
  }

  /** fromRemainingSeconds applies a RATE_LIMITED error. */
  fromRemainingSeconds(seconds, now) {
    if (Number.isFinite(seconds) && seconds > 0) this.until = now + seconds * 1000;
  }

  /**
   * start begins a local cooldown at the moment of an optimistic placement
   * and returns the previous value so a rejected placement can restore it.
   */
  start(seconds, now) {
    const previous = this.until;
    this.until = now + Math.max(0, seconds) * 1000;
    return previous;
  }

  restore(previous) {
    this.until = previous;
  }

  remainingMs(now) {
    return Math.max(0, this.until - now);
  }

  remainingSeconds(now) {
    return remainingSeconds(this.until, now);
  }

  ready(now) {
    return this.until <= now;
  }

  format(now) {
    return formatCooldown(this.until, now);
  }
}
