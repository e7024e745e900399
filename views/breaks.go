package views

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/placecanvas/place"
)

// tickAnchor keeps a chart's end labels inside it: the first starts at its
// tick, the last ends there, the others are centred.
func tickAnchor(i, n int) string {
	switch {
	case n > 1 && i == 0:
		return "start"
	case n > 1 && i == n-1:
		return "end"
	}
	return "middle"
}

// urlParts cuts an address where a line may break: after the scheme's
// "//" and before each later "/", so that a narrow caption wraps between
// parts and never inside a word.
func urlParts(u string) []string {
	var parts []string
	rest := u
	if i := strings.Index(rest, "//"); i >= 0 {
		parts = append(parts, rest[:i+2])
		rest = rest[i+2:]
	}
	for rest != "" {
		j := strings.Index(rest[1:], "/")
		if j < 0 {
			parts = append(parts, rest)
			break
		}
		parts = append(parts, rest[:j+1])
		rest = rest[j+1:]
	}
	return parts
}

// growWords says what a growth from now to to adds.
func growWords(now, to place.Size) string {
	cols, rows := to.Width-now.Width, to.Height-now.Height
	return "The canvas would grow from " + sizeText(now) + " to " + sizeText(to) + ": " +
		countWords(cols, "new column", "new columns") + " on the right and " + countWords(rows, "new row", "new rows") + " at the bottom."
}

func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// growFrameStyle is the preview's frame: the new size's shape.
func growFrameStyle(to place.Size) templ.SafeCSS {
	return templ.SafeCSS("aspect-ratio: " + strconv.Itoa(to.Width) + " / " + strconv.Itoa(to.Height) + ";")
}

// growImageStyle places the canvas now at the frame's top left, at its share of the new size.
func growImageStyle(now, to place.Size) templ.SafeCSS {
	w := strconv.FormatFloat(100*float64(now.Width)/float64(to.Width), 'f', 3, 64)
	h := strconv.FormatFloat(100*float64(now.Height)/float64(to.Height), 'f', 3, 64)
	return templ.SafeCSS("width: " + w + "%; height: " + h + "%;")
}
