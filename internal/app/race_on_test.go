//go:build race

package app_test

// raceEnabled is true under the race detector, which makes SQLite (pure Go)
// many times slower: tests that seed a large history seed less.
const raceEnabled = true
