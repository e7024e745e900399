package place

import "testing"

func TestCheckGrowth(t *testing.T) {
	from := Size{Width: 10, Height: 8}
	for _, c := range []struct {
		to Size
		ok bool
	}{
		{Size{12, 8}, true}, {Size{10, 9}, true}, {Size{MaxSide, MaxSide}, true},
		{Size{10, 8}, false}, {Size{9, 20}, false}, {Size{20, 7}, false},
		{Size{MaxSide + 1, 8}, false}, {Size{0, 0}, false},
	} {
		err := CheckGrowth(from, c.to)
		if (err == nil) != c.ok || (err != nil && ErrorCode(err) != EVALIDATION) {
			t.Errorf("CheckGrowth(%v, %v) = %v, want ok=%v", from, c.to, err, c.ok)
		}
	}
}

func TestRegrowAndCrop(t *testing.T) {
	from, to := Size{2, 2}, Size{3, 4}
	got := Regrow([]byte{1, 2, 3, 4}, from, to)
	want := []byte{1, 2, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0}
	if string(got) != string(want) {
		t.Fatalf("Regrow = %v, want %v", got, want)
	}
	if back := Crop(got, to, from); string(back) != string([]byte{1, 2, 3, 4}) {
		t.Errorf("Crop = %v, want the original", back)
	}
}

func TestSizeAt(t *testing.T) {
	gs := []Growth{{Seq: 5, From: Size{4, 4}, To: Size{8, 4}}, {Seq: 9, From: Size{8, 4}, To: Size{8, 8}}}
	first := FirstSize(Size{8, 8}, gs)
	for seq, want := range map[uint64]Size{0: {4, 4}, 5: {4, 4}, 6: {8, 4}, 9: {8, 4}, 10: {8, 8}, 100: {8, 8}} {
		if got := SizeAt(first, gs, seq); got != want {
			t.Errorf("SizeAt(%d) = %v, want %v", seq, got, want)
		}
	}
}
