package main

import (
	"fmt"
	"io"
	"slices"
)

// report writes each window and, per reader count, the range over the
// rounds of Redis's CPU per placement and of the readers' share of it per
// reader, beside a least-squares line through all windows.
func report(w io.Writer, results []result) {
	fmt.Fprintln(w, "| readers | round | placements/s | Redis cores | Redis µs per placement | script calls/s | XREAD calls/s per reader | placements per XREAD | Redis µs in XREAD per placement per reader | missed |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		xreadsPerReader, perXread, inXread := "–", "–", "–"
		if r.readers > 0 && r.xreadCalls > 0 {
			xreadsPerReader = fmt.Sprintf("%.0f", float64(r.xreadCalls)/float64(r.readers)/r.seconds)
			perXread = fmt.Sprintf("%.2f", float64(r.placements)*float64(r.readers)/float64(r.xreadCalls))
			inXread = fmt.Sprintf("%.2f", float64(r.xreadUsec)/float64(r.placements)/float64(r.readers))
		}
		fmt.Fprintf(w, "| %d | %d | %.0f | %.3f | %.1f | %.0f | %s | %s | %s | %d |\n",
			r.readers, r.round, float64(r.placements)/r.seconds, r.cpu/r.seconds, r.cpuPerPlacement(),
			float64(r.scriptCalls)/r.seconds, xreadsPerReader, perXread, inXread, r.missed)
	}

	baseline := map[int]float64{} // round → µs per placement without readers
	var base []float64
	for _, r := range results {
		if r.readers == 0 {
			baseline[r.round] = r.cpuPerPlacement()
			base = append(base, r.cpuPerPlacement())
		}
	}
	var counts []int
	for _, r := range results {
		if !slices.Contains(counts, r.readers) {
			counts = append(counts, r.readers)
		}
	}
	slices.Sort(counts)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| readers | Redis µs per placement | readers' share per placement per reader (µs) | readers' share per XREAD call (µs) |")
	fmt.Fprintln(w, "|---:|---|---|---|")
	for _, n := range counts {
		var total, share, perCall []float64
		for _, r := range results {
			if r.readers != n {
				continue
			}
			total = append(total, r.cpuPerPlacement())
			if n > 0 && len(base) > 0 {
				b, ok := baseline[r.round]
				if !ok {
					b = mean(base)
				}
				share = append(share, (r.cpuPerPlacement()-b)/float64(n))
				if r.xreadCalls > 0 {
					perCall = append(perCall, (r.cpuPerPlacement()-b)*float64(r.placements)/float64(r.xreadCalls))
				}
			}
		}
		shareText, callText := "–", "–"
		if len(share) > 0 {
			shareText = span(share, 2)
		}
		if len(perCall) > 0 {
			callText = span(perCall, 2)
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s |\n", n, span(total, 1), shareText, callText)
	}
	if a, b, ok := fit(results); ok {
		fmt.Fprintf(w, "\nleast squares over all windows: Redis µs per placement = %.1f + %.2f × readers\n", a, b)
	}
}

// fit returns the least-squares line µs per placement = a + b × readers.
func fit(results []result) (a, b float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for _, r := range results {
		x, y := float64(r.readers), r.cpuPerPlacement()
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	d := n*sxx - sx*sx
	if n < 2 || d == 0 {
		return 0, 0, false
	}
	b = (n*sxy - sx*sy) / d
	return (sy - b*sx) / n, b, true
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// span formats the range of xs ("3.1–4.2", or one figure).
func span(xs []float64, decimals int) string {
	lo, hi := slices.Min(xs), slices.Max(xs)
	if fmt.Sprintf("%.*f", decimals, lo) == fmt.Sprintf("%.*f", decimals, hi) {
		return fmt.Sprintf("%.*f", decimals, lo)
	}
	return fmt.Sprintf("%.*f–%.*f", decimals, lo, decimals, hi)
}
