import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBinary, decodeText, decodeMessage, encodePlace, encodePing,
  newRequestId, socketURL, unpackNibbles, ProtocolError,
} from '../protocol.js';

// pixelsFrame builds a §4.1 pixels frame the way the server must.
function pixelsFrame(prevSeq, seq, events) {
  const buf = new ArrayBuffer(17 + 4 * events.length);
  const v = new DataView(buf);
  v.setUint8(0, 1);
  v.setBigUint64(1, BigInt(prevSeq), true);
  v.setBigUint64(9, BigInt(seq), true);
  events.forEach((e, i) => v.setUint32(17 + 4 * i, (e.x | (e.y << 12) | (e.color << 24)) >>> 0, true));
  return buf;
}

// canvasFrame packs one color per pixel into nibbles, low nibble first.
function canvasFrame(width, height, seq, pixels) {
  const packed = Math.ceil((width * height) / 2);
  const buf = new ArrayBuffer(13 + packed);
  const v = new DataView(buf);
  v.setUint8(0, 2);
  v.setUint16(1, width, true);
  v.setUint16(3, height, true);
  v.setBigUint64(5, BigInt(seq), true);
  const bytes = new Uint8Array(buf, 13);
  pixels.forEach((c, i) => {
    bytes[i >> 1] |= i & 1 ? c << 4 : c;
  });
  return buf;
}

test('binary pixels frame decodes header and events', () => {
  const events = [
    { x: 0, y: 0, color: 0 },
    { x: 4095, y: 4095, color: 15 },
    { x: 12, y: 40, color: 5 },
  ];
  const msg = decodeBinary(pixelsFrame(41, 44, events));
  assert.deepEqual(msg, { type: 'pixels', prevSeq: 41, seq: 44, events });
});

test('binary pixels frame: exact bytes of the spec example layout', () => {
  // x=1, y=2, color=3 → 0x03002001 little-endian.
  const bytes = new Uint8Array([1, 7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x20, 0x00, 0x03]);
  assert.deepEqual(decodeBinary(bytes.buffer), { type: 'pixels', prevSeq: 7, seq: 8, events: [{ x: 1, y: 2, color: 3 }] });
});

test('binary pixels frame with no events and large sequence numbers', () => {
  const big = 2 ** 40 + 5;
  assert.deepEqual(decodeBinary(pixelsFrame(big, big, [])), { type: 'pixels', prevSeq: big, seq: big, events: [] });
});

test('binary pixels frame of a wrong length is refused', () => {
  const good = new Uint8Array(pixelsFrame(1, 2, [{ x: 1, y: 1, color: 1 }]));
  assert.throws(() => decodeBinary(good.slice(0, 20).buffer), ProtocolError);
  assert.throws(() => decodeBinary(good.slice(0, 16).buffer), ProtocolError);
});

test('binary canvas frame with an odd pixel count keeps the last low nibble', () => {
  const pixels = [1, 2, 3, 4, 5, 6, 7, 8, 15]; // 3x3 = 9 pixels → 5 bytes
  const frame = canvasFrame(3, 3, 99, pixels);
  assert.equal(frame.byteLength, 13 + 5);
  const msg = decodeBinary(frame);
  assert.equal(msg.type, 'canvas');
  assert.equal(msg.width, 3);
  assert.equal(msg.height, 3);
  assert.equal(msg.seq, 99);
  assert.deepEqual(Array.from(msg.pixels), pixels);
});

test('binary canvas frame: low nibble is the first pixel', () => {
  const bytes = new Uint8Array([2, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa5]);
  const msg = decodeBinary(bytes.buffer);
  assert.deepEqual(Array.from(msg.pixels), [5, 10]);
  assert.equal(msg.seq, 0);
});

test('binary canvas frame with all 16 colors round trips', () => {
  const pixels = Array.from({ length: 64 }, (_, i) => i % 16);
  const msg = decodeBinary(canvasFrame(16, 4, 1234, pixels));
  assert.deepEqual(Array.from(msg.pixels), pixels);
});

test('binary canvas frame whose data length disagrees with its size is refused', () => {
  const frame = new Uint8Array(canvasFrame(3, 3, 1, new Array(9).fill(0)));
  assert.throws(() => decodeBinary(frame.slice(0, frame.length - 1).buffer), /want 5/);
  const longer = new Uint8Array(frame.length + 1);
  longer.set(frame);
  assert.throws(() => decodeBinary(longer.buffer), ProtocolError);
});

test('unknown or empty binary frames are refused', () => {
  assert.throws(() => decodeBinary(new ArrayBuffer(0)), ProtocolError);
  assert.throws(() => decodeBinary(new Uint8Array([9, 0, 0]).buffer), /unknown binary frame type 9/);
});

test('decodeBinary accepts a view into a larger buffer', () => {
  const frame = new Uint8Array(pixelsFrame(3, 4, [{ x: 2, y: 3, color: 4 }]));
  const padded = new Uint8Array(frame.length + 10);
  padded.set(frame, 5);
  const msg = decodeBinary(padded.subarray(5, 5 + frame.length));
  assert.deepEqual(msg.events, [{ x: 2, y: 3, color: 4 }]);
});

test('unpackNibbles with count smaller than the bytes given', () => {
  assert.deepEqual(Array.from(unpackNibbles(new Uint8Array([0x21, 0x43]), 3)), [1, 2, 3]);
});

test('JSON pixels and canvas decode to the same shapes as binary', () => {
  const events = [{ x: 3, y: 4, color: 12 }];
  const text = decodeText(JSON.stringify({ type: 'pixels', prevSeq: 10, seq: 11, events }));
  assert.deepEqual(text, decodeBinary(pixelsFrame(10, 11, events)));

  const pixels = [0, 5, 15, 3, 12, 1];
  const data = Buffer.from(pixels).toString('base64');
  const json = decodeText(JSON.stringify({ type: 'canvas', width: 3, height: 2, seq: 7, data }));
  const bin = decodeBinary(canvasFrame(3, 2, 7, pixels));
  assert.deepEqual({ ...json, pixels: Array.from(json.pixels) }, { ...bin, pixels: Array.from(bin.pixels) });
});

test('JSON canvas with the wrong number of bytes is refused', () => {
  const data = Buffer.from([1, 2, 3]).toString('base64');
  assert.throws(() => decodeText(JSON.stringify({ type: 'canvas', width: 2, height: 2, seq: 1, data })), /want 4/);
  assert.throws(() => decodeText(JSON.stringify({ type: 'canvas', width: 2, height: 2, seq: 1, data: '!!!' })), ProtocolError);
});

test('JSON pixels with missing or non-integer fields are refused', () => {
  const bad = [
    { type: 'pixels', seq: 2, events: [] },
    { type: 'pixels', prevSeq: 1, seq: 2 },
    { type: 'pixels', prevSeq: 1, seq: 2, events: [{ x: 1, y: 2 }] },
    { type: 'pixels', prevSeq: 1, seq: 2, events: [{ x: 1.5, y: 2, color: 3 }] },
    { type: 'pixels', prevSeq: -1, seq: 2, events: [] },
  ];
  for (const m of bad) assert.throws(() => decodeText(JSON.stringify(m)), ProtocolError, JSON.stringify(m));
});

test('other JSON messages pass through unchanged', () => {
  const welcome = {
    type: 'welcome', userId: 'u1', username: 'Guest_ABC123', isGuest: true, cooldown: 0, serverTime: 1700000000000,
    canvasInfo: { width: 500, height: 500, cooldownSeconds: 5, colorCount: 16, palette: [] },
  };
  assert.deepEqual(decodeText(JSON.stringify(welcome)), welcome);
  const err = { type: 'error', code: 'RATE_LIMITED', message: 'Wait', requestId: 'r', remainingSeconds: 3 };
  assert.deepEqual(decodeMessage(JSON.stringify(err)), err);
});

test('text that is not a JSON object with a type is refused', () => {
  for (const t of ['', 'nope', '[]', 'null', '{"x":1}', '{"type":5}']) {
    assert.throws(() => decodeText(t), ProtocolError, t);
  }
});

test('decodeMessage dispatches on the frame kind', () => {
  assert.equal(decodeMessage('{"type":"pong"}').type, 'pong');
  assert.equal(decodeMessage(pixelsFrame(0, 0, [])).type, 'pixels');
  assert.throws(() => decodeMessage(42), ProtocolError);
});

test('place and ping requests follow §4', () => {
  assert.deepEqual(JSON.parse(encodePlace(12, 40, 5, 'abc')), { type: 'place', x: 12, y: 40, color: 5, requestId: 'abc' });
  assert.deepEqual(JSON.parse(encodePing()), { type: 'ping' });
});

test('request ids are unique, at most 64 chars, with and without randomUUID', () => {
  const seen = new Set();
  const noUUID = { getRandomValues: (a) => globalThis.crypto.getRandomValues(a) };
  for (const impl of [globalThis.crypto, noUUID, undefined, null]) {
    for (let i = 0; i < 100; i++) {
      const id = newRequestId(impl === null ? {} : impl);
      assert.ok(typeof id === 'string' && id.length > 0 && id.length <= 64, id);
      assert.ok(!seen.has(id));
      seen.add(id);
    }
  }
  assert.match(newRequestId(noUUID), /^[0-9a-f]{32}$/);
});

test('socket URL follows the page scheme, asks for batched acks and resumes with since', () => {
  assert.equal(socketURL({ protocol: 'http:', host: 'localhost:8080' }, null), 'ws://localhost:8080/ws?acks=batched');
  assert.equal(socketURL({ protocol: 'http:', host: 'localhost:8080' }, undefined), 'ws://localhost:8080/ws?acks=batched');
  assert.equal(socketURL({ protocol: 'https:', host: 'place.example' }, 42), 'wss://place.example/ws?acks=batched&since=42');
  assert.equal(socketURL({ protocol: 'https:', host: 'place.example' }, 0), 'wss://place.example/ws?acks=batched&since=0');
});

test('resize decodes from JSON (binary connections get it as text too) and checks its size', () => {
  assert.deepEqual(decodeMessage('{"type":"resize","width":600,"height":500,"seq":42}'),
    { type: 'resize', width: 600, height: 500, seq: 42 });
  for (const bad of [
    '{"type":"resize","width":0,"height":500,"seq":1}',
    '{"type":"resize","width":4097,"height":500,"seq":1}',
    '{"type":"resize","width":600,"height":"500","seq":1}',
    '{"type":"resize","width":600,"height":500}',
    '{"type":"resize","width":600.5,"height":500,"seq":1}',
  ]) {
    assert.throws(() => decodeText(bad), ProtocolError, bad);
  }
});

test('a 12-bit coordinate of a grown canvas decodes from binary pixels', () => {
  assert.deepEqual(decodeBinary(pixelsFrame(7, 8, [{ x: 4095, y: 4095, color: 3 }])).events, [{ x: 4095, y: 4095, color: 3 }]);
});
