package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kardianos/service"
)

// runInstalled runs the test binary as if it were installed for good: the
// test binary lives in the temporary folder, which install refuses, so the
// temporary folder is pointed elsewhere for this run.
func runInstalled(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(t.TempDir(), "elsewhere"))
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	return string(out), err
}

// A go run / go test build is refused, dry run included, with the fix.
func TestServiceInstallRefusesATemporaryBuild(t *testing.T) {
	out, err := runBinary("service", "install", "--dry-run", "--config", shopConfig(t))
	if err == nil || !strings.Contains(out, "temporary build") || !strings.Contains(out, "build a release first") || !strings.Contains(out, binary) {
		t.Fatalf("installing the test binary (in %s): %v\n%s", os.TempDir(), err, out)
	}
}

func TestTemporaryBuild(t *testing.T) {
	cache, _ := os.UserCacheDir()
	t.Setenv("GOCACHE", "/srv/gocache")
	for exe, temporary := range map[string]bool{
		"/usr/local/bin/termd":                          false,
		"/opt/termd/termd":                              false,
		`C:\Program Files\termd\termd.exe`:              false,
		"/home/me/go-builder/termd":                     true, // any go-build* folder
		"/tmp/go-build1234/b001/exe/termd":              true,
		filepath.Join(os.TempDir(), "x", "termd"):       true,
		filepath.Join(cache, "go-build", "ab", "termd"): true,
		"/srv/gocache/xx/termd":                         true,
		"/srv/gocache-not/termd":                        false,
	} {
		if got := temporaryBuild(exe) != ""; got != temporary {
			t.Errorf("temporaryBuild(%q) = %q, want temporary %v", exe, temporaryBuild(exe), temporary)
		}
	}
}

func testServiceConfig(t *testing.T) *service.Config {
	sc, err := serviceConfig("")
	if err != nil {
		t.Fatal(err)
	}
	sc.Arguments = append(sc.Arguments, "--config", "/etc/termd/my shop's 100%.yaml")
	return sc
}

// The SysV script is valid sh, runs the binary with the arguments intact,
// and holds nothing kardianos/service would read as a template action.
func TestSysvScript(t *testing.T) {
	sc := testServiceConfig(t)
	path, script, err := serviceFiles("unix-systemv", "/opt/termd/termd", sc)
	if err != nil || path != "/etc/init.d/termd" {
		t.Fatalf("%s %v", path, err)
	}
	want := `'/opt/termd/termd' 'run' '--config' '/etc/termd/my shop'\''s 100%.yaml' >>"$errlog" 2>&1 &`
	if !strings.Contains(script, want) || strings.Contains(script, "{{") {
		t.Fatalf("script lacks %s:\n%s", want, script)
	}
	file := filepath.Join(t.TempDir(), "termd")
	os.WriteFile(file, []byte(script), 0o755)
	if out, err := exec.Command("sh", "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("sh -n: %v\n%s", err, out)
	}
}

func TestSystemdUnit(t *testing.T) {
	sc := testServiceConfig(t)
	path, unit, err := serviceFiles("linux-systemd", "/opt/termd/termd", sc)
	if err != nil || path != "/etc/systemd/system/termd.service" {
		t.Fatalf("%s %v", path, err)
	}
	for _, want := range []string{
		`ExecStart=/opt/termd/termd run --config "/etc/termd/my shop's 100%%.yaml"` + "\n",
		"Restart=always\n", "After=network.target\n", "WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	if _, _, err := serviceFiles("linux-systemd", "/opt/{{x}}/termd", sc); err == nil {
		t.Error(`a path with "{{" must be refused`)
	}
}

// On Windows the service restarts after a failure and has no
// dependencies (a systemd "After=" there would keep it from starting).
func TestWindowsSettings(t *testing.T) {
	sc := testServiceConfig(t)
	if len(sc.Dependencies) != 0 {
		t.Fatalf("dependencies %q", sc.Dependencies)
	}
	got := windowsSettings(`C:\termd\termd.exe`, sc)
	for _, want := range []string{`C:\termd\termd.exe run --config`, "automatic", "restart after 5s", "name:          termd"} {
		if !strings.Contains(got, want) {
			t.Errorf("settings lack %q:\n%s", want, got)
		}
	}
}
