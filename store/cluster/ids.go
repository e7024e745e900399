package cluster

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomID returns a random lower-case identifier of about 8*n/5 characters.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return idEncoding.EncodeToString(b)
}

// streamID is the stream entry id of a seq.
func streamID(seq uint64) string { return strconv.FormatUint(seq, 10) + "-1" }

// seqOf parses the seq out of a stream entry id.
func seqOf(id string) (uint64, error) {
	if i := strings.IndexByte(id, '-'); i >= 0 {
		id = id[:i]
	}
	return strconv.ParseUint(id, 10, 64)
}
