package pos

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/korean"

	"github.com/termd/termd/protocol"
)

const payBody = `{"priceAmt":1004,"taxAmt":91,"tipAmt":0,"taxFreeAmt":0,"installment":0,"ptxid":"A-1"}`

func TestTCPFrameSplitByteByByte(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	c := dialTCP(t, s)
	want := frame(protocol.CodeCreditApproval, payBody)
	for i := range len(want) {
		c.write(want[i : i+1])
	}
	if got := c.read().String(); got != want {
		t.Fatalf("echo = %q, want %q", got, want)
	}
	if fs := rec.got(); len(fs) != 1 || fs[0].String() != want {
		t.Fatalf("handler got %v, want one frame %q", fs, want)
	}
}

func TestTCPSeveralFramesInOneWrite(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	c := dialTCP(t, s)
	want := []string{
		frame(protocol.CodeLastTransaction, ""),
		frame(protocol.CodeCreditApproval, payBody),
		frame(protocol.CodeConfirm, ""),
	}
	// The last frame's tail comes in a second write, so the first read
	// ends inside a frame.
	all := strings.Join(want, "")
	c.write(all[:len(all)-3])
	c.write(all[len(all)-3:])
	for _, w := range want {
		if got := c.read().String(); got != w {
			t.Fatalf("echo = %q, want %q", got, w)
		}
	}
}

func TestTCPBrokenHeaderAnswersAndCloses(t *testing.T) {
	for _, tc := range []struct{ name, send, why string }{
		{"letter in length", "00x6990001", msgHeader},
		{"letter in code", "0006ab0001", msgHeader},
		{"length below six", "0005990001", msgHeader},
		{"after a good frame", "0006990001" + "GET / HTTP/1.1\r\n", msgHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			s, _ := start(t, Config{}, rec)
			c := dialTCP(t, s)
			c.write(tc.send)
			f := c.read()
			if strings.HasPrefix(tc.send, "0006990001") {
				if f.Code != protocol.CodeLastTransaction {
					t.Fatalf("first answer %v, want the echo", f)
				}
				f = c.read()
			}
			r := result(t, f)
			if f.Code != protocol.CodeFrameError || r.ResultCode != protocol.ResultInvalid || !strings.Contains(r.ResultMessage, tc.why) {
				t.Fatalf("answer %s %+v, want 000000 9002 mentioning %q", f.Code, r, tc.why)
			}
			c.expectEOF()
			c.conn.Close() // ends the server's linger
			waitFor(t, "Closed", func() bool { return rec.closedCount() == 1 })
		})
	}
}

func TestTCPHalfFrameTimesOut(t *testing.T) {
	const timeout = 50 * time.Millisecond
	rec := newRecorder(t)
	s, _ := start(t, Config{FrameTimeout: timeout}, rec)
	c := dialTCP(t, s)
	sent := time.Now()
	c.write("0010990") // a header that promises more
	f := c.read()
	if elapsed := time.Since(sent); elapsed < timeout {
		t.Fatalf("answered after %v, before the %v frame timeout", elapsed, timeout)
	}
	if r := result(t, f); f.Code != protocol.CodeFrameError || r.ResultCode != protocol.ResultInvalid {
		t.Fatalf("answer %s %+v, want 000000 9002", f.Code, r)
	}
	c.expectEOF()
	if len(rec.got()) != 0 {
		t.Fatalf("handler got %v", rec.got())
	}
}

// The frame clock starts at a frame's first byte, not at the connection or
// the previous frame: an idle POS is kept all day.
func TestTCPIdleConnectionSurvives(t *testing.T) {
	const timeout = 50 * time.Millisecond
	rec := newRecorder(t)
	s, _ := start(t, Config{FrameTimeout: timeout}, rec)
	c := dialTCP(t, s)
	idle := func() {
		c.conn.SetReadDeadline(time.Now().Add(6 * timeout))
		if _, err := c.conn.Read(make([]byte, 1)); !isTimeout(err) {
			t.Fatalf("idle read: %v, want our own timeout (server must stay silent)", err)
		}
	}
	idle() // before any frame
	want := frame(protocol.CodeLastTransaction, "")
	c.write(want)
	if got := c.read().String(); got != want {
		t.Fatalf("echo = %q", got)
	}
	idle() // after a frame
	c.write(want)
	if got := c.read().String(); got != want {
		t.Fatalf("echo after idling = %q", got)
	}
}

// A frame that completes late but within the timeout counted from its own
// first byte is fine, even when it follows another frame in the same read.
func TestTCPFrameClockStartsAtFirstByte(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{FrameTimeout: 2 * time.Second}, rec)
	c := dialTCP(t, s)
	second := frame(protocol.CodeCreditApproval, payBody)
	c.write(frame(protocol.CodeConfirm, "") + second[:5])
	c.read()
	c.write(second[5:])
	if got := c.read().String(); got != second {
		t.Fatalf("echo = %q", got)
	}
}

func TestTCPVanishingClientDoesNotDisturbOthers(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	stay := dialTCP(t, s)
	gone := dialTCP(t, s)
	gone.write(frame(protocol.CodeLastTransaction, ""))
	gone.read()
	gone.write("0090010010{\"priceAmt\"") // mid-frame
	gone.conn.Close()
	waitFor(t, "Closed of the vanished client", func() bool { return rec.closedCount() == 1 })
	want := frame(protocol.CodeConfirm, "")
	stay.write(want)
	if got := stay.read().String(); got != want {
		t.Fatalf("echo = %q", got)
	}
}

func TestTCPEUCKRRoundTrip(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{Charset: protocol.EUCKR}, rec)
	c := dialTCP(t, s)
	const text = `{"resultCode":"0000","resultMessage":"정상승인 한글"}`
	euc, err := korean.EUCKR.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	wire := frame(protocol.CodePrint, string(euc)) // length counts EUC-KR bytes
	c.write(wire)
	if fs := rec.got(); len(fs) == 0 {
		waitFor(t, "frame", func() bool { return len(rec.got()) == 1 })
	}
	if got := string(rec.got()[0].Body); got != text {
		t.Fatalf("handler body %q, want UTF-8 %q", got, text)
	}
	if got := c.read().String(); got != wire {
		t.Fatalf("echo %q, want EUC-KR %q", got, wire)
	}
}

func TestTCPBadEUCKRBodyKeepsConnection(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{Charset: protocol.EUCKR}, rec)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodePrint, "{\"x\":\"\xff\xff\"}"))
	f := c.read()
	if r := result(t, f); f.Code != protocol.CodePrint || r.ResultCode != protocol.ResultInvalid || !strings.HasPrefix(r.ResultMessage, "body") {
		t.Fatalf("answer %s %+v, want 900091 9002 naming body", f.Code, r)
	}
	want := frame(protocol.CodeConfirm, "")
	c.write(want)
	if got := c.read().String(); got != want {
		t.Fatalf("echo = %q", got)
	}
	if len(rec.got()) != 1 {
		t.Fatalf("handler got %v, want only the good frame", rec.got())
	}
}

func TestSendToSlowClientDisconnectsWithoutBlocking(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{QueueLen: 4}, rec)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeLastTransaction, "")) // and never read again
	waitFor(t, "frame", func() bool { return rec.lastClient() != nil })
	client := rec.lastClient()
	big := protocol.Frame{Code: protocol.CodeLastTransaction, Body: bytes.Repeat([]byte("x"), protocol.MaxBody)}
	done := make(chan error, 1)
	go func() {
		for range 100000 { // ~1 GB: far more than socket buffers hold
			if err := client.Send(big); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrSlowClient) {
			t.Fatalf("Send error %v, want ErrSlowClient", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send blocked")
	}
	waitFor(t, "Closed", func() bool { return rec.closedCount() == 1 })
	if err := client.Send(big); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Send after close: %v, want ErrClientClosed", err)
	}
}

func TestTCPEUCKRUnencodableAnswerStaysJSON(t *testing.T) {
	rec := newRecorder(t)
	rec.echo = false
	s, _ := start(t, Config{Charset: protocol.EUCKR}, rec)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeLastTransaction, ""))
	waitFor(t, "frame", func() bool { return rec.lastClient() != nil })
	if err := rec.lastClient().Send(protocol.Frame{Code: protocol.CodeLastTransaction,
		Body: []byte(`{"resultCode":"0000","resultMessage":"승인 😀"}`)}); err != nil {
		t.Fatal(err)
	}
	want := `{"resultCode":"0000","resultMessage":"` + "\xbd\xc2\xc0\xce" + ` ?"}` // 승인 in EUC-KR
	if got := string(c.read().Body); got != want {
		t.Fatalf("body %q, want %q", got, want)
	}
}
