// What the canvas page tells the player, split from app.js: sentences for
// screen readers (the live region) and toasts that fade after a while.

const TOAST_MS = 4000;

export class Feedback {
  /** announcer is the page's live region; toast is its toast element. */
  constructor(announcer, toast) {
    this.announcer = announcer;
    this.toastEl = toast;
    this.toastTimer = 0;
    this.announceQueue = [];
  }

  announce(text) {
    // Sentences announced together are joined rather than overwriting each
    // other; clearing first makes screen readers repeat an identical one.
    this.announceQueue.push(text);
    if (this.announceQueue.length > 1) return;
    this.announcer.textContent = '';
    setTimeout(() => {
      this.announcer.textContent = this.announceQueue.join(' ');
      this.announceQueue = [];
    }, 30);
  }

  /** clearToast hides the toast at once (what it said no longer holds). */
  clearToast() {
    clearTimeout(this.toastTimer);
    this.toastEl.classList.remove('toast-visible');
    this.toastEl.textContent = '';
  }

  toast(text) {
    clearTimeout(this.toastTimer);
    this.toastEl.textContent = text;
    this.toastEl.classList.add('toast-visible');
    this.toastTimer = setTimeout(() => {
      this.toastEl.classList.remove('toast-visible');
      this.toastEl.textContent = '';
    }, TOAST_MS);
  }
}
