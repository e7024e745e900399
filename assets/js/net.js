// The WebSocket client: connects to /ws offering the binary subprotocol,
// decodes every frame, keeps the connection alive with `ping`, and
// reconnects with backoff after any close. What a message means is the
// app's business; this module only tells it about messages and state.

import { reconnectDelay } from './backoff.js';
import { BINARY_SUBPROTOCOL, decodeMessage, encodePing, ProtocolError } from './protocol.js';

export const PING_INTERVAL_MS = 25000;
/** After this many failed attempts in a row the client calls itself offline. */
export const OFFLINE_AFTER_ATTEMPTS = 4;
/** A resync sooner than this after the previous one waits like a reconnect. */
const RESYNC_GRACE_MS = 2000;
/**
 * After a 1001 "going away" close (the server is restarting) the client
 * retries at the first backoff step, 1-2 s, this many times (about a
 * minute) before backing off as usual; meanwhile it says it is updating.
 */
export const UPDATING_ATTEMPTS = 40;

/** @typedef {'connecting'|'connected'|'reconnecting'|'updating'|'offline'|'banned'} ConnectionState */

/**
 * isBanClose tells a close that ends the connection for good: the player
 * was banned (1008 "banned"); reconnecting would only be refused.
 */
export function isBanClose(ev) {
  return ev?.code === 1008 && ev?.reason === 'banned';
}

export class Connection {
  /**
   * @param {object} opts
   * @param {() => string} opts.url URL to connect to (asked again on every attempt)
   * @param {(msg: object) => void} opts.onMessage decoded messages
   * @param {(state: ConnectionState) => void} [opts.onState]
   * @param {(err: Error) => void} [opts.onProtocolError]
   * @param {typeof WebSocket} [opts.WebSocket]
   * @param {{setTimeout: Function, clearTimeout: Function, setInterval: Function, clearInterval: Function}} [opts.timers]
   * @param {() => number} [opts.random]
   * @param {() => number} [opts.now]
   * @param {() => boolean} [opts.isOnline]
   */
  constructor(opts) {
    this.url = opts.url;
    this.onMessage = opts.onMessage;
    this.onState = opts.onState ?? (() => {});
    this.onProtocolError = opts.onProtocolError ?? (() => {});
    this.WebSocket = opts.WebSocket ?? globalThis.WebSocket;
    this.timers = opts.timers ?? globalThis;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => Date.now());
    this.isOnline = opts.isOnline ?? (() => globalThis.navigator?.onLine ?? true);

    /** Failed attempts since the last welcome. */
    this.attempts = 0;
    /** @type {ConnectionState} */
    this.state = 'connecting';
    this.socket = null;
    this.everConnected = false;
    this.stopped = false;
    this.retryTimer = null;
    this.pingTimer = null;
    this.resyncRequested = false;
    this.lastResyncAt = -Infinity;
    /** The server said it was going away (1001) and has not welcomed us since. */
    this.goingAway = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /** stop closes the connection for good (page unload, tests). */
  stop() {
    this.stopped = true;
    this.clearRetry();
    this.stopPing();
    const s = this.socket;
    this.socket = null;
    if (s) s.close(1000, 'bye');
  }

  get connected() {
    return this.state === 'connected';
  }

  /** send writes a text frame; false when there is no open connection. */
  send(text) {
    const s = this.socket;
    if (!s || s.readyState !== 1 /* OPEN */) return false;
    s.send(text);
    return true;
  }

  /**
   * resync drops the connection and opens a new one right away (the URL
   * callback supplies `since`), for when the client noticed a gap.
   */
  resync() {
    if (this.stopped) return;
    const now = this.now();
    const soon = now - this.lastResyncAt < RESYNC_GRACE_MS;
    this.lastResyncAt = now;
    if (this.socket) {
      this.resyncRequested = !soon;
      this.socket.close(1000, 'resync');
      // Browsers fire close asynchronously; treat it as closed now so that
      // nothing else is read from or sent on the old socket.
      this.handleClose(this.socket);
    } else if (!soon) {
      this.clearRetry();
      this.connect();
    }
  }

  /** online reacts to the browser's online/offline events. */
  online(isOnline) {
    if (this.stopped) return;
    if (!isOnline) {
      if (this.state !== 'connected') this.setState('offline');
      return;
    }
    if (!this.socket) {
      this.clearRetry();
      this.connect();
    }
  }

  connect() {
    if (this.stopped) return;
    this.retryTimer = null;
    if (this.everConnected) this.setState(this.failingState());
    let socket;
    try {
      socket = new this.WebSocket(this.url(), [BINARY_SUBPROTOCOL]);
    } catch (err) {
      // A malformed URL or a blocked port throws synchronously.
      this.onProtocolError(err);
      this.scheduleRetry();
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket === socket) this.startPing();
    };
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.receive(ev.data);
    };
    socket.onclose = (ev) => this.handleClose(socket, ev);
    // An error is always followed by close, which does the work.
    socket.onerror = () => {};
  }

  receive(data) {
    let msg;
    try {
      msg = decodeMessage(data);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.onProtocolError(err);
        return;
      }
      throw err;
    }
    if (msg.type === 'welcome') {
      this.attempts = 0;
      this.goingAway = false;
      this.everConnected = true;
      this.setState('connected');
    }
    if (msg.type === 'pong') return;
    this.onMessage(msg);
  }

  handleClose(socket, ev) {
    if (this.socket !== socket) return;
    if (ev?.code === 1001) this.goingAway = true;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    this.stopPing();
    if (this.stopped) return;
    if (isBanClose(ev)) {
      this.stopped = true;
      this.clearRetry();
      this.setState('banned');
      return;
    }
    if (this.resyncRequested) {
      this.resyncRequested = false;
      this.connect();
      return;
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    const delay = reconnectDelay(this.updating() ? 0 : this.attempts, this.random);
    this.attempts++;
    this.setState(this.failingState());
    this.clearRetry();
    this.retryTimer = this.timers.setTimeout(() => this.connect(), delay);
  }

  /** updating: the server is restarting and has not been gone for long. */
  updating() {
    return this.goingAway && this.attempts < UPDATING_ATTEMPTS;
  }

  failingState() {
    if (!this.isOnline()) return 'offline';
    if (this.updating()) return 'updating';
    if (this.attempts >= OFFLINE_AFTER_ATTEMPTS) return 'offline';
    return this.everConnected ? 'reconnecting' : 'connecting';
  }

  clearRetry() {
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  startPing() {
    this.stopPing();
    this.pingTimer = this.timers.setInterval(() => this.send(encodePing()), PING_INTERVAL_MS);
  }

  stopPing() {
    if (this.pingTimer !== null) this.timers.clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }
}
