package views

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestURLPartsBreakAtSlashes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"https://place.example.org:8443/join/ROOM-42", []string{"https://", "place.example.org:8443", "/join", "/ROOM-42"}},
		{"http://localhost:8080/", []string{"http://", "localhost:8080", "/"}},
		{"place.example", []string{"place.example"}},
		{"", nil},
	} {
		got := urlParts(tc.in)
		if !slices.Equal(got, tc.want) || strings.Join(got, "") != tc.in {
			t.Errorf("urlParts(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestScreenJoinWrapsBetweenParts: the caption offers a line break after
// each part of the address, so a browser never needs to cut a word.
func TestScreenJoinWrapsBetweenParts(t *testing.T) {
	var b strings.Builder
	if err := ScreenJoin(JoinInfo{URL: "https://place.example.org/join/ROOM-42", QR: "/join/qr.svg"}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "https://<wbr>place.example.org<wbr>/join<wbr>/ROOM-42<wbr>") {
		t.Errorf("join caption: %s", b.String())
	}
}

// TestChartEndLabelsStayInside: the last x label ends at its tick and the
// first starts at its own, so neither is clipped by the chart's edge.
func TestChartEndLabelsStayInside(t *testing.T) {
	var b strings.Builder
	c := Chart{XTicks: []Tick{{Pos: 56, Label: "14:00"}, {Pos: 420, Label: "14:30"}, {Pos: 784, Label: "15:00"}}, YTicks: []Tick{{Pos: 20, Label: "9"}}}
	if err := rateChart(c).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`text-anchor="start">14:00<`, `text-anchor="middle">14:30<`, `text-anchor="end">15:00<`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("chart lacks %s:\n%s", want, b.String())
		}
	}
}
