package timetravel

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"

	"github.com/placecanvas/place"
)

// CSVHeader is the first line of the history export; CSVPublicHeader is
// the header of the export without user hashes.
const (
	CSVHeader       = "seq,time_ms,user,x,y,color,kind"
	CSVPublicHeader = "seq,time_ms,x,y,color,kind"
)

// UserHasher turns a user id into a stable pseudonym: the first 12 bytes
// of HMAC-SHA256 keyed by the server's export salt, in hex. Without the
// salt, which never leaves the server, a hash cannot be traced to an id.
type UserHasher struct {
	salt  []byte
	cache map[string]string
}

// NewUserHasher returns a hasher keyed by salt.
func NewUserHasher(salt []byte) *UserHasher {
	return &UserHasher{salt: salt, cache: make(map[string]string)}
}

// Hash returns the pseudonym of a user id.
func (h *UserHasher) Hash(userID string) string {
	if v, ok := h.cache[userID]; ok {
		return v
	}
	m := hmac.New(sha256.New, h.salt)
	m.Write([]byte(userID))
	v := hex.EncodeToString(m.Sum(nil)[:12])
	if len(h.cache) >= 1<<20 { // bounded: memory does not grow with history
		clear(h.cache)
	}
	h.cache[userID] = v
	return v
}

// WriteCSV streams the placements with seq ≤ upto as gzipped CSV, one
// batch in memory at a time. With users nil the user column is left out.
func WriteCSV(ctx context.Context, w io.Writer, a place.Archive, upto uint64, users *UserHasher) error {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	bw := bufio.NewWriterSize(zw, 64<<10)
	header := CSVPublicHeader
	if users != nil {
		header = CSVHeader
	}
	bw.WriteString(header + "\n")
	line := make([]byte, 0, 128)
	err := a.PlacementRange(ctx, 0, upto, func(ps []place.Placement) error {
		for _, p := range ps {
			line = strconv.AppendUint(line[:0], p.Seq, 10)
			line = append(line, ',')
			line = strconv.AppendInt(line, p.At.UnixMilli(), 10)
			line = append(line, ',')
			if users != nil {
				line = append(line, users.Hash(p.UserID)...)
				line = append(line, ',')
			}
			line = strconv.AppendInt(line, int64(p.X), 10)
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(p.Y), 10)
			line = append(line, ',')
			line = strconv.AppendUint(line, uint64(p.Color), 10)
			line = append(line, ',')
			line = append(line, p.Kind()...)
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
