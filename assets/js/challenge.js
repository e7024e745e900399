// The proof-of-work challenge (docs/protocol.md, "Challenges"): find a
// decimal nonce such that SHA-256(token + ":" + nonce) starts with `bits`
// zero bits; the proof is token + ":" + nonce. A lone player is never
// asked; on a busy address the server sends a challenge with `welcome`
// and with every answer to a placement, and the page solves it in a Web
// Worker (challengeworker.js) while the cooldown runs, so the player
// rarely waits for it.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * sha256 returns the eight 32-bit words of the SHA-256 of bytes (an array
 * of byte values).
 */
export function sha256(bytes) {
  const h = new Hasher(bytes.length + 64);
  h.buf.set(bytes);
  return Array.from(h.sum(bytes.length), (word) => word >>> 0);
}

/**
 * Hasher hashes messages written into its buf without allocating: the
 * solver rewrites only the nonce's digits between two hashes.
 */
class Hasher {
  constructor(maxLen) {
    this.buf = new Uint8Array(Math.ceil((maxLen + 9) / 64) * 64);
    this.w = new Int32Array(64); // Int32: V8 keeps the arithmetic in small integers
    this.out = new Int32Array(8);
  }

  /** sum hashes the first n bytes of buf (buf beyond n is overwritten). */
  sum(n) {
    const msg = this.buf;
    const w = this.w;
    const len = Math.ceil((n + 9) / 64) * 64;
    msg[n] = 0x80;
    msg.fill(0, n + 1, len);
    const bitLen = n * 8;
    msg[len - 2] = bitLen >>> 8;
    msg[len - 1] = bitLen;
    let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (let off = 0; off < len; off += 64) {
      for (let i = 0; i < 16; i++) {
        const j = off + i * 4;
        w[i] = (msg[j] << 24) | (msg[j + 1] << 16) | (msg[j + 2] << 8) | msg[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const a = w[i - 15], b = w[i - 2];
        const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    const out = this.out;
    out[0] = h0; out[1] = h1; out[2] = h2; out[3] = h3; out[4] = h4; out[5] = h5; out[6] = h6; out[7] = h7;
    return out;
  }

  /** zeros is leadingZeroBits of the hash of the first n bytes of buf. */
  zeros(n) {
    return leadingZeroBits(this.sum(n));
  }
}

/** leadingZeroBits counts the zero bits at the start of a hash's words. */
export function leadingZeroBits(words) {
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    if (words[i] !== 0) return n + Math.clz32(words[i]);
    n += 32;
  }
  return n;
}

/**
 * solve finds the proof of a challenge ({token, bits}), trying at most
 * maxTries nonces (undefined when none of them solves it).
 */
export function solve(challenge, maxTries = 2 ** 32) {
  const prefix = new TextEncoder().encode(`${challenge.token}:`);
  const h = new Hasher(prefix.length + 20);
  for (let nonce = 0; nonce < maxTries; nonce++) {
    const digits = String(nonce);
    h.buf.set(prefix);
    for (let i = 0; i < digits.length; i++) h.buf[prefix.length + i] = digits.charCodeAt(i);
    if (h.zeros(prefix.length + digits.length) >= challenge.bits) return `${challenge.token}:${digits}`;
  }
  return undefined;
}

/** validChallenge reads the challenge a server message carries, if any. */
export function validChallenge(c) {
  if (!c || typeof c.token !== 'string' || !c.token || c.token.length > 100) return undefined;
  if (!Number.isInteger(c.bits) || c.bits < 0 || c.bits > 32) return undefined;
  return { token: c.token, bits: c.bits };
}

/**
 * ChallengeSolver keeps the challenge the next placement needs and solves
 * it in a worker as soon as it arrives. makeWorker returns a Worker (or an
 * object with postMessage, onmessage and terminate, for tests).
 */
export class ChallengeSolver {
  constructor(makeWorker) {
    this.makeWorker = makeWorker;
    this.worker = null;
    this.current = null; // the challenge being solved, or solved
    this.proof = undefined;
    this.waiters = [];
    this.lastMs = 0; // how long the last one took (shown to no one; for tests)
    this.solvedCount = 0;
  }

  /** offer starts solving a challenge from the server (none: nothing needed). */
  offer(challenge) {
    const c = validChallenge(challenge);
    if (!c) {
      this.reset(null);
      return;
    }
    if (this.current && this.current.token === c.token) return;
    this.reset(c);
    if (!this.worker) {
      this.worker = this.makeWorker();
      this.worker.onmessage = (e) => this.solved(e.data);
    }
    this.started = Date.now();
    this.worker.postMessage(c);
  }

  reset(c) {
    this.current = c;
    this.proof = undefined;
    if (!c) this.release();
  }

  solved(data) {
    if (!this.current || !data || data.token !== this.current.token) return; // an old one
    this.proof = data.proof;
    this.lastMs = Date.now() - this.started;
    this.solvedCount++;
    this.release();
  }

  release() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** pending reports whether the next placement waits for a solution. */
  pending() {
    return this.current !== null && this.proof === undefined;
  }

  /** ready resolves once the challenge is solved (or dropped). */
  ready() {
    if (!this.pending()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** take returns the proof for one placement (undefined when none is needed) and forgets it. */
  take() {
    const proof = this.proof;
    this.current = null;
    this.proof = undefined;
    return proof;
  }
}
