import { test } from 'node:test';
import assert from 'node:assert/strict';
import { periodLabel, playerRows, teamRows, UNNAMED } from '../leaderboard.js';

const data = {
  period: 'hour',
  players: [{ username: 'alice', placements: 9 }, { username: null, placements: 4 }, { username: 'bob', placements: 2 }],
  teams: [{ id: 2, name: 'Red', color: 5, placements: 11 }],
};

test('playerRows ranks players and shows the unnamed ones without a name', () => {
  assert.deepEqual(playerRows(data), [
    { rank: 1, name: 'alice', named: true, placements: 9 },
    { rank: 2, name: UNNAMED, named: false, placements: 4 },
    { rank: 3, name: 'bob', named: true, placements: 2 },
  ]);
  assert.equal(playerRows(data, 2).length, 2);
  assert.deepEqual(playerRows(null), []);
});

test('teamRows ranks teams', () => {
  assert.deepEqual(teamRows(data), [{ rank: 1, name: 'Red', color: 5, placements: 11 }]);
  assert.deepEqual(teamRows({}), []);
});

test('periodLabel names the periods', () => {
  assert.equal(periodLabel('hour'), 'Last hour');
  assert.equal(periodLabel('all'), 'All time');
});
