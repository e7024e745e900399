// The event's state as players see it: a banner above the canvas that says
// when a scheduled canvas opens (with a countdown), that it is paused (with
// the organisers' message), when it ends, or that it is closed (with a link
// to the final image). The server sends the state in the `state` message
// (docs/protocol.md) and GET /api/v1/event.

/** duration writes a number of seconds as "1 h 02 min 05 s", "3 min 09 s" or "42 s". */
export function duration(totalSeconds) {
  const s = Math.max(0, Math.ceil(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (h > 0) return `${h} h ${pad(m)} min ${pad(sec)} s`;
  if (m > 0) return `${m} min ${pad(sec)} s`;
  return `${sec} s`;
}

/**
 * describeState is the banner's text for an event state at nowMs (the
 * server's clock), or '' when nothing needs saying.
 * @param {{state:string, opensAt?:string, closesAt?:string, pauseMessage?:string}} info
 */
export function describeState(info, nowMs) {
  const until = (iso) => (Date.parse(iso) - nowMs) / 1000;
  switch (info.state) {
    case 'scheduled':
      return info.opensAt ? `The canvas opens in ${duration(until(info.opensAt))}.` : 'The canvas opens soon.';
    case 'paused':
      return info.pauseMessage ? `The canvas is paused: ${info.pauseMessage}` : 'The canvas is paused.';
    case 'closed':
      return 'The canvas is closed; it can no longer be changed.';
    default:
      if (info.closesAt && until(info.closesAt) <= 24 * 3600) return `The canvas closes in ${duration(until(info.closesAt))}.`;
      return '';
  }
}

/** canPlace reports whether the state lets players place. */
export function canPlace(info) {
  return !info || info.state === 'open' || info.state === undefined;
}

export class EventBanner {
  /**
   * @param {HTMLElement} el the banner element
   * @param {() => number} serverNow the server's clock in ms
   */
  constructor(el, serverNow) {
    this.el = el;
    this.serverNow = serverNow;
    this.info = null;
    this.timer = 0;
  }

  /** update shows a new state and keeps its countdown running. */
  update(info) {
    this.info = info;
    this.render();
    clearInterval(this.timer);
    if (info.state === 'scheduled' || (info.state === 'open' && info.closesAt)) {
      this.timer = setInterval(() => this.render(), 1000);
    }
  }

  render() {
    const info = this.info;
    const text = info ? describeState(info, this.serverNow()) : '';
    this.el.dataset.state = info ? info.state : '';
    this.el.hidden = text === '';
    this.el.replaceChildren(text);
    if (info && info.state === 'closed' && info.finalImage) {
      const a = document.createElement('a');
      a.href = info.finalImage;
      a.textContent = 'See the final canvas';
      this.el.append(' ', a);
    }
  }
}
