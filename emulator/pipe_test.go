package emulator

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"
)

// A write returns without a reader, and the bytes arrive in order.
func TestPipeWriteDoesNotWaitForTheReader(t *testing.T) {
	a, b := newPipe()
	for _, s := range []string{"0012", "990001", "{}"} {
		if n, err := a.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("write %q: %d, %v", s, n, err)
		}
	}
	got := make([]byte, 64)
	n, err := b.Read(got)
	if err != nil || string(got[:n]) != "0012990001{}" {
		t.Fatalf("read %q, %v", got[:n], err)
	}
	// The other direction is separate.
	b.Write([]byte("x"))
	if n, _ := a.Read(got); string(got[:n]) != "x" {
		t.Fatalf("back: %q", got[:n])
	}
}

// A small read takes what fits and leaves the rest for the next.
func TestPipeShortReads(t *testing.T) {
	a, b := newPipe()
	a.Write([]byte("abcdef"))
	var out []byte
	buf := make([]byte, 4)
	for len(out) < 6 {
		n, err := b.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buf[:n]...)
	}
	if string(out) != "abcdef" {
		t.Fatalf("%q", out)
	}
}

// Closing either end ends a blocked read on both ends, and writes fail:
// a pulled cable, as the daemon's driver and the session rely on.
func TestPipeCloseCutsBothEnds(t *testing.T) {
	for _, closer := range []string{"daemon end", "terminal end"} {
		t.Run(closer, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := newPipe()
				errs := make(chan error, 2)
				for _, e := range []io.Reader{a, b} {
					go func() { _, err := e.Read(make([]byte, 8)); errs <- err }()
				}
				synctest.Wait() // both readers are blocked
				if len(errs) != 0 {
					t.Fatal("a read returned with nothing written")
				}
				if closer == "daemon end" {
					a.Close()
				} else {
					b.Close()
				}
				for range 2 {
					if err := <-errs; !errors.Is(err, io.EOF) {
						t.Fatalf("read after close: %v", err)
					}
				}
				for _, e := range []io.Writer{a, b} {
					if _, err := e.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
						t.Fatalf("write after close: %v", err)
					}
				}
				if err := a.Close(); err != nil { // twice is harmless
					t.Fatal(err)
				}
			})
		})
	}
}

// What one direction holds is bounded: a writer whose peer does not read
// waits at the bound, and goes on once the peer reads.
func TestPipeWriterWaitsAtTheBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newPipe()
		big := bytes.Repeat([]byte("z"), pipeLimit+10)
		done := make(chan error, 1)
		go func() { _, err := a.Write(big); done <- err }()
		synctest.Wait()
		if len(done) != 0 {
			t.Fatal("a write over the bound returned before anyone read")
		}
		got, err := io.ReadAll(io.LimitReader(b, int64(len(big))))
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("read %d bytes, %v", len(got), err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// A writer waiting at the bound is let go by a close.
func TestPipeCloseReleasesAWaitingWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newPipe()
		done := make(chan error, 1)
		go func() { _, err := a.Write(make([]byte, pipeLimit+1)); done <- err }()
		synctest.Wait()
		b.Close()
		if err := <-done; !errors.Is(err, io.ErrClosedPipe) {
			t.Fatalf("write: %v", err)
		}
	})
}

// BenchmarkPipeFrame is one 700-byte frame each way through the pipe.
func BenchmarkPipeFrame(b *testing.B) {
	x, y := newPipe()
	frame := make([]byte, 700)
	buf := make([]byte, 4096)
	go func() {
		for {
			n, err := y.Read(buf[:len(frame)])
			if err != nil || n == 0 {
				return
			}
			if _, err := y.Write(frame[:n]); err != nil {
				return
			}
		}
	}()
	got := make([]byte, 4096)
	b.ReportAllocs()
	for b.Loop() {
		x.Write(frame)
		for n := 0; n < len(frame); {
			m, err := x.Read(got[n:len(frame)])
			if err != nil {
				b.Fatal(err)
			}
			n += m
		}
	}
	x.Close()
}

// A close lets go of every goroutine waiting on the pipe, not only the
// first: two writers at the bound and two readers of an empty direction.
// (protocol.Conn writes one frame at a time, but the pipe is a plain
// io.ReadWriteCloser and promises this to any caller.)
func TestPipeCloseReleasesEveryWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newPipe()
		done := make(chan error, 4)
		for range 2 {
			go func() { _, err := a.Write(make([]byte, pipeLimit+1)); done <- err }()
			go func() { _, err := a.Read(make([]byte, 1)); done <- err }()
		}
		synctest.Wait()
		b.Close()
		for i := range 4 {
			select {
			case err := <-done:
				if err == nil {
					t.Fatalf("waiter %d: no error after close", i)
				}
			case <-time.After(time.Minute):
				t.Fatalf("%d of 4 waiters still blocked after close", 4-i)
			}
		}
	})
}
