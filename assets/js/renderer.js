// Draws the board onto the visible canvas. The board's pixels live in an
// offscreen canvas at one device pixel per canvas pixel; each frame draws it
// through the view transform with smoothing off, so pixels stay crisp at any
// zoom. Only the rectangle that changed is uploaded from the board.

export class Renderer {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.offscreen = document.createElement('canvas');
    this.offCtx = this.offscreen.getContext('2d');
    this.board = null;
    this.image = null;
    this.cssWidth = 0;
    this.cssHeight = 0;
    this.dpr = 1;
  }

  /** setBoard points the renderer at a (new) board. */
  setBoard(board) {
    this.board = board;
    this.offscreen.width = board.width;
    this.offscreen.height = board.height;
    // ImageData shares the board's buffer: no copy per update.
    this.image = new ImageData(board.rgba, board.width, board.height);
    board.markAllDirty();
  }

  /** resize matches the backing store to the element's size; true if changed. */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    const changed = w !== this.canvas.width || h !== this.canvas.height || dpr !== this.dpr;
    this.cssWidth = rect.width;
    this.cssHeight = rect.height;
    this.dpr = dpr;
    if (changed) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    return changed;
  }

  /**
   * draw paints one frame.
   * @param {{scale:number, offsetX:number, offsetY:number}} view
   * @param {{x:number, y:number} | null} cursor keyboard cursor to outline
   */
  draw(view, cursor) {
    const { ctx, board, dpr } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#d9dbe0';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!board || !board.loaded) return;

    const d = board.takeDirty();
    if (d) this.offCtx.putImageData(this.image, 0, 0, d.x, d.y, d.w, d.h);

    const s = view.scale * dpr;
    ctx.setTransform(s, 0, 0, s, view.offsetX * dpr, view.offsetY * dpr);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.offscreen, 0, 0);
    // An overlay image of the canvas's size (overlays.js), drawn on top.
    if (this.overlay?.complete && this.overlay.naturalWidth) ctx.drawImage(this.overlay, 0, 0, board.width, board.height);

    // Edges and cursor in device pixels, so they keep their width at any zoom.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const ox = view.offsetX * dpr;
    const oy = view.offsetY * dpr;
    ctx.lineWidth = Math.max(1, dpr);
    ctx.strokeStyle = 'rgba(20, 22, 28, 0.35)';
    ctx.strokeRect(ox - 0.5, oy - 0.5, board.width * s + 1, board.height * s + 1);

    if (cursor) {
      const x = ox + cursor.x * s;
      const y = oy + cursor.y * s;
      const size = Math.max(s, 6 * dpr);
      const pad = (size - s) / 2;
      // Dark outside, light inside: visible on every palette color.
      ctx.lineWidth = 2 * dpr;
      ctx.strokeStyle = '#14161c';
      ctx.strokeRect(x - pad - 2 * dpr, y - pad - 2 * dpr, size + 4 * dpr, size + 4 * dpr);
      ctx.strokeStyle = '#ffffff';
      ctx.strokeRect(x - pad, y - pad, size, size);
    }
  }
}
