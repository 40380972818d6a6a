package scenario

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the runner speaks to termd only as a POS and a person
// do, so it must not reach into the daemon's insides.
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
		if strings.HasPrefix(pkg, "github.com/termd/termd/") && !strings.HasPrefix(pkg, "github.com/termd/termd/protocol") &&
			pkg != "github.com/termd/termd/service/posclient" && pkg != "github.com/termd/termd/service/scenario" {
			t.Errorf("scenario depends on %s; only protocol and service/posclient are allowed", pkg)
		}
	}
}
