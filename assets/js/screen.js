// The projector screen (/screen): the whole canvas, fitted and crisp, with
// recent placements highlighted and an optional slow tour to where people
// are placing. It only watches: the canvas comes from /api/v1/canvas and
// the placements from the /api/v1/events SSE feed, so the screen makes no
// session and does not count as a player. It needs no pointer and recovers
// by itself: the feed reconnects with Last-Event-ID, a gap or a reset
// reloads the canvas, and after a long outage the page reloads itself once
// the server answers again (a restart may have brought new assets).

import { Board } from './board.js';
import { decodeText } from './protocol.js';
import { reconnectDelay } from './backoff.js';
import { screenFit, reduceBoard, Highlights, hotspot, zoomTo, mix } from './screenview.js';

/** An outage longer than this ends with a page reload. */
const RELOAD_AFTER_MS = 15000;
/** The tour: the whole canvas for data-tour seconds, then a zoom of this long. */
const TOUR_ZOOM_MS = 12000;
const TOUR_MOVE_MS = 3000;

class Screen {
  constructor(root) {
    this.root = root;
    this.canvas = root.querySelector('#screen-canvas');
    this.stage = root.querySelector('#screen-stage');
    this.status = root.querySelector('#screen-status');
    this.ctx = this.canvas.getContext('2d', { alpha: false });
    this.offscreen = document.createElement('canvas');
    this.offCtx = this.offscreen.getContext('2d');
    this.board = null;
    this.image = null;
    this.reduced = null; // {k, data: Uint32Array, image: ImageData, stale: boolean}
    this.seq = null;
    this.source = null;
    this.attempts = 0;
    this.downSince = null;
    /** How many times the whole canvas was fetched (tests read it). */
    this.loads = 0;
    this.highlights = new Highlights();
    /** "x,y" → Date.now() when a placement was first drawn highlighted (tests read it). */
    this.drawnAt = new Map();
    this.recent = []; // {x, y, at} for the tour
    const every = Number(root.dataset.tour) * 1000;
    this.tour = every > 0 ? { every, phase: 'overview', since: performance.now(), from: null, to: null } : null;
    /** The view last drawn (tests read it). */
    this.shown = null;
    this.frame = 0;
    this.tourTimer = 0;
    new ResizeObserver(() => this.request()).observe(this.stage);
  }

  async start() {
    await this.load();
    this.connect();
  }

  /** load fetches the whole canvas, retrying until the server answers. */
  async load() {
    for (;;) {
      try {
        const r = await fetch('/api/v1/canvas', { cache: 'no-store' });
        if (!r.ok) throw new Error(`canvas: ${r.status}`);
        const w = Number(r.headers.get('X-Canvas-Width'));
        const h = Number(r.headers.get('X-Canvas-Height'));
        const seq = Number(r.headers.get('X-Canvas-Seq'));
        const bytes = new Uint8Array(await r.arrayBuffer());
        this.loads++;
        this.setSize(w, h);
        this.board.load(bytes);
        this.reduced = null;
        this.seq = seq;
        this.request();
        return;
      } catch {
        this.down();
        await sleep(reconnectDelay(this.attempts++));
      }
    }
  }

  setSize(w, h) {
    if (this.board && this.board.width === w && this.board.height === h) return;
    this.board = new Board(w, h);
    this.offscreen.width = w;
    this.offscreen.height = h;
    this.image = new ImageData(this.board.rgba, w, h);
  }

  connect() {
    const es = new EventSource(`/api/v1/events?since=${this.seq}`);
    this.source = es;
    es.onopen = () => this.up();
    es.addEventListener('pixels', (e) => this.onPixels(es, e.data));
    es.addEventListener('resize', (e) => this.onResize(es, e.data));
    es.addEventListener('reset', () => this.resync(es));
    es.onerror = () => {
      if (es !== this.source) return;
      this.down();
      // EventSource retries by itself after a dropped connection, but
      // gives up for good after an error status (a 503 while the server
      // restarts, a 502 from the proxy): then start over here.
      if (es.readyState === EventSource.CLOSED) this.resync(es);
    };
  }

  onPixels(es, data) {
    if (es !== this.source) return;
    let msg;
    try {
      msg = decodeText(data);
    } catch {
      this.resync(es);
      return;
    }
    if (msg.prevSeq !== this.seq) {
      // A gap: what was missed is not in this stream.
      this.resync(es);
      return;
    }
    if (msg.events.some((e) => !this.board.inBounds(e.x, e.y))) {
      // The canvas grew and the resize was missed (it came before a
      // restart of the server): load it again at its new size.
      this.resync(es);
      return;
    }
    this.seq = msg.seq;
    const now = Date.now();
    this.board.applyEvents(msg.events);
    for (const e of msg.events) {
      this.highlights.add(e.x, e.y, now);
      this.drawnAt.delete(`${e.x},${e.y}`);
      this.recent.push({ x: e.x, y: e.y, at: now });
      if (this.reduced) this.reduced.stale = true;
    }
    if (this.recent.length > 5000) this.recent.splice(0, this.recent.length - 5000);
    this.request();
  }

  /**
   * onResize grows the canvas in place (a `resize` event), or shrinks it
   * when a growth was undone: every pixel keeps its place and the new area
   * is white; nothing is fetched again.
   */
  onResize(es, data) {
    if (es !== this.source) return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.resync(es);
      return;
    }
    if (!this.board.grow(msg.width, msg.height) && !this.board.shrink(msg.width, msg.height)) return; // the same size
    this.offscreen.width = msg.width;
    this.offscreen.height = msg.height;
    this.image = new ImageData(this.board.rgba, msg.width, msg.height);
    this.reduced = null;
    this.request();
  }

  /** resync drops the stream, reloads the canvas and follows again. */
  async resync(es) {
    if (es !== this.source) return;
    es.close();
    this.source = null;
    await sleep(reconnectDelay(this.attempts++));
    await this.load();
    this.connect();
  }

  up() {
    this.attempts = 0;
    this.status.hidden = true;
    if (this.downSince !== null && Date.now() - this.downSince > RELOAD_AFTER_MS) {
      location.reload();
      return;
    }
    this.downSince = null;
  }

  down() {
    if (this.downSince === null) this.downSince = Date.now();
    this.status.hidden = false;
    this.status.textContent = 'Reconnecting…';
  }

  request() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** view is where the canvas is shown now (the tour moves it). */
  view(vw, vh) {
    const fit = screenFit(this.board.width, this.board.height, vw, vh);
    if (!this.tour) return fit;
    const t = this.tour;
    const now = performance.now();
    const age = now - t.since;
    if (t.phase === 'overview' && age > t.every) {
      const cutoff = Date.now() - 60000;
      const spot = hotspot(this.recent.filter((p) => p.at >= cutoff), this.board.width, this.board.height, 32);
      if (spot) {
        const scale = Math.max(fit.scale * 4, Math.min(vw, vh) / 96);
        Object.assign(t, { phase: 'zoom', since: now, from: fit, to: zoomTo(spot.x, spot.y, scale, vw, vh) });
      } else {
        t.since = now;
      }
    } else if (t.phase === 'zoom' && age > TOUR_ZOOM_MS) {
      Object.assign(t, { phase: 'back', since: now, from: t.to, to: fit });
    } else if (t.phase === 'back' && age > TOUR_MOVE_MS) {
      Object.assign(t, { phase: 'overview', since: now });
    }
    if (t.phase === 'overview') return fit;
    const p = Math.min(1, (now - t.since) / TOUR_MOVE_MS);
    return mix(t.from, t.phase === 'back' ? fit : t.to, p);
  }

  draw() {
    this.frame = 0;
    const { canvas, ctx, board } = this;
    const dpr = window.devicePixelRatio || 1;
    const rect = this.stage.getBoundingClientRect();
    const vw = Math.max(1, Math.round(rect.width * dpr));
    const vh = Math.max(1, Math.round(rect.height * dpr));
    if (canvas.width !== vw || canvas.height !== vh) {
      canvas.width = vw;
      canvas.height = vh;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#0b0d12';
    ctx.fillRect(0, 0, vw, vh);
    if (!board || !board.loaded) return;
    const v = this.view(vw, vh);
    this.shown = v;
    this.paintBoard(v);
    const now = Date.now();
    const live = this.highlights.live(now);
    for (const h of live) {
      this.ring(v, h);
      const key = `${h.x},${h.y}`;
      if (!this.drawnAt.has(key)) this.drawnAt.set(key, now);
    }
    if (this.drawnAt.size > 2000) this.drawnAt.clear();
    if (live.length || this.moving()) this.request();
    else if (this.tour && !this.tourTimer) {
      // The tour's next step; one timer at a time.
      this.tourTimer = setTimeout(() => {
        this.tourTimer = 0;
        this.request();
      }, 250);
    }
  }

  /** moving reports whether the tour is between two views (drawn every frame). */
  moving() {
    const t = this.tour;
    if (!t) return false;
    return t.phase === 'back' || (t.phase === 'zoom' && performance.now() - t.since < TOUR_MOVE_MS);
  }

  /** paintBoard draws the canvas through view v, nearest-neighbour. */
  paintBoard(v) {
    const { ctx, board } = this;
    const d = board.takeDirty();
    if (d) this.offCtx.putImageData(this.image, 0, 0, d.x, d.y, d.w, d.h);
    ctx.imageSmoothingEnabled = false;
    if (v.reduce === 1) {
      ctx.setTransform(v.scale, 0, 0, v.scale, v.offsetX, v.offsetY);
      ctx.drawImage(this.offscreen, 0, 0);
    } else {
      const r = this.reducedImage(v.reduce);
      const s = v.scale * v.reduce;
      ctx.setTransform(s, 0, 0, s, v.offsetX, v.offsetY);
      ctx.drawImage(r.canvas, 0, 0);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  /** reducedImage is the canvas shrunk k times per side (rarest color wins). */
  reducedImage(k) {
    let r = this.reduced;
    const { board } = this;
    if (!r || r.k !== k) {
      const w = Math.ceil(board.width / k);
      const h = Math.ceil(board.height / k);
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const rgba = new Uint8ClampedArray(w * h * 4);
      r = { k, canvas, rgba, data: new Uint32Array(rgba.buffer), stale: true };
      this.reduced = r;
    }
    if (r.stale) {
      const size = reduceBoard(board.base, board.width, board.height, k, board.packed, r.data);
      r.canvas.getContext('2d').putImageData(new ImageData(r.rgba, size.width, size.height), 0, 0);
      r.stale = false;
    }
    return r;
  }

  /** ring outlines a recent placement, large enough to see at any scale. */
  ring(v, h) {
    const { ctx } = this;
    const s = v.scale;
    const size = Math.max(s, 14);
    const x = v.offsetX + (h.x + 0.5) * s - size / 2;
    const y = v.offsetY + (h.y + 0.5) * s - size / 2;
    ctx.globalAlpha = Math.max(0.15, h.strength);
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#000000';
    ctx.strokeRect(x - 4, y - 4, size + 8, size + 8);
    ctx.strokeStyle = '#ffe14d';
    ctx.strokeRect(x - 2, y - 2, size + 4, size + 4);
    ctx.globalAlpha = 1;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const root = document.getElementById('screen');
if (root) {
  const screen = new Screen(root);
  // For tests and for whoever debugs a screen on the wall.
  window.placeScreen = {
    screen,
    get seq() {
      return screen.seq;
    },
    get connected() {
      return screen.source !== null && screen.source.readyState === EventSource.OPEN;
    },
    pixelAt: (x, y) => (screen.board ? screen.board.colorAt(x, y) : -1),
    get size() {
      return screen.board ? [screen.board.width, screen.board.height] : null;
    },
    get loads() {
      return screen.loads;
    },
    highlighted: (x, y) => screen.highlights.has(x, y),
    drawnAt: (x, y) => screen.drawnAt.get(`${x},${y}`) ?? null,
    get view() {
      return screen.shown;
    },
    get tourPhase() {
      return screen.tour ? screen.tour.phase : null;
    },
  };
  screen.start();
}
