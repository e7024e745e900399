import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cooldown, untilFromServer, remainingSeconds, formatCooldown, waitMessage } from '../cooldown.js';

const LOCAL = 1_700_000_000_000;

test('success is converted through the server clock, not the local one', () => {
  // Server clock 10 minutes ahead of the browser: nextPlacement is 5 s after
  // serverTime, so the local cooldown ends 5 s after arrival.
  const serverTime = LOCAL + 600_000;
  assert.equal(untilFromServer(serverTime + 5000, serverTime, LOCAL), LOCAL + 5000);
  // Server clock an hour behind.
  const behind = LOCAL - 3_600_000;
  assert.equal(untilFromServer(behind + 5000, behind, LOCAL), LOCAL + 5000);
});

test('a nextPlacement already in the past means ready now', () => {
  assert.equal(untilFromServer(LOCAL - 1, LOCAL, LOCAL), LOCAL);
});

test('Cooldown.fromSuccess records the skew and the local end', () => {
  const c = new Cooldown();
  c.fromSuccess(LOCAL + 120_000 + 4000, LOCAL + 120_000, LOCAL);
  assert.equal(c.until, LOCAL + 4000);
  assert.equal(c.clockOffset, 120_000);
  assert.equal(c.remainingSeconds(LOCAL), 4);
  assert.equal(c.format(LOCAL + 3001), 'Wait 1s');
  assert.ok(c.ready(LOCAL + 4000));
  assert.equal(c.format(LOCAL + 4000), 'Ready');
});

test('without serverTime the last known skew is used', () => {
  const c = new Cooldown();
  c.fromWelcome(0, LOCAL + 60_000, LOCAL);
  c.fromSuccess(LOCAL + 60_000 + 5000, undefined, LOCAL);
  assert.equal(c.until, LOCAL + 5000);
});

test('welcome cooldown is milliseconds from now', () => {
  const c = new Cooldown();
  c.fromWelcome(2500, LOCAL + 999_999, LOCAL);
  assert.equal(c.until, LOCAL + 2500);
  assert.equal(c.remainingSeconds(LOCAL), 3);
});

test('RATE_LIMITED remainingSeconds sets the cooldown', () => {
  const c = new Cooldown();
  c.fromRemainingSeconds(3, LOCAL);
  assert.equal(c.until, LOCAL + 3000);
  c.fromRemainingSeconds(undefined, LOCAL + 10);
  assert.equal(c.until, LOCAL + 3000);
});

test('start and restore undo an optimistic cooldown', () => {
  const c = new Cooldown();
  const prev = c.start(5, LOCAL);
  assert.equal(c.until, LOCAL + 5000);
  assert.ok(!c.ready(LOCAL + 4999));
  c.restore(prev);
  assert.ok(c.ready(LOCAL));
});

test('remaining seconds round up and never go negative', () => {
  assert.equal(remainingSeconds(LOCAL + 4001, LOCAL), 5);
  assert.equal(remainingSeconds(LOCAL + 4000, LOCAL), 4);
  assert.equal(remainingSeconds(LOCAL + 1, LOCAL), 1);
  assert.equal(remainingSeconds(LOCAL - 5000, LOCAL), 0);
  assert.equal(formatCooldown(LOCAL + 4000, LOCAL), 'Wait 4s');
  assert.equal(formatCooldown(0, LOCAL), 'Ready');
});

test('wait message is singular for one second', () => {
  assert.equal(waitMessage(1), 'Wait 1 second');
  assert.equal(waitMessage(4), 'Wait 4 seconds');
});
