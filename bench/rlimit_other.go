//go:build !unix

package bench

// raiseFileLimit has nothing to raise here; 0 means the limit is unknown.
func raiseFileLimit() (uint64, error) { return 0, nil }

func ownCPUSeconds() float64 { return 0 }
