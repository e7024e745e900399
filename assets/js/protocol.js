// The WebSocket protocol of docs/protocol.md and its compact binary form.
// Every decoder returns the same normalized shapes whichever encoding the
// server chose, so the rest of the client never looks at the wire format:
//
//   {type: 'pixels', prevSeq, seq, events: [{x, y, color}]}
//   {type: 'canvas', width, height, seq, pixels: Uint8Array}  (one color per byte)
//   {type: 'resize', width, height, seq}  (JSON in both encodings)
//   any other message: the parsed JSON object as sent.

/** The subprotocol that asks for binary pixels and canvas frames. */
export const BINARY_SUBPROTOCOL = 'place.v1.bin';

export const FRAME_PIXELS = 1;
export const FRAME_CANVAS = 2;

/** The largest width or height of a canvas (12 bits per coordinate). */
export const MAX_SIDE = 4096;

const PIXELS_HEADER = 17;
const CANVAS_HEADER = 13;

/** ProtocolError marks a message the client cannot trust. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function readUint64(view, offset) {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  // Sequence numbers stay far below 2^53; past that precision would be lost.
  if (hi >= 0x200000) throw new ProtocolError('sequence number out of range');
  return hi * 0x100000000 + lo;
}

/**
 * decodeBinary decodes a §4.1 frame.
 * @param {ArrayBuffer | ArrayBufferView} data
 */
export function decodeBinary(data) {
  const bytes = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
  if (bytes.length === 0) throw new ProtocolError('empty binary frame');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (bytes[0]) {
    case FRAME_PIXELS: {
      if (bytes.length < PIXELS_HEADER || (bytes.length - PIXELS_HEADER) % 4 !== 0) {
        throw new ProtocolError(`pixels frame has bad length ${bytes.length}`);
      }
      const prevSeq = readUint64(view, 1);
      const seq = readUint64(view, 9);
      const n = (bytes.length - PIXELS_HEADER) / 4;
      const events = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getUint32(PIXELS_HEADER + 4 * i, true);
        events[i] = { x: v & 0xfff, y: (v >>> 12) & 0xfff, color: (v >>> 24) & 0xff };
      }
      return { type: 'pixels', prevSeq, seq, events };
    }
    case FRAME_CANVAS: {
      if (bytes.length < CANVAS_HEADER) throw new ProtocolError('canvas frame too short');
      const width = view.getUint16(1, true);
      const height = view.getUint16(3, true);
      const seq = readUint64(view, 5);
      const count = width * height;
      const packed = Math.ceil(count / 2);
      if (bytes.length !== CANVAS_HEADER + packed) {
        throw new ProtocolError(`canvas frame of ${width}x${height} has ${bytes.length - CANVAS_HEADER} data bytes, want ${packed}`);
      }
      return { type: 'canvas', width, height, seq, pixels: unpackNibbles(bytes.subarray(CANVAS_HEADER), count) };
    }
    default:
      throw new ProtocolError(`unknown binary frame type ${bytes[0]}`);
  }
}

/**
 * unpackNibbles expands two pixels per byte (first in the low nibble) into
 * one pixel per byte.
 * @param {Uint8Array} packed
 * @param {number} count
 */
export function unpackNibbles(packed, count) {
  const out = new Uint8Array(count);
  const pairs = count >> 1;
  for (let i = 0; i < pairs; i++) {
    const b = packed[i];
    out[2 * i] = b & 0x0f;
    out[2 * i + 1] = b >> 4;
  }
  if (count & 1) out[count - 1] = packed[pairs] & 0x0f;
  return out;
}

/** decodeBase64 turns base64 text into bytes, in browsers and in Node. */
export function decodeBase64(text) {
  let bin;
  try {
    bin = atob(text);
  } catch {
    throw new ProtocolError('canvas data is not valid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const isInt = (v) => Number.isSafeInteger(v);
const isSeq = (v) => Number.isSafeInteger(v) && v >= 0;

/**
 * decodeText parses a JSON text frame, checking the fields the client relies
 * on for the messages that change the canvas.
 * @param {string} text
 */
export function decodeText(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    throw new ProtocolError('message is not JSON');
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || typeof msg.type !== 'string') {
    throw new ProtocolError('message has no type');
  }
  switch (msg.type) {
    case 'pixels': {
      if (!isSeq(msg.prevSeq) || !isSeq(msg.seq) || !Array.isArray(msg.events)) {
        throw new ProtocolError('pixels message is missing prevSeq, seq or events');
      }
      const events = msg.events.map((e) => {
        if (!e || !isInt(e.x) || !isInt(e.y) || !isInt(e.color)) {
          throw new ProtocolError('pixels event is not {x, y, color}');
        }
        return { x: e.x, y: e.y, color: e.color };
      });
      return { type: 'pixels', prevSeq: msg.prevSeq, seq: msg.seq, events };
    }
    case 'canvas': {
      const { width, height, seq, data } = msg;
      if (!isInt(width) || !isInt(height) || width < 1 || height < 1 || !isSeq(seq) || typeof data !== 'string') {
        throw new ProtocolError('canvas message is missing width, height, seq or data');
      }
      const pixels = decodeBase64(data);
      if (pixels.length !== width * height) {
        throw new ProtocolError(`canvas data has ${pixels.length} bytes, want ${width * height}`);
      }
      return { type: 'canvas', width, height, seq, pixels };
    }
    case 'resize': {
      const { width, height, seq } = msg;
      if (!isInt(width) || !isInt(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || !isSeq(seq)) {
        throw new ProtocolError('resize message is missing width, height or seq');
      }
      return { type: 'resize', width, height, seq };
    }
    default:
      return msg;
  }
}

/**
 * decodeMessage decodes any frame a WebSocket delivers: a string for text
 * frames, an ArrayBuffer for binary ones (binaryType 'arraybuffer').
 * @param {string | ArrayBuffer | ArrayBufferView} data
 */
export function decodeMessage(data) {
  if (typeof data === 'string') return decodeText(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return decodeBinary(data);
  throw new ProtocolError('unsupported frame payload');
}

/** encodePlace builds a `place` request, with the solved challenge when one is needed. */
export function encodePlace(x, y, color, requestId, proof) {
  if (proof) return JSON.stringify({ type: 'place', x, y, color, requestId, proof });
  return JSON.stringify({ type: 'place', x, y, color, requestId });
}

/** encodePing builds the application-level keepalive. */
export function encodePing() {
  return JSON.stringify({ type: 'ping' });
}

/**
 * newRequestId returns a unique id of at most 64 characters. randomUUID only
 * exists in secure contexts, so a page served over plain HTTP on a LAN
 * address falls back to getRandomValues.
 * @param {Crypto | undefined} [cryptoImpl]
 */
export function newRequestId(cryptoImpl = globalThis.crypto) {
  if (cryptoImpl && typeof cryptoImpl.randomUUID === 'function') return cryptoImpl.randomUUID();
  const bytes = new Uint8Array(16);
  if (cryptoImpl && typeof cryptoImpl.getRandomValues === 'function') {
    cryptoImpl.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * socketURL builds the /ws URL for a page location, resuming after `since`
 * when the client already holds a canvas. It asks for batched
 * acknowledgements: each `success` comes with the next broadcast instead
 * of in a write of its own (docs/protocol.md, "Batched acknowledgements").
 * @param {{protocol: string, host: string}} location
 * @param {number | null} since
 */
export function socketURL(location, since) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const resume = since === null || since === undefined ? '' : `&since=${since}`;
  return `${scheme}//${location.host}/ws?acks=batched${resume}`;
}
