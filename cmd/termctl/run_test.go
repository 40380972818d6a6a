package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The run tests start the real termd binary, built once, as a QA engineer
// does: termctl run --termd BINARY FILE.

var (
	buildOnce sync.Once
	termdBin  string
	buildErr  error
)

func termdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "termctl-run")
		if err != nil {
			buildErr = err
			return
		}
		termdBin = filepath.Join(dir, "termd")
		out, err := exec.Command("go", "build", "-o", termdBin, "../termd").CombinedOutput()
		if err != nil {
			buildErr = &buildError{string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("building termd: %v", buildErr)
	}
	return termdBin
}

type buildError struct{ out string }

func (e *buildError) Error() string { return e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if termdBin != "" {
		os.RemoveAll(filepath.Dir(termdBin))
	}
	os.Exit(code)
}

func TestRunSignatureTimeoutAtExactly30sOfVirtualTime(t *testing.T) {
	bin := termdBinary(t)
	for _, transport := range []string{"tcp", "ws"} {
		out, errs, code := termctl("run", "--termd", bin, "--transport", transport, "testdata/sign30.yaml")
		if code != 0 || !strings.HasPrefix(out, "ok   testdata/sign30.yaml: the signature window closes") {
			t.Fatalf("%s: exit %d\n%s%s", transport, code, out, errs)
		}
	}
	// Not before: at 29.9 s the 9999 has not come.
	out, _, code := termctl("run", "--termd", bin, "testdata/sign-early.yaml")
	if code != 1 || !strings.Contains(out, "at testdata/sign-early.yaml:8 (expect)") || !strings.Contains(out, "nothing within 500ms") {
		t.Fatalf("exit %d, want 1 with nothing at 29.9 s:\n%s", code, out)
	}
}

func TestRunAWrongExpectationExits1WithAJUnitFailure(t *testing.T) {
	bin := termdBinary(t)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	out, errs, code := termctl("run", "--termd", bin, "--junit", junit, "testdata/sign-early.yaml", "testdata/sign30.yaml")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{"FAIL testdata/sign-early.yaml", "expected: code 010010, resultCode 9999 on pos", "last frames on pos:", "ok   testdata/sign30.yaml", "2 scenarios run, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Body    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("junit: %v\n%s", err, b)
	}
	if len(doc.Suites) != 2 || doc.Suites[0].Failures != 1 || doc.Suites[1].Failures != 0 {
		t.Fatalf("suites %+v", doc.Suites)
	}
	f := doc.Suites[0].Cases[0].Failure
	if f == nil || !strings.HasPrefix(f.Message, "testdata/sign-early.yaml:8 expect") || !strings.Contains(f.Body, "> 00") {
		t.Fatalf("failure %+v", f)
	}
}

func TestRunABadFileExits2WithFileAndLine(t *testing.T) {
	_, errs, code := termctl("run", "--termd", "/nonexistent", "testdata/sign30.yaml", "testdata/broken.yaml")
	if code != 2 || !strings.Contains(errs, `testdata/broken.yaml:5: a step has no key "expcet"`) {
		t.Fatalf("exit %d, want 2 with file:line\n%s", code, errs)
	}
	if _, errs, code := termctl("run", "--transport", "udp", "testdata/sign30.yaml"); code != 2 || !strings.Contains(errs, "--transport") {
		t.Fatalf("bad transport: exit %d\n%s", code, errs)
	}
}

func TestRunAConfigTermdRefusesFailsNamingTheKey(t *testing.T) {
	out, _, code := termctl("run", "--termd", termdBinary(t), "testdata/bad-clock.yaml")
	if code != 1 || !strings.Contains(out, "exited at start") || !strings.Contains(out, "emulator.clock") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestRunList(t *testing.T) {
	out, _, code := termctl("run", "--list", "testdata/sign30.yaml", "../../scripts/scenarios")
	if code != 0 || !strings.Contains(out, "testdata/sign30.yaml:2: the signature window closes at exactly 30 s of virtual time (7 steps)") ||
		!strings.Contains(out, "scripts/scenarios/timeouts.yaml") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// The examples in the docs run as written.
func TestDocExamplesRun(t *testing.T) {
	bin := termdBinary(t)
	dir := t.TempDir()
	var files []string
	for _, doc := range []string{"../../README.md", "../../scripts/scenarios/README.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, block := range strings.Split(string(b), "```yaml\n")[1:] {
			p := filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", filepath.Base(filepath.Dir(doc)), i))
			if err := os.WriteFile(p, []byte(block[:strings.Index(block, "```")]), 0o600); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
	}
	if len(files) < 2 {
		t.Fatalf("found %d examples", len(files))
	}
	if out, errs, code := termctl(append([]string{"run", "--termd", bin}, files...)...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}
