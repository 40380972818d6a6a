package protocol

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The protocol reference (README.md) shows frames a POS developer will copy.
// Each one must be a real frame: its length right in bytes, its body JSON
// that meets asyncapi.yaml, its code one termd uses. And the reference must
// cover every code.

var readmeFrame = regexp.MustCompile(`^[0-9]{10}`)

func TestReadmeFramesAreReal(t *testing.T) {
	c := loadContract(t)
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	inCode, n, line := false, 0, 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "```") {
			inCode = !inCode
			continue
		}
		if !inCode || !readmeFrame.MatchString(text) {
			continue
		}
		n++
		fr, err := Parse([]byte(text))
		if err != nil {
			t.Errorf("README.md:%d: %v", line, err)
			continue
		}
		if _, ok := Lookup(fr.Code); !ok && fr.Code != CodeFrameError && fr.Code != CodeAuth {
			t.Errorf("README.md:%d: code %s is not one termd uses", line, fr.Code)
			continue
		}
		req, whyReq := c.validate(t, fr.Code, fr.Body, false)
		ans, whyAns := c.validate(t, fr.Code, fr.Body, true)
		if req == "" && ans == "" {
			t.Errorf("README.md:%d: frame meets neither a request nor an answer of asyncapi.yaml:\n%s\n%s", line, whyReq, whyAns)
		}
	}
	if n < 30 {
		t.Errorf("found %d frames in README.md; the parser of this test may be broken", n)
	}
}

func TestReadmeCoversEveryCode(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, code := range append(Codes(), CodeFrameError, CodeAuth) {
		if !strings.Contains(doc, "| [`"+string(code)+"`](#") {
			t.Errorf("README.md: code %s is not in the table of messages", code)
		}
		if !readmeHasFrame(doc, code) {
			t.Errorf("README.md: no example frame of code %s", code)
		}
	}
	for _, rc := range []string{ResultOK, ResultProcessing, ResultSignWait, ResultUnable, ResultFailed, ResultBusy, ResultInvalid,
		ResultUnsupported, ResultDevice, ResultDeclined, ResultNoOriginal, ResultDuplicate, ResultPrinter, ResultReversed} {
		if !strings.Contains(doc, "| `"+rc+"` |") {
			t.Errorf("README.md: result code %s is not in the table of result codes", rc)
		}
	}
	if got := strings.Count(doc, "```mermaid"); got < 6 {
		t.Errorf("README.md has %d sequence diagrams, want the 6 sequences", got)
	}
	for _, cmd := range []string{PrintLogo, PrintLine, PrintCuttingLine, PrintBr, PrintLeft, PrintRight, PrintText2, PrintText3} {
		if !strings.Contains(doc, "| `"+cmd+"` |") {
			t.Errorf("README.md: print command %s is not in the table of print commands", cmd)
		}
	}
}

// readmeHasFrame reports whether a line of doc starts with a frame of code.
func readmeHasFrame(doc string, code Code) bool {
	for _, l := range strings.Split(doc, "\n") {
		l = strings.TrimSpace(l)
		if len(l) >= HeaderSize && readmeFrame.MatchString(l) && Code(l[LenDigits:HeaderSize]) == code {
			return true
		}
	}
	return false
}
