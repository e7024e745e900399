// The admin areas page's helper: dragging on the canvas image fills in the
// rectangle form (x, y, width, height). The form works without it.

/**
 * rectFromDrag turns two points in canvas pixels into a rectangle clamped
 * to a width × height canvas; both corner pixels are inside it.
 */
export function rectFromDrag(a, b, width, height) {
  const clamp = (v, hi) => Math.min(Math.max(Math.floor(v), 0), hi - 1);
  const x0 = clamp(Math.min(a.x, b.x), width);
  const y0 = clamp(Math.min(a.y, b.y), height);
  const x1 = clamp(Math.max(a.x, b.x), width);
  const y1 = clamp(Math.max(a.y, b.y), height);
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** canvasPoint maps a pointer event over the image to canvas pixels. */
function canvasPoint(ev, box, width, height) {
  const r = box.getBoundingClientRect();
  return { x: ((ev.clientX - r.left) / r.width) * width, y: ((ev.clientY - r.top) / r.height) * height };
}

function start(doc) {
  const box = doc.getElementById('area-canvas');
  if (!box) return;
  doc.documentElement.classList.replace('no-js', 'js');
  const width = Number(box.dataset.width);
  const height = Number(box.dataset.height);
  const drawn = doc.getElementById('area-drawn');
  const inputs = ['x', 'y', 'w', 'h'].map((k) => doc.getElementById(`area-${k}`));
  let from = null;
  const show = (rect) => {
    const pct = (v, of) => `${(v * 100) / of}%`;
    Object.assign(drawn.style, {
      left: pct(rect.x, width), top: pct(rect.y, height), width: pct(rect.w, width), height: pct(rect.h, height),
    });
    drawn.hidden = false;
  };
  const fill = (rect) => {
    inputs.forEach((input, i) => { input.value = String([rect.x, rect.y, rect.w, rect.h][i]); });
  };
  box.addEventListener('pointerdown', (ev) => {
    from = canvasPoint(ev, box, width, height);
    box.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  box.addEventListener('pointermove', (ev) => {
    if (from) show(rectFromDrag(from, canvasPoint(ev, box, width, height), width, height));
  });
  box.addEventListener('pointerup', (ev) => {
    if (!from) return;
    const rect = rectFromDrag(from, canvasPoint(ev, box, width, height), width, height);
    from = null;
    show(rect);
    fill(rect);
  });
  // Typing coordinates shows the rectangle too.
  const fromInputs = () => {
    const [x, y, w, h] = inputs.map((i) => Number(i.value));
    if ([x, y, w, h].every(Number.isFinite) && w > 0 && h > 0) show({ x, y, w, h });
  };
  inputs.forEach((i) => i.addEventListener('input', fromInputs));
  fromInputs();
}

if (typeof document !== 'undefined') start(document);
