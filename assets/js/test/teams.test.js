import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failedMessage, pickedMessage, playersWords, teamOptions } from '../teams.js';

const teams = [
  { id: 3, name: 'Red', color: 5, players: 1, placements: 9 },
  { id: 7, name: 'Blue', color: 12, players: 4, placements: 0 },
];
const palette = Array.from({ length: 16 }, (_, i) => ({ hex: `#${String(i).padStart(6, '0')}` }));

test('teamOptions puts "No team" first and checks the player\'s team', () => {
  const opts = teamOptions(teams, 7, palette);
  assert.deepEqual(opts.map((o) => [o.value, o.name, o.checked]), [['0', 'No team', false], ['3', 'Red', false], ['7', 'Blue', true]]);
  assert.equal(opts[1].hex, '#000005');
  assert.equal(opts[1].players, '1 player');
  assert.equal(opts[2].players, '4 players');
  assert.equal(teamOptions(teams, 0, palette)[0].checked, true);
  assert.equal(teamOptions(null, null, palette).length, 1);
});

test('pickedMessage names the team, or says none', () => {
  assert.equal(pickedMessage(teams, 3), 'You play for Red now.');
  assert.equal(pickedMessage(teams, 0), 'You play for no team now.');
  assert.equal(pickedMessage(teams, 99), 'You play for no team now.');
});

test('failedMessage prefers the server\'s words', () => {
  assert.equal(failedMessage(429, { code: 'RATE_LIMITED', message: 'You can change team once a minute: wait 40 seconds.' }),
    'You can change team once a minute: wait 40 seconds.');
  assert.match(failedMessage(0, {}), /Not connected/);
  assert.match(failedMessage(503, {}), /could not be changed/);
  assert.equal(playersWords(0), '0 players');
});
