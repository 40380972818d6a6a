package driver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/driver"
)

// The driver's clock, in a synctest bubble over an in-memory pipe: the
// half-second status wait, the idle poll and the reopen backoff are
// checked to the millisecond without waiting for them.

// pipeRig runs a driver against an emulated printer over net.Pipe.
func pipeRig(t *testing.T, open driver.Opener) (*driver.Driver, *emulator.Printer, func()) {
	prn := emulator.NewPrinter(42)
	var serving sync.WaitGroup
	if open == nil {
		open = func(ctx context.Context) (io.ReadWriteCloser, error) {
			a, b := net.Pipe()
			serving.Go(func() { prn.Serve(ctx, b) })
			return a, nil
		}
	}
	drv := driver.New(open, zap.NewNop(), driver.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); drv.Run(ctx) }()
	return drv, prn, func() { cancel(); <-done; serving.Wait() }
}

func TestNoReplyTakesHalfASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		drv, prn, stop := pipeRig(t, nil)
		defer stop()
		synctest.Wait()
		prn.SetStatus(emulator.PrinterStatus{Offline: true})
		start := time.Now()
		err := drv.Print(t.Context(), seedJob(t))
		if !errors.Is(err, printer.ErrNoReply) || time.Since(start) != 500*time.Millisecond {
			t.Fatalf("Print: %v after %v, want no reply after exactly 500ms", err, time.Since(start))
		}
	})
}

func TestIdlePollEveryThreeSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		drv, prn, stop := pipeRig(t, nil)
		defer stop()
		synctest.Wait()
		prn.SetStatus(emulator.PrinterStatus{PaperOut: true})
		time.Sleep(3*time.Second - time.Millisecond)
		synctest.Wait()
		if drv.Status().PaperOut {
			t.Fatal("polled before 3 s")
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if !drv.Status().PaperOut {
			t.Fatalf("not polled at 3 s: %v", drv.Status())
		}
	})
}

func TestReopenBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var tries []time.Duration
		start := time.Now()
		_, _, stop := pipeRig(t, func(context.Context) (io.ReadWriteCloser, error) {
			mu.Lock()
			tries = append(tries, time.Since(start))
			mu.Unlock()
			return nil, errors.New("no such port")
		})
		time.Sleep(20 * time.Second)
		stop()
		want := []time.Duration{0, 200, 600, 1400, 3000, 6200, 11200, 16200}
		for i := range want {
			want[i] *= time.Millisecond
		}
		mu.Lock()
		defer mu.Unlock()
		if len(tries) < len(want) {
			t.Fatalf("tries at %v", tries)
		}
		for i, w := range want {
			if tries[i] != w {
				t.Fatalf("tries at %v, want %v (doubling from 200ms, at most 5s apart)", tries[:len(want)], want)
			}
		}
	})
}
