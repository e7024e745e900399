//go:build !race

package event

const raceSlowdown = 1
