package link

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/termd/termd/protocol"
)

// tap rewrites one chunk written in one direction of a spliced line.
type tap func(chunk []byte) []byte

// line joins two Conns through a copier per direction that may damage what
// passes, as a noisy serial cable would.
func line(t *testing.T, toB, toA tap) (a, b *Conn) {
	a1, a2 := net.Pipe()
	b1, b2 := net.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() { pump(a2, b2, toB) })
	wg.Go(func() { pump(b2, a2, toA) })
	a, b = NewConn(a1, Options{}), NewConn(b1, Options{})
	t.Cleanup(func() {
		a.Close()
		b.Close()
		wg.Wait()
	})
	return a, b
}

func pump(from, to net.Conn, tp tap) {
	defer to.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := from.Read(buf)
		if err != nil {
			return
		}
		chunk := buf[:n]
		if tp != nil {
			chunk = tp(bytes.Clone(chunk))
		}
		if _, err := to.Write(chunk); err != nil {
			return
		}
	}
}

var approval = protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(`{"priceAmt":1000,"ptxid":"p-1"}`)}

func mustRead(t *testing.T, c *Conn) protocol.Frame {
	t.Helper()
	f, err := c.ReadFrame()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return f
}

func sameFrame(a, b protocol.Frame) bool { return a.Code == b.Code && bytes.Equal(a.Body, b.Body) }

func TestFramesBothWays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := line(t, nil, nil)
		go func() { _ = b.WriteFrame(protocol.Frame{Code: protocol.DevStatus}) }()
		if err := a.WriteFrame(approval); err != nil {
			t.Fatal(err)
		}
		if f := mustRead(t, b); !sameFrame(f, approval) {
			t.Fatalf("b got %s %s", f.Code, f.Body)
		}
		if f := mustRead(t, a); f.Code != protocol.DevStatus {
			t.Fatalf("a got %s", f.Code)
		}
		if s := a.Stats(); s.FramesOut != 1 || s.FramesIn != 1 || s.Resent != 0 {
			t.Fatalf("stats %+v", s)
		}
	})
}

// firstPacket applies damage to the first packet that passes, once.
func firstPacket(damage func([]byte) []byte) tap {
	done := false
	return func(c []byte) []byte {
		if done || len(c) == 0 || c[0] != STX {
			return c
		}
		done = true
		return damage(c)
	}
}

func TestFlippedBitIsNakedAndResent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := line(t, firstPacket(func(c []byte) []byte { c[12] ^= 0x04; return c }), nil)
		start := time.Now()
		if err := a.WriteFrame(approval); err != nil {
			t.Fatal(err)
		}
		if f := mustRead(t, b); !sameFrame(f, approval) {
			t.Fatalf("got %s %s", f.Code, f.Body)
		}
		if s := a.Stats(); s.Resent != 1 {
			t.Fatalf("resent %d", s.Resent)
		}
		if s := b.Stats(); s.NaksSent != 1 || s.FramesIn != 1 {
			t.Fatalf("receiver %+v", s)
		}
		if time.Since(start) != 0 {
			t.Fatalf("a NAK should bring the resend at once, took %v", time.Since(start))
		}
	})
}

func TestLostAckIsResentAfterOneSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dropped := false
		dropFirstAck := func(c []byte) []byte {
			if !dropped && len(c) == 1 && c[0] == ACK {
				dropped = true
				return nil
			}
			return c
		}
		a, b := line(t, nil, dropFirstAck)
		start := time.Now()
		if err := a.WriteFrame(approval); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != time.Second {
			t.Fatalf("resent after %v, want 1s", took)
		}
		// No sequence numbers: the copy is delivered too (see package doc).
		for range 2 {
			if f := mustRead(t, b); !sameFrame(f, approval) {
				t.Fatalf("got %s", f.Code)
			}
		}
		if s := a.Stats(); s.Resent != 1 || s.FramesOut != 1 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestSilentPeerGivesUpAfterThreeRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := line(t, func([]byte) []byte { return nil }, nil)
		start := time.Now()
		err := a.WriteFrame(approval)
		if !errors.Is(err, ErrNoAck) {
			t.Fatalf("err %v", err)
		}
		if took := time.Since(start); took != 4*time.Second {
			t.Fatalf("gave up after %v, want 4 attempts of 1s", took)
		}
		if s := a.Stats(); s.Resent != 3 {
			t.Fatalf("resent %d, want 3", s.Resent)
		}
		if err := a.Ping(); !errors.Is(err, ErrNoAck) {
			t.Fatalf("ping to a dead peer: %v", err)
		}
	})
}

func TestPingIsAnswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := line(t, nil, nil)
		start := time.Now()
		if err := a.Ping(); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) != 0 {
			t.Fatal("ENQ should be answered at once")
		}
	})
}

func TestNoiseAndSplitBytesOnTheLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a1, a2 := net.Pipe()
		b := NewConn(a1, Options{})
		defer b.Close()
		pkt := packet(t, []byte(`0025800010{"phase":"reading"}`))
		stream := append([]byte("\xff\x00junk\x03"), pkt...)
		acks := make(chan []byte, 1)
		go func() {
			buf := make([]byte, 16)
			n, _ := io.ReadAtLeast(a2, buf, 1)
			acks <- buf[:n]
		}()
		for _, c := range stream { // one byte per write
			if _, err := a2.Write([]byte{c}); err != nil {
				t.Fatal(err)
			}
		}
		f := mustRead(t, b)
		if f.Code != protocol.DevPhase || string(f.Body) != `{"phase":"reading"}` {
			t.Fatalf("got %s %s", f.Code, f.Body)
		}
		if got := <-acks; !bytes.Equal(got, []byte{ACK}) {
			t.Fatalf("answered % x", got)
		}
		if s := b.Stats(); s.Noise != 7 {
			t.Fatalf("noise %d, want 7", s.Noise)
		}
		a2.Close()
	})
}

func TestIntactPacketThatIsNoFrameIsAckedAndDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a1, a2 := net.Pipe()
		b := NewConn(a1, Options{})
		defer b.Close()
		go func() {
			a2.Write(packet(t, []byte("hello")))
			a2.Write(packet(t, []byte("0006990001")))
		}()
		ack := make([]byte, 1)
		if _, err := io.ReadFull(a2, ack); err != nil || ack[0] != ACK {
			t.Fatalf("answer % x %v", ack, err)
		}
		go io.Copy(io.Discard, a2)
		if f := mustRead(t, b); f.Code != "990001" {
			t.Fatalf("got %s", f.Code)
		}
		if s := b.Stats(); s.Unparsed != 1 {
			t.Fatalf("unparsed %d", s.Unparsed)
		}
		a2.Close()
	})
}

func TestCloseEndsReadFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := line(t, nil, nil)
		errc := make(chan error)
		go func() {
			_, err := a.ReadFrame()
			errc <- err
		}()
		synctest.Wait()
		a.Close()
		if err := <-errc; err == nil {
			t.Fatal("ReadFrame returned no error after Close")
		}
	})
}

func TestPeerGoneFailsWriteAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a1, a2 := net.Pipe()
		a := NewConn(a1, Options{})
		defer a.Close()
		a2.Close() // unplugged
		start := time.Now()
		if err := a.WriteFrame(approval); err == nil {
			t.Fatal("write to a closed line succeeded")
		}
		if time.Since(start) != 0 {
			t.Fatal("a broken line should fail at once, not after the retries")
		}
	})
}

func TestStringSumsTheLinkUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := line(t, firstPacket(func(c []byte) []byte { c[12] ^= 0x04; return c }), nil)
		if err := a.WriteFrame(approval); err != nil {
			t.Fatal(err)
		}
		mustRead(t, b)
		if got := a.String(); !strings.Contains(got, "frames in 0 out 1") || !strings.Contains(got, "resent 1") {
			t.Fatalf("sender: %s", got)
		}
		if got := b.String(); !strings.Contains(got, "NAKs sent 1") {
			t.Fatalf("receiver: %s", got)
		}
	})
}
