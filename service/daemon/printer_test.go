package daemon

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/config"
	"github.com/termd/termd/service/posclient"
)

const seedPrint = `{ "fontFamily": "Noto Sans Korean", "alert": true, "commands": [ { "command": "logo" }, { "command": "line" }, { "command": "cuttingLine" }, { "command": "br" }, { "command": "left", "fontSize": 20, "message": [ "left test 20px" ] }, { "command": "right", "fontSize": 20, "message": [ "right test 20px" ] }, { "command": "text2", "fontSize": 10, "message": [ "one", "two" ] }, { "command": "text3", "fontSize": 10, "message": [ "one", "two", "three" ] } ] }`

// startEmulated runs a daemon with the emulated terminal and printer.
func startEmulated(t *testing.T, change func(*config.Config)) (*Daemon, *posclient.Conn) {
	t.Helper()
	cfg := config.Default()
	cfg.Listen.TCP, cfg.Listen.WS = "127.0.0.1:0", ""
	cfg.DataDir = t.TempDir()
	cfg.Emulator.Control = ""
	if change != nil {
		change(&cfg)
	}
	d, err := New(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, nil) }()
	c := dial(t, d.TCPAddr().String())
	t.Cleanup(func() {
		c.Close()
		cancel()
		<-done
	})
	return d, c
}

func printJob(t *testing.T, c *posclient.Conn, body string) (code, msg string) {
	t.Helper()
	f, err := c.Exchange(protocol.Frame{Code: protocol.CodePrint, Body: []byte(body)}, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ ResultCode, ResultMessage string }
	json.Unmarshal(f.Body, &r)
	return r.ResultCode, r.ResultMessage
}

// TestPrintThroughTheDriverToTheEmulatedPrinter: in emulator mode a POS's
// print job goes through the real ESC/POS driver, down a pipe, into the
// emulated printer, which reads back the seed's lines.
func TestPrintThroughTheDriverToTheEmulatedPrinter(t *testing.T) {
	d, c := startEmulated(t, nil)
	if code, msg := printJob(t, c, seedPrint); code != "0000" || msg != "프린트 정상 출력" {
		t.Fatalf("print: %s %s", code, msg)
	}
	jobs := d.emu.Printer().Jobs()
	if len(jobs) != 2 || !strings.Contains(jobs[1].Text, "r i g h t   t e s t   2 0 p x") || !jobs[0].Alert {
		t.Fatalf("emulated printer has %+v", jobs)
	}
}

// TestPrinterStatusReachesThePOS: paper out, cover open and a printer that
// does not answer give 9008 with fixed text, and nothing is printed.
func TestPrinterStatusReachesThePOS(t *testing.T) {
	d, c := startEmulated(t, nil)
	prn := d.emu.Printer()
	for _, tc := range []struct {
		st  emulator.PrinterStatus
		msg string
	}{
		{emulator.PrinterStatus{PaperOut: true}, "용지 없음"},
		{emulator.PrinterStatus{CoverOpen: true}, "프린터 덮개 열림"},
		{emulator.PrinterStatus{Offline: true}, "프린터 응답 없음"},
	} {
		prn.SetStatus(tc.st)
		start := time.Now()
		if code, msg := printJob(t, c, seedPrint); code != protocol.ResultPrinter || msg != tc.msg {
			t.Errorf("%+v: %s %s, want 9008 %s", tc.st, code, msg, tc.msg)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%+v: answered after %v", tc.st, took)
		}
	}
	if n := prn.Counters().JobBytes; n != 0 {
		t.Errorf("%d job bytes printed while the printer could not print", n)
	}
}

// TestPrinterNone: with printer.kind none a job is answered 9008.
func TestPrinterNone(t *testing.T) {
	_, c := startEmulated(t, func(c *config.Config) { c.Printer.Kind = "none" })
	if code, _ := printJob(t, c, seedPrint); code != protocol.ResultPrinter {
		t.Fatalf("print with no printer: %s", code)
	}
}
