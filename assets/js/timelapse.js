// The timelapse player: progressive enhancement of /timelapse. The page
// works without it (a frame as an image, with previous/next links); this
// module adds a slider over the whole history with the placement rate drawn
// under it, play/pause, speed, step by placement, a region of interest in
// the hash (#x=&y=&z=) and a link to the exact moment shown.

import { DEFAULT_PALETTE, packRGBA } from './palette.js';

/**
 * parseRegion reads "#x=10&y=20&z=4" (the center and zoom of the region of
 * interest); missing or bad values give the whole canvas.
 * @returns {{x:number, y:number, z:number}}
 */
export function parseRegion(hash, width, height) {
  const p = new URLSearchParams(String(hash).replace(/^#/, ''));
  const num = (k, d) => {
    const v = Number(p.get(k));
    return p.has(k) && Number.isFinite(v) ? v : d;
  };
  const z = Math.min(64, Math.max(1, Math.round(num('z', 1))));
  const x = Math.min(width - 1, Math.max(0, Math.round(num('x', width / 2))));
  const y = Math.min(height - 1, Math.max(0, Math.round(num('y', height / 2))));
  return { x, y, z };
}

/** regionRect is the rectangle of the canvas that a region shows. */
/**
 * frameColor is the color at (x, y) of a past frame of frameW × frameH
 * (the canvas may have been smaller then: outside it is white, 0).
 */
export function frameColor(pixels, frameW, frameH, x, y) {
  return x < frameW && y < frameH ? pixels[y * frameW + x] & 15 : 0;
}

export function regionRect(r, width, height) {
  const w = Math.max(1, Math.round(width / r.z));
  const h = Math.max(1, Math.round(height / r.z));
  const x = Math.min(width - w, Math.max(0, r.x - Math.floor(w / 2)));
  const y = Math.min(height - h, Math.max(0, r.y - Math.floor(h / 2)));
  return { x, y, w, h };
}

/** describeTime is the slider's announced value. */
export function describeTime(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** atParam turns the slider's milliseconds into an at= time, whole seconds. */
export function atParam(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * sliderBounds are the slider's ends: whole seconds around the history, so
 * that every step of one second lands on a whole second and both ends can
 * be reached.
 */
export function sliderBounds(firstAt, lastAt) {
  return { min: Math.floor(firstAt / 1000) * 1000, max: Math.ceil(lastAt / 1000) * 1000 };
}

/**
 * momentQuery is the at= query of a slider position: the first placement
 * at or before its start, the last at or after its end (the stored times
 * are finer than the slider's), the moment itself in between.
 * @param {{firstAt:number, lastAt:number, firstSeq:number, lastSeq:number}} span
 */
export function momentQuery(ms, span) {
  if (Math.floor(ms / 1000) * 1000 < span.firstAt) return `at=${span.firstSeq}`;
  if (ms >= span.lastAt) return `at=${span.lastSeq}`;
  return `at=${atParam(ms)}`;
}

function drawRate(canvas, rate) {
  const ctx = canvas.getContext('2d');
  if (!ctx || !rate.length) return;
  const top = Math.max(1, ...rate);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#5b6cff';
  const bw = canvas.width / rate.length;
  rate.forEach((n, i) => {
    const h = Math.max(n > 0 ? 1 : 0, (n / top) * canvas.height);
    ctx.fillRect(i * bw, canvas.height - h, Math.max(1, bw - 0.5), h);
  });
}

class Player {
  constructor(root) {
    this.root = root;
    const d = root.dataset;
    this.width = Number(d.width);
    this.height = Number(d.height);
    this.seq = Number(d.seq);
    this.firstSeq = Number(d.firstSeq);
    this.lastSeq = Number(d.lastSeq);
    this.firstAt = Number(d.firstAt);
    this.lastAt = Number(d.lastAt);
    this.el = (id) => document.getElementById(id);
    this.frame = this.el('tl-frame');
    this.slider = this.el('tl-slider');
    this.colors = new Uint32Array(DEFAULT_PALETTE.map((c) => packRGBA(c.hex)));
    this.pixels = null;
    this.playing = null;
    this.loading = null;
    this.pending = null;
    /** The placement a step or link asked for, while its frame loads. */
    this.target = null;
  }

  start() {
    this.el('tl-image').hidden = true;
    this.el('tl-player').hidden = false;
    // The player's own buttons replace the links, which stay on the first frame.
    const links = document.querySelector('.timelapse-nav');
    if (links) links.hidden = true;
    const { min, max } = sliderBounds(this.firstAt, this.lastAt);
    this.slider.min = String(min);
    this.slider.max = String(max);
    this.slider.addEventListener('input', () => this.seek(this.momentAt(Number(this.slider.value)), true));
    this.el('tl-play').addEventListener('click', () => this.togglePlay());
    this.el('tl-prev').addEventListener('click', () => this.step(-1));
    this.el('tl-next').addEventListener('click', () => this.step(1));
    this.el('tl-jump').addEventListener('submit', (e) => {
      e.preventDefault();
      const v = this.el('tl-at').value.trim();
      this.seek(`at=${encodeURIComponent(v)}`);
    });
    window.addEventListener('hashchange', () => this.draw());
    fetch('/api/v1/history/summary?buckets=300')
      .then((r) => (r.ok ? r.json() : null))
      .then((s) => s && drawRate(this.el('tl-rate'), s.rate))
      .catch(() => {});
    this.seek(`at=${this.seq}`);
  }

  /** momentAt is the query of the frame at slider position ms. */
  momentAt(ms) {
    return momentQuery(ms, this);
  }

  /**
   * step moves by placements from the frame asked for last, so that quick
   * clicks add up while a frame loads.
   */
  step(by) {
    const from = this.target ?? this.seq;
    return this.seek(`at=${Math.min(this.lastSeq, Math.max(this.firstSeq, from + by))}`);
  }

  /** seek loads the frame at a query; while one loads, only the newest waits. */
  seek(query, fromSlider = false) {
    const m = /^at=(\d+)$/.exec(query);
    this.target = m ? Number(m[1]) : null;
    if (this.loading) {
      this.pending = { query, fromSlider };
      return this.loading;
    }
    this.loading = this.load(query, fromSlider).finally(() => {
      this.loading = null;
      const next = this.pending;
      this.pending = null;
      if (next) this.seek(next.query, next.fromSlider);
    });
    return this.loading;
  }

  async load(query, fromSlider) {
    const status = this.el('tl-status');
    const res = await fetch(`/api/v1/canvas?${query}`);
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      status.textContent = body.message || `Could not load that moment (${res.status}).`;
      this.target = null;
      return;
    }
    this.pixels = new Uint8Array(await res.arrayBuffer());
    // A moment before a growth has the smaller size it had then.
    this.frameW = Number(res.headers.get('X-Canvas-Width')) || this.width;
    this.frameH = Number(res.headers.get('X-Canvas-Height')) || this.height;
    this.seq = Number(res.headers.get('X-Canvas-Seq'));
    this.frame.dataset.seq = String(this.seq);
    const heading = document.querySelector('[data-testid=frame-seq]');
    if (heading) heading.textContent = String(this.seq);
    // The slider follows a step, a jump or a link to the frame's own time.
    let shownAt = Number(this.slider.value);
    if (!fromSlider) {
      const m = /^at=(\d{4}-.*)$/.exec(decodeURIComponent(query));
      const placedAt = Number(res.headers.get('X-Canvas-Time'));
      if (m) shownAt = Date.parse(m[1]);
      else if (placedAt > 0) shownAt = placedAt;
      this.slider.value = String(shownAt);
    }
    const when = describeTime(shownAt);
    this.slider.setAttribute('aria-valuetext', when);
    status.textContent = `Placement ${this.seq} of ${this.lastSeq}, around ${when}.`;
    this.el('tl-share').href = `/timelapse?at=${this.seq}${location.hash}`;
    this.draw();
  }

  draw() {
    if (!this.pixels) return;
    const r = regionRect(parseRegion(location.hash, this.width, this.height), this.width, this.height);
    this.frame.width = r.w;
    this.frame.height = r.h;
    const ctx = this.frame.getContext('2d');
    const img = ctx.createImageData(r.w, r.h);
    const out = new Uint32Array(img.data.buffer);
    for (let y = 0; y < r.h; y++) {
      for (let x = 0; x < r.w; x++) {
        out[y * r.w + x] = this.colors[frameColor(this.pixels, this.frameW, this.frameH, r.x + x, r.y + y)];
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  togglePlay() {
    const button = this.el('tl-play');
    if (this.playing) {
      clearTimeout(this.playing);
      this.playing = null;
      button.textContent = 'Play';
      return;
    }
    button.textContent = 'Pause';
    if (Number(this.slider.value) >= this.lastAt || this.seq >= this.lastSeq) this.slider.value = this.slider.min;
    const tick = async () => {
      const speed = Number(this.el('tl-speed').value); // seconds of history per second
      const next = Math.min(this.lastAt, Number(this.slider.value) + speed * 250);
      this.slider.value = String(next);
      await this.seek(this.momentAt(next), true);
      if (next >= this.lastAt) {
        this.togglePlay();
        return;
      }
      if (this.playing) this.playing = setTimeout(tick, 250);
    };
    this.playing = setTimeout(tick, 0);
  }
}

if (typeof document !== 'undefined') {
  const root = document.getElementById('timelapse');
  if (root) new Player(root).start();
}
