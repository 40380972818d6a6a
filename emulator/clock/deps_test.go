package clock

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: both the emulator and the daemon import this package,
// so it imports nothing of termd.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg != "github.com/termd/termd/emulator/clock" {
			t.Errorf("clock depends on %s; only the standard library is allowed", pkg)
		}
	}
}
