package realtime_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/realtime"
)

func TestPlaceCarriesAProof(t *testing.T) {
	m, err := realtime.DecodeClientMessage([]byte(`{"type":"place","x":1,"y":2,"color":3,"requestId":"r","proof":"abc:17"}`))
	if err != nil || m.Proof != "abc:17" || m.X != 1 || m.RequestID != "r" {
		t.Fatalf("decoded %+v, %v", m, err)
	}
	for _, bad := range []string{
		`{"type":"place","x":1,"y":2,"color":3,"requestId":"r","proof":17}`,
		`{"type":"place","x":1,"y":2,"color":3,"requestId":"r","proof":"` + strings.Repeat("a", realtime.MaxProofLen+1) + `"}`,
	} {
		m, err := realtime.DecodeClientMessage([]byte(bad))
		if place.ErrorCode(err) != place.EINVALIDMESSAGE || m.RequestID != "r" {
			t.Errorf("%.80s: %v (requestId %q), want INVALID_MESSAGE with the requestId", bad, err, m.RequestID)
		}
	}
}

func TestSuccessWithChallengeIsJSON(t *testing.T) {
	b := realtime.EncodeSuccessWithChallenge("r1", place.Charges{NextPlacement: time.UnixMilli(5000)}, time.UnixMilli(1000), fairplay.Challenge{Token: "tok", Bits: 12})
	var v struct {
		Type          string             `json:"type"`
		RequestID     string             `json:"requestId"`
		NextPlacement int64              `json:"nextPlacement"`
		Challenge     fairplay.Challenge `json:"challenge"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Type != "success" || v.RequestID != "r1" || v.NextPlacement != 5000 || v.Challenge.Token != "tok" || v.Challenge.Bits != 12 {
		t.Fatalf("%s: %+v %v", b, v, err)
	}
}
