//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

const seedPrint = `{ "fontFamily": "Noto Sans Korean", "alert": true, "commands": [ { "command": "logo" }, { "command": "line" }, { "command": "cuttingLine" }, { "command": "br" }, { "command": "left", "fontSize": 20, "message": [ "left test 20px" ] }, { "command": "right", "fontSize": 20, "message": [ "right test 20px" ] }, { "command": "text2", "fontSize": 10, "message": [ "one", "two" ] }, { "command": "text3", "fontSize": 10, "message": [ "one", "two", "three" ] } ] }`

// startSerialPrinter runs termd emulate-printer on one end of a serial
// line and termd (printer.kind serial, emulated terminal) on the other.
func startSerialPrinter(t *testing.T, printerFlags ...string) (*proc, *serialLine, *proc, string) {
	t.Helper()
	line := newSerialLine(t)
	out := t.TempDir()
	prn := startProc(t, append([]string{"emulate-printer", "--port=" + line.terminalPort, "--out=" + out, "--log.level=debug"}, printerFlags...))
	prn.waitLog("serving the serial line", 1)
	d := startDaemon(t, "", append([]string{"--printer.kind=serial", "--printer.port=" + line.daemonPort}, fast...)...)
	return d, line, prn, out
}

// TestE2EPrintOverSerial: a POS's print job travels termd → serial line →
// termd emulate-printer, which renders the seed example's lines.
func TestE2EPrintOverSerial(t *testing.T) {
	d, _, prn, out := startSerialPrinter(t)
	d.waitLog("printer found", 1)
	p := d.client("tcp")
	if r := p.call(protocol.CodePrint, seedPrint); r.ResultCode != "0000" || r.ResultMessage != "프린트 정상 출력" {
		t.Fatalf("print: %s %s", r.ResultCode, r.ResultMessage)
	}
	prn.waitLog("receipt printed", 2) // the seed's tear line cuts the paper once, the job's end again
	first, second := readFile(t, filepath.Join(out, "receipt-0001.txt")), readFile(t, filepath.Join(out, "receipt-0002.txt"))
	for _, want := range []string{"[LOGO]", strings.Repeat("-", 42), "- - - - -"} {
		if !strings.Contains(first, want) {
			t.Errorf("first piece lacks %q:\n%s", want, first)
		}
	}
	for _, want := range []string{"l e f t   t e s t   2 0 p x", "r i g h t   t e s t   2 0 p x", "one                                    two", "one                two               three"} {
		if !strings.Contains(second, want) {
			t.Errorf("second piece lacks %q:\n%s", want, second)
		}
	}
	if svg := readFile(t, filepath.Join(out, "receipt-0002.svg")); !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, ">t<") {
		t.Errorf("no picture of the paper: %.200s", svg)
	}
	if strings.Contains(prn.logText(), "not understood") {
		t.Errorf("the emulated printer did not understand termd's bytes:\n%s", prn.logText())
	}
}

// TestE2EPrinterPaperOut: paper out gives 9008 용지 없음 and nothing is
// printed; no reply gives 9008 within a second.
func TestE2EPrinterStatusOverSerial(t *testing.T) {
	for flag, msg := range map[string]string{"--paper-out": "용지 없음", "--cover-open": "프린터 덮개 열림", "--offline": "프린터 응답 없음"} {
		t.Run(flag, func(t *testing.T) {
			d, _, prn, out := startSerialPrinter(t, flag)
			d.waitLog("printer found", 1)
			p := d.client("ws")
			start := time.Now()
			if r := p.call(protocol.CodePrint, seedPrint); r.ResultCode != protocol.ResultPrinter || r.ResultMessage != msg {
				t.Fatalf("print: %s %s, want 9008 %s", r.ResultCode, r.ResultMessage, msg)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("9008 after %v", took)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 || strings.Contains(prn.logText(), "receipt printed") {
				t.Errorf("something printed: %v", entries)
			}
		})
	}
}

// TestE2EPrinterUnplugReplug: the printer's cable pulled and put back while
// idle; the next job prints.
func TestE2EPrinterUnplugReplug(t *testing.T) {
	d, line, prn, _ := startSerialPrinter(t)
	d.waitLog("printer found", 1)
	line.unplug()
	d.waitLog("printer link down", 1)
	line.plug()
	prn.waitLog("serving the serial line", 2) // the new cable, not the pulled one
	d.waitLog("printer found", 2)
	p := d.client("tcp")
	if r := p.call(protocol.CodePrint, seedPrint); r.ResultCode != "0000" {
		t.Fatalf("print after replug: %s %s", r.ResultCode, r.ResultMessage)
	}
	prn.waitLog("receipt printed", 2)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
