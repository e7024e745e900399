// Package assets embeds the browser files (the JS canvas module, CSS and
// vendored libraries) and serves them under a content-hashed prefix so they
// can be cached forever.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"sort"
	"strings"
)

//go:embed js/*.js css vendor icons
var files embed.FS

// FS is the embedded asset tree.
var FS fs.FS = files

// Version is a hash of every embedded file; it changes whenever any asset
// changes, so relative ES module imports keep working under one prefix.
var Version = computeVersion()

// Prefix is the URL path under which the assets are served.
var Prefix = "/assets/" + Version + "/"

// URL returns the cache-busting URL of an asset, e.g. URL("js/app.js").
func URL(name string) string { return Prefix + strings.TrimPrefix(name, "/") }

func computeVersion() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(files, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Exists reports whether urlPath names an embedded file (not a directory)
// under the current Prefix, so that a miss can be answered like any other
// 404 of the server.
func Exists(urlPath string) bool {
	name, ok := strings.CutPrefix(urlPath, Prefix)
	if !ok || !fs.ValidPath(name) {
		return false
	}
	fi, err := fs.Stat(files, name)
	return err == nil && fi.Mode().IsRegular()
}

// Handler serves the assets found under Prefix with immutable caching; a
// request for another version is answered 404 so stale pages reload.
func Handler() http.Handler {
	fileServer := http.FileServer(http.FS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if !ok || name == "" || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		fileServer.ServeHTTP(w, r2)
	})
}
