//go:build race

package event

// raceSlowdown scales the time bounds of the tests that check large
// images: the race detector makes these loops many times slower.
const raceSlowdown = 15
