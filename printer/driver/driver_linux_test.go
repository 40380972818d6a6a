//go:build linux

package driver_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/driver"
	"github.com/termd/termd/printer/escpos"
)

func printCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestPrintSeedJob: the seed's job reaches the printer whole, byte for
// byte what the encoder makes, and reads back as its lines.
func TestPrintSeedJob(t *testing.T) {
	r := newRig(t, driver.Options{})
	if err := r.drv.Print(printCtx(t), seedJob(t)); err != nil {
		t.Fatalf("Print: %v", err)
	}
	want := escpos.Encoder{}.Append(nil, printer.Layout(seedJob(t), 42))
	c := r.prn.Counters()
	if c.JobBytes != len(want) || c.Cuts != 2 || c.Beeps != 3 || len(c.Unknown) != 0 {
		t.Fatalf("printer counters %+v, want %d job bytes, 2 cuts, 3 beeps", c, len(want))
	}
	text := r.prn.Jobs()[1].Text
	for _, line := range []string{"l e f t   t e s t   2 0 p x", "one                two               three"} {
		if !strings.Contains(text, line) {
			t.Errorf("receipt lacks %q:\n%s", line, text)
		}
	}
}

// TestStatusRefusesTheJob: paper out, cover open and no reply each refuse
// the job with their error, and not one byte of it reaches the printer.
func TestStatusRefusesTheJob(t *testing.T) {
	cases := []struct {
		status emulator.PrinterStatus
		want   error
		msg    string
	}{
		{emulator.PrinterStatus{PaperOut: true}, printer.ErrPaperOut, "용지 없음"},
		{emulator.PrinterStatus{CoverOpen: true}, printer.ErrCoverOpen, "프린터 덮개 열림"},
		{emulator.PrinterStatus{Offline: true}, printer.ErrNoReply, "프린터 응답 없음"},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			r := newRig(t, driver.Options{Poll: time.Hour})
			r.prn.SetStatus(c.status)
			start := time.Now()
			err := r.drv.Print(printCtx(t), seedJob(t))
			if !errors.Is(err, c.want) || printer.Message(err) != c.msg {
				t.Fatalf("Print: %v (%q), want %v", err, printer.Message(err), c.want)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("the refusal took %v, want under 1 s", took)
			}
			if c := r.prn.Counters(); c.JobBytes != 0 || len(r.prn.Jobs()) != 0 {
				t.Errorf("%d job bytes reached the printer", c.JobBytes)
			}
			// Fixed: the next job prints.
			r.prn.SetStatus(emulator.PrinterStatus{})
			if err := r.drv.Print(printCtx(t), seedJob(t)); err != nil {
				t.Fatalf("after the fix: %v", err)
			}
		})
	}
}

// TestNearEndPrintsWithAWarning: paper near its end still prints, and the
// log says so.
func TestNearEndPrintsWithAWarning(t *testing.T) {
	r := newRig(t, driver.Options{})
	r.prn.SetStatus(emulator.PrinterStatus{NearEnd: true})
	if err := r.drv.Print(printCtx(t), seedJob(t)); err != nil {
		t.Fatalf("Print: %v", err)
	}
	if r.logs.FilterMessageSnippet("near its end").Len() != 1 {
		t.Errorf("no near-end warning: %v", r.logs.All())
	}
}

// TestIdlePollSeesStatus: while idle the driver keeps asking, so its
// status follows the printer's.
func TestIdlePollSeesStatus(t *testing.T) {
	r := newRig(t, driver.Options{})
	r.prn.SetStatus(emulator.PrinterStatus{CoverOpen: true})
	r.eventually("cover open", func() bool { return r.drv.Status().CoverOpen })
	r.prn.SetStatus(emulator.PrinterStatus{Offline: true})
	r.eventually("no reply", func() bool { return !r.drv.Status().Replied })
	r.prn.SetStatus(emulator.PrinterStatus{})
	r.eventually("ready", func() bool { return r.drv.Status().String() == "ready" })
	if r.logs.FilterMessage("printer status").Len() < 3 {
		t.Errorf("status changes not logged: %v", r.logs.All())
	}
}

// TestUnplugReplugWhileIdle: a printer unplugged while idle is seen gone,
// a job then gets "no reply" at once, and after the replug the next job
// prints.
func TestUnplugReplugWhileIdle(t *testing.T) {
	r := newRig(t, driver.Options{})
	r.unplug()
	r.eventually("the port closed", func() bool { return !r.drv.Status().Connected })
	if err := r.drv.Print(printCtx(t), seedJob(t)); !errors.Is(err, printer.ErrNoReply) {
		t.Fatalf("Print while unplugged: %v", err)
	}
	r.plug()
	r.eventually("the printer back", func() bool { return r.drv.Status().Replied })
	if err := r.drv.Print(printCtx(t), seedJob(t)); err != nil {
		t.Fatalf("Print after replug: %v", err)
	}
	if n := len(r.prn.Jobs()); n != 2 {
		t.Errorf("%d receipts after replug, want 2 (the seed job has a cut in the middle)", n)
	}
	if r.logs.FilterMessage("printer link down").Len() == 0 {
		t.Error("the unplug was not logged")
	}
}

// TestCancelledPrint: a caller that gives up gets its context's error.
func TestCancelledPrint(t *testing.T) {
	r := newRig(t, driver.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := r.drv.Print(ctx, seedJob(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Print: %v", err)
	}
}
