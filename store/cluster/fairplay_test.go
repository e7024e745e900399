package cluster_test

import (
	"context"
	"testing"

	"github.com/placecanvas/place/store/storetest"
)

func TestSecretIsSharedByInstances(t *testing.T) {
	e := newEnv(t)
	a := mustOpen(t, e.options(storetest.DefaultConfig))
	b := mustOpen(t, e.options(storetest.DefaultConfig))
	va, err := a.Secrets.Secret(context.Background(), "device-cookie", 32)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := b.Secrets.Secret(context.Background(), "device-cookie", 32)
	if err != nil || string(va) != string(vb) {
		t.Fatalf("two instances got %x and %x (%v)", va, vb, err)
	}
}
