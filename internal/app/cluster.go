package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/placecanvas/place"
)

func openCluster(ctx context.Context, c Config, log *slog.Logger) (place.Store, error) {
	return nil, errors.New("cluster mode is not available yet")
}
