package main

import (
	"context"
	"io"

	"github.com/placecanvas/place/bench"
)

// cmdBench runs the load generator (BENCHMARKS.md).
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return bench.Main(ctx, args, stdout, stderr)
}
