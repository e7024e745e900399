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
	if len(base) > 0 {
		if call, entry, ok := fitCalls(results, baseline, mean(base)); ok {
			fmt.Fprintf(w, "readers' share, least squares over the windows with readers: %.2f µs per XREAD call + %.2f µs per placement delivered to a reader\n", call, entry)
			fmt.Fprintf(w, "  (a reader that gets each placement in an XREAD of its own costs Redis %.2f µs per placement)\n", call+entry)
		}
	}
}

// fitCalls splits the readers' share of Redis's CPU (a window's CPU less
// its round's baseline per placement) into a cost per XREAD call and a
// cost per placement delivered to one reader, by least squares without an
// intercept over the windows with readers.
func fitCalls(results []result, baseline map[int]float64, fallback float64) (call, entry float64, ok bool) {
	var s11, s12, s22, s1y, s2y float64
	var n int
	for _, r := range results {
		if r.readers == 0 || r.xreadCalls == 0 {
			continue
		}
		b, found := baseline[r.round]
		if !found {
			b = fallback
		}
		y := r.cpu*1e6 - b*float64(r.placements)
		x1, x2 := float64(r.xreadCalls), float64(r.placements)*float64(r.readers)
		s11 += x1 * x1
		s12 += x1 * x2
		s22 += x2 * x2
		s1y += x1 * y
		s2y += x2 * y
		n++
	}
	d := s11*s22 - s12*s12
	if n < 2 || d == 0 {
		return 0, 0, false
	}
	return (s1y*s22 - s2y*s12) / d, (s2y*s11 - s1y*s12) / d, true
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
