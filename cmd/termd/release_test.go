package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestReleaseScriptDryRun: scripts/release.sh builds every shop platform
// with the version stamped and packs each with the example configuration
// and INSTALL.txt. The real build of one platform runs in .ci/run, whose
// browser test then drives that very binary.
func TestReleaseScriptDryRun(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	desc, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	version := strings.TrimSpace(string(desc))
	out, err := exec.Command("bash", "../../scripts/release.sh", "--dry-run").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	text := string(out)
	ldflags := `-trimpath -ldflags -s\ -w\ -X\ main.version=` + version + " "
	for _, target := range []string{"windows-amd64", "windows-arm64", "linux-amd64", "linux-arm64"} {
		name := "termd-" + version + "-" + target
		goos, goarch, _ := strings.Cut(target, "-")
		ext, archive := "", name+".tar.gz"
		if goos == "windows" {
			ext, archive = ".exe", name+".zip"
		}
		for _, want := range []string{
			"CGO_ENABLED=0 GOOS=" + goos + " GOARCH=" + goarch + " go build " + ldflags + "-o dist/" + name + "/termd" + ext + " ./cmd/termd",
			"-o dist/" + name + "/termctl" + ext + " ./cmd/termctl",
			"dist/" + name + "/termd.example.yaml",
			"dist/" + name + "/INSTALL.txt",
			archive,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the dry run lacks %q", target, want)
			}
		}
	}
	if t.Failed() {
		t.Log(text)
	}
	if out, err := exec.Command("bash", "../../scripts/release.sh", "--dry-run", "--only", "darwin/arm64").CombinedOutput(); err == nil {
		t.Errorf("an unknown platform must fail:\n%s", out)
	}
}
