package protocol

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the codec at the bottom of the layout: protocol may
// import the standard library and golang.org/x/text (EUC-KR), nothing else.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const self = "github.com/termd/termd/protocol"
	var sawSelf bool
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case pkg == self:
			sawSelf = true
		case pkg == "golang.org/x/text" || strings.HasPrefix(pkg, "golang.org/x/text/"):
		default:
			t.Errorf("protocol depends on %s; only the standard library and golang.org/x/text are allowed", pkg)
		}
	}
	if !sawSelf {
		t.Fatalf("go list did not list %s itself; output:\n%s", self, out)
	}
}
