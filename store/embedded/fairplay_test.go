package embedded_test

import (
	"context"
	"testing"

	"github.com/placecanvas/place/store/storetest"
)

func TestSecretSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, storetest.DefaultConfig)
	first, err := s.Secrets.Secret(context.Background(), "device-cookie", 32)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir, storetest.DefaultConfig)
	defer s.Close()
	again, err := s.Secrets.Secret(context.Background(), "device-cookie", 32)
	if err != nil || string(again) != string(first) {
		t.Fatalf("after a restart the secret is %x (%v), was %x", again, err, first)
	}
}
