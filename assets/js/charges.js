// Charges (docs/protocol.md, "Charges"): with an event's `charges` above
// one, a player stores up to that many placements, one more per cooldown.
// `welcome` and `success` say how many the player has (`charges`) and when
// the next comes (`nextChargeAt`, epoch ms, 0: all are in); the `state`
// message says the limit (`charges`). The bar shows them.

export class ChargeCounter {
  constructor() {
    this.limit = 1;
    this.count = 1;
    this.nextAt = 0; // local ms of the next charge (0: none coming)
  }

  /** setLimit takes the event's limit from a `state` message. */
  setLimit(limit) {
    if (Number.isInteger(limit) && limit >= 1) this.limit = limit;
  }

  /** update takes a `welcome` or `success` (server times made local with its serverTime). */
  update(msg, now) {
    if (!Number.isInteger(msg.charges)) return;
    this.count = msg.charges;
    const offset = Number.isFinite(msg.serverTime) ? now - msg.serverTime : 0;
    this.nextAt = msg.nextChargeAt > 0 ? msg.nextChargeAt + offset : 0;
  }

  /** spent counts a placement sent before its answer comes. */
  spent() {
    if (this.count > 0) this.count--;
  }

  /** available is the charges at now: one more once the next has come (until the server says more). */
  available(now) {
    return this.nextAt > 0 && now >= this.nextAt ? Math.min(this.limit, this.count + 1) : this.count;
  }

  /** short is what the bar adds ("2/3"), or '' with the plain cooldown. */
  short(now) {
    return this.limit <= 1 ? '' : `${this.available(now)}/${this.limit}`;
  }

  /** words says the charges in full (the bar's title), or '' with the plain cooldown. */
  words(now) {
    if (this.limit <= 1) return '';
    const n = this.available(now);
    const base = `${n} of ${this.limit} charges`;
    if (this.nextAt > 0 && now < this.nextAt && n < this.limit) {
      return `${base}; the next in ${Math.ceil((this.nextAt - now) / 1000)} s`;
    }
    return base;
  }
}
