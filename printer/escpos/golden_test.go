package escpos_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/escpos"
	"github.com/termd/termd/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// seedJob is the 900091 example of the terminal document.
const seedJob = `{ "fontFamily": "Noto Sans Korean", "alert": true, "commands": [ { "command": "logo" }, { "command": "line" }, { "command": "cuttingLine" }, { "command": "br" }, { "command": "left", "fontSize": 20, "message": [ "left test 20px" ] }, { "command": "right", "fontSize": 20, "message": [ "right test 20px" ] }, { "command": "text2", "fontSize": 10, "message": [ "one", "two" ] }, { "command": "text3", "fontSize": 10, "message": [ "one", "two", "three" ] } ] }`

func decodeJob(t testing.TB, body string) *protocol.PrintRequest {
	t.Helper()
	req, err := protocol.DecodeRequest(protocol.CodePrint, []byte(body), "")
	if err != nil {
		t.Fatalf("job %s: %v", body, err)
	}
	return req.(*protocol.PrintRequest)
}

func cmd(name string, size int, msg ...string) protocol.PrintCommand {
	return protocol.PrintCommand{Command: name, FontSize: size, Message: msg}
}

var (
	korean42 = strings.Repeat("가", 21)         // exactly 42 columns
	mixed42  = "합계 " + strings.Repeat("A", 37) // 5 + 37 = 42
	mixed43  = "A" + strings.Repeat("한", 21)   // the last pair does not fit
	long     = strings.Repeat("영수증 테스트 ", 12)  // wraps at every size
)

var goldens = []struct {
	name    string
	columns int
	buzzer  []byte
	job     *protocol.PrintRequest
}{
	{name: "commands", job: &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		cmd("logo", 0), cmd("line", 0), cmd("br", 0), cmd("left", 0, "left"), cmd("right", 0, "right"),
		cmd("text2", 0, "two", "columns"), cmd("text3", 0, "three", "mid", "cols"), cmd("cuttingLine", 0),
	}}},
	{name: "sizes", job: &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		cmd("left", 0, "absent"), cmd("left", 19, "19px"), cmd("left", 20, "20px"), cmd("right", 29, "29px"),
		cmd("right", 30, "30px"), cmd("left", 100, "100px"), cmd("text2", 24, "크게", "2배"), cmd("line", 30),
	}}},
	{name: "width-edge", job: &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		cmd("left", 0, korean42, mixed42, mixed43), cmd("right", 0, korean42, mixed43),
		cmd("left", 20, korean42), cmd("right", 30, mixed42),
	}}},
	{name: "wrapping", job: &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		cmd("left", 0, long), cmd("right", 20, long), cmd("left", 30, long),
	}}},
	{name: "columns-cut", job: &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		cmd("text2", 0, korean42, "12,000원"), cmd("text3", 0, "아메리카노 아이스", "x12", "1,234,000"),
		cmd("text3", 30, "라떼", "2", "9,000"),
	}}},
	{name: "narrow-32", columns: 32, job: &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		cmd("line", 0), cmd("cuttingLine", 0), cmd("left", 20, long), cmd("text3", 0, "a", "b", "c"),
	}}},
	{name: "alert-custom-buzzer", buzzer: []byte{0x1b, 0x28, 0x41, 4, 0, 48, 51, 3, 10}, job: &protocol.PrintRequest{Alert: true, Commands: []protocol.PrintCommand{cmd("left", 0, "삐")}}},
	{name: "hostile-text", job: &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		cmd("left", 0, "cut\x1dV\x42\x00here\x1bp\x00\x19\xfa", "emoji 😀 and ½ and \u00a0", "tab\there\r\n"),
	}}},
}

func TestGolden(t *testing.T) {
	cases := append(goldens[:len(goldens):len(goldens)], struct {
		name    string
		columns int
		buzzer  []byte
		job     *protocol.PrintRequest
	}{name: "seed-900091", job: decodeJob(t, seedJob)})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := protocol.DecodeRequest(protocol.CodePrint, mustJSON(t, c.job), ""); err != nil {
				t.Fatalf("not a valid job: %v", err)
			}
			got := escpos.Encoder{Buzzer: c.buzzer}.Append(nil, printer.Layout(c.job, c.columns))
			compareGolden(t, filepath.Join("testdata", c.name+".golden"), dump(got))
		})
	}
}

// dump shows bytes one line per LF: printable ASCII as it is, every other
// byte (commands, CP949 pairs, the LF itself) as \xNN, so a golden file is
// exact and still readable.
func dump(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		i := bytes.IndexByte(b, escpos.LF)
		if i < 0 {
			i = len(b) - 1
		}
		for _, c := range b[:i+1] {
			if c >= 0x20 && c < 0x7f && c != '\\' {
				out.WriteByte(c)
			} else {
				fmt.Fprintf(&out, "\\x%02x", c)
			}
		}
		out.WriteByte('\n')
		b = b[i+1:]
	}
	return out.Bytes()
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
