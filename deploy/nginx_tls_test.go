package deploy_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/placecanvas/place/deploy"
	"github.com/placecanvas/place/internal/nginxtest"
	"github.com/placecanvas/place/internal/testenv"
)

// selfSigned writes a certificate for place.example.org and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "place.example.org"},
		DNSNames: []string{"place.example.org"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestNginxTLSConf runs deploy/nginx-tls.conf (its placeholders filled in)
// in front of a server that echoes what it receives: HTTPS is terminated
// and passed on as X-Forwarded-Proto https, WebSocket upgrades pass, plain
// HTTP redirects, /metrics stays private, and every proxy setting of the
// tested deploy/nginx.conf is kept.
func TestNginxTLSConf(t *testing.T) {
	nginx := testenv.LookPath(t, "nginx", "apt-get install nginx")
	tlsConf, err := os.ReadFile("nginx-tls.conf")
	if err != nil {
		t.Fatal(err)
	}
	// No drift: every directive of nginx.conf but its listen and name.
	for _, line := range strings.Split(deploy.NginxConf, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "listen ") || strings.HasPrefix(line, "server_name ") {
			continue
		}
		if !strings.Contains(string(tlsConf), line) {
			t.Errorf("deploy/nginx-tls.conf lacks %q of deploy/nginx.conf", line)
		}
	}

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"host": r.Host, "proto": r.Header.Get("X-Forwarded-Proto"),
			"upgrade": r.Header.Get("Upgrade"), "connection": r.Header.Get("Connection"), "for": r.Header.Get("X-Forwarded-For")})
	}))
	defer backend.Close()
	prefix := t.TempDir()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	certFile, keyFile, pool := selfSigned(t, prefix)
	httpsPort, httpPort := freePort(t), freePort(t)
	site := string(tlsConf)
	site = regexp.MustCompile(`(?m)^\s*server 127\.0\.0\.1:3001 .*\n`).ReplaceAllString(site, "")
	site = regexp.MustCompile(`server 127\.0\.0\.1:3000 `).ReplaceAllString(site, "server "+strings.TrimPrefix(backend.URL, "http://")+" ")
	site = regexp.MustCompile(`(?m)^\s*listen \[::\]:\d+.*\n`).ReplaceAllString(site, "")
	site = strings.Replace(site, "listen 443 ssl;", fmt.Sprintf("listen 127.0.0.1:%d ssl;", httpsPort), 1)
	site = strings.Replace(site, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", httpPort), 1)
	site = strings.Replace(site, "/etc/letsencrypt/live/place.example.org/fullchain.pem", certFile, 1)
	site = strings.Replace(site, "/etc/letsencrypt/live/place.example.org/privkey.pem", keyFile, 1)
	main := nginxtest.MainConfig(prefix, site, 64)
	confPath := filepath.Join(prefix, "nginx.conf")
	writeFile(t, confPath, []byte(main), 0o644)
	cmd := exec.Command(nginx, "-p", prefix, "-c", confPath, "-g", "daemon off;")
	out, _ := os.Create(filepath.Join(prefix, "logs", "stderr.log"))
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	https := fmt.Sprintf("127.0.0.1:%d", httpsPort)
	client := &http.Client{Timeout: 5 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "place.example.org"}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err = client.Get("https://" + https + "/")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(prefix, "logs", "stderr.log"))
			elog, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
			t.Fatalf("nginx with deploy/nginx-tls.conf does not answer: %v\n%s%s", err, logs, elog)
		}
		time.Sleep(50 * time.Millisecond)
	}
	seen := func(resp *http.Response) map[string]string {
		t.Helper()
		defer resp.Body.Close()
		var m map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("%s: %d, %v", resp.Request.URL, resp.StatusCode, err)
		}
		return m
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts == "" {
		t.Error("no Strict-Transport-Security header over HTTPS")
	}
	if m := seen(resp); m["proto"] != "https" || m["host"] != https || m["for"] != "127.0.0.1" {
		t.Errorf("the instance saw %v; want X-Forwarded-Proto https, the browser's Host and its address", m)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://"+https+"/ws", nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if m := seen(resp); m["upgrade"] != "websocket" || !strings.EqualFold(m["connection"], "upgrade") {
		t.Errorf("a WebSocket upgrade reached the instance as %v", m)
	}
	if resp, err = client.Get("https://" + https + "/metrics"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics through the public proxy: %d, want 404", resp.StatusCode)
	}
	resp, err = client.Get(fmt.Sprintf("http://127.0.0.1:%d/canvas?x=1", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || loc != "https://127.0.0.1/canvas?x=1" {
		t.Errorf("plain HTTP: %d to %q, want a 301 to HTTPS", resp.StatusCode, loc)
	}
}
