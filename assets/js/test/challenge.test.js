import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ChallengeSolver, leadingZeroBits, sha256, solve, validChallenge } from '../challenge.js';

const hex = (words) => words.map((w) => w.toString(16).padStart(8, '0')).join('');
const bytes = (s) => Array.from(new TextEncoder().encode(s));

test('sha256 matches node:crypto across block boundaries', () => {
  for (const s of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'AQAAAZrqM0fwDoVn8nsU1OFVoPKUvlMDyYIzUc_x3ZZVQ:1234567890', 'x'.repeat(130)]) {
    assert.equal(hex(sha256(bytes(s))), createHash('sha256').update(s).digest('hex'), JSON.stringify(s));
  }
});

test('leadingZeroBits counts across words', () => {
  assert.equal(leadingZeroBits([0x80000000, 0]), 0);
  assert.equal(leadingZeroBits([0x0000ffff, 0]), 16);
  assert.equal(leadingZeroBits([0, 0x10000000]), 35);
});

test('solve finds a proof the server accepts (the same hash, enough zero bits)', () => {
  const c = { token: 'AQAAAZrqM0fwDoVn8nsU1OFVoPKUvlMDyYIzUc_x3ZZVQ', bits: 10 };
  const proof = solve(c);
  assert.ok(proof.startsWith(`${c.token}:`));
  assert.match(proof.slice(c.token.length + 1), /^\d+$/);
  const digest = createHash('sha256').update(proof).digest();
  let zeros = 0;
  for (const b of digest) {
    if (b === 0) { zeros += 8; continue; }
    zeros += Math.clz32(b) - 24;
    break;
  }
  assert.ok(zeros >= 10, `proof ${proof} has ${zeros} zero bits`);
  assert.equal(solve({ token: 'x', bits: 32 }, 10), undefined);
});

test('validChallenge refuses what is not a challenge', () => {
  for (const c of [undefined, null, {}, { token: '', bits: 3 }, { token: 'a', bits: -1 }, { token: 'a', bits: 33 }, { token: 'a', bits: 1.5 }, { token: 7, bits: 3 }]) {
    assert.equal(validChallenge(c), undefined, JSON.stringify(c));
  }
  assert.deepEqual(validChallenge({ token: 'a', bits: 3, extra: 1 }), { token: 'a', bits: 3 });
});

test('ChallengeSolver solves what it is offered, once, and waits for it', async () => {
  const posted = [];
  const worker = { postMessage: (c) => posted.push(c), terminate() {} };
  const s = new ChallengeSolver(() => worker);
  assert.equal(s.pending(), false);
  assert.equal(s.take(), undefined); // a lone player sends no proof
  s.offer({ token: 't1', bits: 4 });
  s.offer({ token: 't1', bits: 4 }); // the same again: not solved twice
  assert.equal(posted.length, 1);
  assert.equal(s.pending(), true);
  let ready = false;
  const waiting = s.ready().then(() => { ready = true; });
  worker.onmessage({ data: { token: 'old', proof: 'old:1' } }); // an answer to an older challenge
  await Promise.resolve();
  assert.equal(ready, false);
  worker.onmessage({ data: { token: 't1', proof: 't1:9' } });
  await waiting;
  assert.equal(s.take(), 't1:9');
  assert.equal(s.take(), undefined); // one use
  s.offer({ token: 't2', bits: 4 });
  s.offer(undefined); // the address became quiet: nothing to wait for
  assert.equal(s.pending(), false);
});
