// The optional "notify me when I can place again" browser notification.
// The page always announces the end of the cooldown in its live region;
// this adds a system notification for a player who turned it on and whose
// tab is in the background. Permission is asked for only when they turn it
// on (a click), never on page load.

export const NOTIFY_KEY = 'place.notifyReady';

export const NOTIFY_TEXT = Object.freeze({
  unsupported: 'This browser cannot show notifications.',
  denied: 'Notifications are blocked for this site in your browser settings.',
  on: 'You will get a notification when this tab is in the background.',
  off: '',
});

/** shouldNotify decides whether the end of a cooldown gets a notification. */
export function shouldNotify({ wanted, permission, visible }) {
  return wanted && permission === 'granted' && !visible;
}

export class ReadyNotifier {
  /**
   * @param {object} [deps]
   * @param {typeof Notification | undefined} [deps.Notification]
   * @param {Storage | undefined} [deps.storage]
   * @param {() => boolean} [deps.visible] whether the player is looking at the page
   */
  constructor({
    Notification = globalThis.Notification,
    storage = safeStorage(),
    visible = () => globalThis.document?.visibilityState === 'visible' && globalThis.document.hasFocus(),
  } = {}) {
    this.N = Notification;
    this.storage = storage;
    this.visible = visible;
    this.wanted = this.supported && this.permission === 'granted' && this.read() === '1';
  }

  get supported() {
    return typeof this.N === 'function';
  }

  get permission() {
    return this.supported ? this.N.permission : 'denied';
  }

  /** status is the sentence that explains the current state. */
  get status() {
    if (!this.supported) return NOTIFY_TEXT.unsupported;
    if (this.permission === 'denied') return NOTIFY_TEXT.denied;
    return this.wanted ? NOTIFY_TEXT.on : NOTIFY_TEXT.off;
  }

  /**
   * setWanted turns notifications on (asking for permission if needed) or
   * off, and returns whether they are on.
   */
  async setWanted(on) {
    if (!on || !this.supported) {
      this.wanted = false;
    } else {
      let permission = this.permission;
      if (permission === 'default') {
        try {
          permission = await this.N.requestPermission();
        } catch {
          permission = 'denied';
        }
      }
      this.wanted = permission === 'granted';
    }
    this.write(this.wanted ? '1' : '0');
    return this.wanted;
  }

  /** ready shows the notification when the player wants it; true if shown. */
  ready(text) {
    if (!shouldNotify({ wanted: this.wanted, permission: this.permission, visible: this.visible() })) return false;
    try {
      // One tag: a newer "ready" replaces an unread one instead of piling up.
      const n = new this.N('place', { body: text, tag: 'place-ready' });
      n.onclick = () => {
        globalThis.focus?.();
        n.close();
      };
      return true;
    } catch {
      return false; // e.g. Android Chrome allows only service-worker notifications
    }
  }

  read() {
    try {
      return this.storage?.getItem(NOTIFY_KEY) ?? null;
    } catch {
      return null;
    }
  }

  write(v) {
    try {
      this.storage?.setItem(NOTIFY_KEY, v);
    } catch {
      // Private modes may refuse storage; the choice lasts for this page.
    }
  }
}

function safeStorage() {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
