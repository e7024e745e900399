package deploy_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/placecanvas/place/internal/testenv"
)

// verifyUnit runs systemd-analyze verify on unit, installed as
// /etc/systemd/system/place.service in a scratch root that holds the
// machine's own unit files and an executable at /usr/local/bin/place (the
// unit's ExecStart), so that nothing outside the test's directory is read
// as the unit's environment or written.
func verifyUnit(t *testing.T, analyze string, unit []byte) (string, error) {
	t.Helper()
	root := t.TempDir()
	out, err := exec.Command(analyze, "unit-paths").Output()
	if err != nil {
		t.Fatalf("systemd-analyze unit-paths: %v", err)
	}
	for _, dir := range strings.Fields(string(out)) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // most listed directories do not exist
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue // symlinks point at absolute paths outside root
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			writeFile(t, filepath.Join(root, dir, e.Name()), b, 0o644)
		}
	}
	writeFile(t, filepath.Join(root, "usr/local/bin/place"), []byte("#!/bin/sh\n"), 0o755)
	writeFile(t, filepath.Join(root, "etc/systemd/system/place.service"), unit, 0o644)
	cmd := exec.Command(analyze, "verify", "--root="+root, "/etc/systemd/system/place.service")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err = cmd.Run()
	// Warnings do not change the exit code: anything said about our unit
	// is a failure too.
	var ours []string
	for _, line := range strings.Split(output.String(), "\n") {
		if strings.Contains(line, "place.service") || strings.Contains(line, "/usr/local/bin/place") {
			ours = append(ours, line)
		}
	}
	if err == nil && len(ours) > 0 {
		err = &exec.ExitError{}
	}
	return strings.Join(ours, "\n") + "\n" + output.String(), err
}

func writeFile(t *testing.T, path string, b []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
}

// TestSystemdUnitVerifies: deploy/place.service passes systemd-analyze
// verify, has what the README promises, and the check can fail.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze := testenv.LookPath(t, "systemd-analyze", "apt-get install systemd")
	unit, err := os.ReadFile("place.service")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := verifyUnit(t, analyze, unit); err != nil {
		t.Fatalf("systemd-analyze verify deploy/place.service: %v\n%s", err, out)
	}
	for _, want := range []string{"LimitNOFILE=", "Restart=on-failure", "KillSignal=SIGTERM", "EnvironmentFile=", "TimeoutStopSec=", "ExecStart=/usr/local/bin/place serve"} {
		if !bytes.Contains(unit, []byte("\n"+want)) {
			t.Errorf("deploy/place.service lacks %s", want)
		}
	}
	// The same check refuses a broken unit.
	broken := bytes.Replace(unit, []byte("Restart=on-failure"), []byte("Restart=sometimes"), 1)
	if _, err := verifyUnit(t, analyze, broken); err == nil {
		t.Error("systemd-analyze verify accepted Restart=sometimes: the check cannot fail")
	}
}
