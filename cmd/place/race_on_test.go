//go:build race

package main

// raceEnabled is true under the race detector, which makes SQLite (pure Go)
// many times slower: the backup test seeds a smaller history.
const raceEnabled = true
