// The connection side of the canvas page: the server's messages
// (docs/protocol.md) dispatched to the parts they concern, the canvas kept
// in step (a gap or a garbled frame resyncs), and the connection's state
// with its announcements. Sync owns the last sequence number, the player
// and the event's state; the parts it tells come in its constructor.

import { growsTo } from './board.js';
import { CONNECTION_LABELS } from './messages.js';
import { normalizePalette } from './palette.js';
import { describeState } from './eventstate.js';

/** How long the connection must stay down before a screen reader hears of it. */
export const LOST_ANNOUNCE_DELAY_MS = 2000;
/** What a screen reader hears when the connection stays lost, by state. */
const LOST_ANNOUNCEMENTS = {
  offline: 'Connection lost. You are offline.',
  reconnecting: 'Connection lost. Reconnecting…',
  updating: 'The game is updating. Back in a moment.',
};

export class Sync {
  /**
   * @param {object} d
   * @param {{state: string, connected: boolean, resync: () => void}} d.conn the socket (net.js)
   * @param {import('./board.js').Board} d.board
   * @param {import('./appplace.js').Placing} d.placing told of welcomes, answers and refusals
   * @param {{setPalette: (palette: object[]) => void}} d.colors
   * @param {{grow: (w: number, h: number) => void, reset: (w: number, h: number) => void}} d.size
   *   grow keeps the canvas and adds to it (or, for a smaller `resize`, an undone
   *   growth, takes the added area away); reset starts a canvas of another size
   * @param {() => void} d.loaded a full canvas arrived
   * @param {() => void} d.redraw
   * @param {{refresh: Function}} d.pixelInfo
   * @param {{update: (state: object) => void}} d.banner the event's banner
   * @param {{announce: (text: string) => void}} d.feedback
   * @param {{status: object, connection: object, whoami?: object}} d.el
   * @param {() => number} [d.now]
   * @param {{setTimeout: Function, clearTimeout: Function}} [d.timers]
   */
  constructor(d) {
    this.d = d;
    this.conn = d.conn;
    this.board = d.board;
    this.placing = d.placing;
    this.el = d.el;
    this.now = d.now ?? (() => Date.now());
    this.timers = d.timers ?? globalThis;
    /** The sequence number of the last canvas or pixels applied (null: none). */
    this.lastSeq = null;
    /** Who the server says the player is (an empty userId is a viewer). */
    this.user = null;
    /** The event's state from the last `state` message, and the server clock's offset. */
    this.eventState = null;
    this.serverOffset = 0;
    this.wasConnected = false;
    this.lostAnnounced = false;
    this.lostTimer = 0;
  }

  /** serverNow is the server's clock. */
  serverNow() {
    return this.now() + this.serverOffset;
  }

  /** isViewer: the server welcomed a viewer, who has no session yet. */
  isViewer() {
    return !!this.user && !this.user.userId;
  }

  /** handle applies one message from the server. */
  handle(msg) {
    switch (msg.type) {
      case 'welcome': return this.welcome(msg);
      case 'canvas': return this.canvas(msg);
      case 'pixels': return this.pixels(msg);
      case 'resize': return this.d.size.grow(msg.width, msg.height);
      case 'success': return this.placing.success(msg);
      case 'error': return this.placing.error(msg);
      case 'state': return this.state(msg);
      default: return undefined; // unknown types are ignored: newer servers may add some
    }
  }

  welcome(msg) {
    // An empty userId is a viewer: watching needs no session; one is made
    // when the player first places (Placing.startPlaying).
    this.user = { userId: msg.userId, username: msg.username, isGuest: msg.isGuest };
    const { whoami } = this.el;
    if (whoami && whoami.hasAttribute('data-guest') && msg.username) whoami.textContent = msg.username;
    const info = msg.canvasInfo ?? {};
    if (Array.isArray(info.palette) && info.palette.length > 0) this.d.colors.setPalette(normalizePalette(info.palette));
    const { width, height } = this.board;
    if (this.board.loaded && growsTo(width, height, info.width, info.height)) {
      // The canvas grew while this client was away: the replay that follows
      // may hold pixels in the new area.
      this.d.size.grow(info.width, info.height);
    } else if (Number.isInteger(info.width) && Number.isInteger(info.height)
        && (info.width !== width || info.height !== height)) {
      this.d.size.reset(info.width, info.height);
      if (this.lastSeq !== null) {
        // A resume against a canvas of another size cannot be trusted.
        this.lastSeq = null;
        this.conn.resync();
      }
    }
    this.placing.welcome(msg);
  }

  state(msg) {
    const previous = this.eventState;
    this.eventState = msg;
    if (Number.isFinite(msg.serverTime)) this.serverOffset = msg.serverTime - this.now();
    this.placing.setCooldownSeconds(msg.cooldownSeconds);
    this.placing.setChargeLimit(msg.charges);
    this.d.banner.update(msg);
    this.placing.tick(); // the bar says "Paused" or "Closed" rather than "Ready"
    if (previous && previous.state !== msg.state) {
      this.d.feedback.announce(describeState(msg, this.serverNow()) || 'The canvas is open again.');
    }
  }

  canvas(msg) {
    const { width, height } = this.board;
    if (this.board.loaded && growsTo(width, height, msg.width, msg.height)) {
      this.d.size.grow(msg.width, msg.height);
    } else if (msg.width !== width || msg.height !== height) {
      this.d.size.reset(msg.width, msg.height);
    }
    this.board.load(msg.pixels);
    this.lastSeq = msg.seq;
    this.el.status.hidden = true;
    this.d.loaded();
  }

  pixels(msg) {
    if (this.lastSeq === null || msg.prevSeq !== this.lastSeq) {
      // A gap (or pixels before any canvas): reconnect and catch up.
      this.conn.resync();
      return;
    }
    this.board.applyEvents(msg.events);
    this.lastSeq = msg.seq;
    for (const e of msg.events) this.d.pixelInfo.refresh(e.x, e.y, this.board.colorAt(e.x, e.y));
    this.d.redraw();
  }

  protocolError(err) {
    console.warn('place: ignoring a message the client could not read:', err);
    // A garbled pixels or canvas frame may have held pixels: start over.
    if (this.lastSeq !== null) this.conn.resync();
  }

  /** notice keeps a message over the canvas (a ban). */
  notice(text) {
    const { status } = this.el;
    status.textContent = text;
    status.dataset.state = 'banned';
    status.hidden = false;
  }

  /**
   * connectionState shows the connection's state; a screen reader hears of
   * a loss that lasts and of the connection's return.
   */
  connectionState(state) {
    const { el } = this;
    if (state === 'banned' && el.status.dataset.state !== 'banned') {
      this.notice('You are banned from placing pixels.');
    }
    el.connection.textContent = CONNECTION_LABELS[state] ?? state;
    el.connection.dataset.state = state;
    if (state === 'banned') this.placing.tick(); // the bar says so instead of a cooldown
    this.placing.updateBar();
    if (state === 'connected') {
      this.timers.clearTimeout(this.lostTimer);
      this.lostTimer = 0;
      if (this.lostAnnounced) this.d.feedback.announce('Connection restored.');
      this.lostAnnounced = false;
      this.wasConnected = true;
    } else if (this.wasConnected && !this.lostAnnounced && !this.lostTimer) {
      // A quick resync is not worth interrupting a screen reader for; a
      // connection still down after a moment is.
      this.lostTimer = this.timers.setTimeout(() => {
        this.lostTimer = 0;
        if (this.conn.connected) return;
        this.lostAnnounced = true;
        this.d.feedback.announce(LOST_ANNOUNCEMENTS[this.conn.state] ?? LOST_ANNOUNCEMENTS.reconnecting);
      }, LOST_ANNOUNCE_DELAY_MS);
    }
  }
}
