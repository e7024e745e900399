package views

import "strings"

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
