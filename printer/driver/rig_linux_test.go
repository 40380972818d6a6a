//go:build linux

package driver_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/printer/driver"
)

// rig is a printer on a pseudo-terminal: the driver opens the slave
// through the real serial code (by a symlink, which survives a replug as
// a USB id does), the emulated printer serves the master.
type rig struct {
	t    testing.TB
	port string
	prn  *emulator.Printer
	drv  *driver.Driver
	logs *observer.ObservedLogs

	mu    sync.Mutex
	files []*os.File
	serve sync.WaitGroup
}

func newRig(t testing.TB, opt driver.Options) *rig {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	r := &rig{t: t, port: filepath.Join(t.TempDir(), "printer"), prn: emulator.NewPrinter(42), logs: logs}
	r.plug()
	if opt.Poll == 0 {
		opt.Poll = 50 * time.Millisecond
	}
	opt.MinBackoff, opt.MaxBackoff = 20*time.Millisecond, 100*time.Millisecond
	r.drv = driver.New(driver.SerialOpener(r.port, 9600), zap.New(core), opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.drv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		r.unplug()
	})
	r.eventually("the printer ready", func() bool { return r.drv.Status().Replied })
	return r
}

// plug connects a fresh printer cable behind the same port name.
func (r *rig) plug() {
	r.t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		r.t.Fatalf("pseudo-terminal: %v", err)
	}
	// Non-blocking, so Close ends the emulator's Read at once.
	if err := syscall.SetNonblock(int(master.Fd()), true); err != nil {
		r.t.Fatal(err)
	}
	tmp := r.port + ".new"
	os.Remove(tmp)
	if err := os.Symlink(slave.Name(), tmp); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Rename(tmp, r.port); err != nil {
		r.t.Fatal(err)
	}
	r.mu.Lock()
	r.files = []*os.File{master, slave} // the slave held open: the driver closing its end is no hang-up
	r.mu.Unlock()
	r.serve.Go(func() { r.prn.Serve(context.Background(), master) })
}

// unplug pulls the cable: the driver's port hangs up.
func (r *rig) unplug() {
	r.mu.Lock()
	files := r.files
	r.files = nil
	r.mu.Unlock()
	for _, f := range files {
		f.Close()
	}
	r.serve.Wait()
}

// eventually polls cond until it holds, failing after a deadline.
func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s; printer status %v", what, r.drv.Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
