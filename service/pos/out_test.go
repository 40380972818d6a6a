package pos

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// burstHandler answers every frame with n numbered frames sent from inside
// Frame (the reader's own answers), while a second goroutine, standing for
// the engine's loop, sends n numbered frames of its own to the same client
// at the same time.
type burstHandler struct {
	n    int
	wg   sync.WaitGroup
	errs chan error
}

func (h *burstHandler) Frame(c *Client, f protocol.Frame) {
	h.wg.Go(func() { h.send(c, "loop") })
	h.send(c, "reader")
}

func (h *burstHandler) send(c *Client, who string) {
	for i := range h.n {
		body := fmt.Appendf(nil, `{"who":%q,"seq":%d}`, who, i)
		if err := c.Send(protocol.Frame{Code: protocol.CodeLastTransaction, Body: body}); err != nil {
			h.errs <- err
			return
		}
	}
}

func (h *burstHandler) Closed(*Client) {}

// TestSendKeepsOrderUnderConcurrentAnswers: every sender's frames arrive
// complete and in the order it sent them, whoever writes them — the reader
// after Frame or a writer goroutine — over both transports.
func TestSendKeepsOrderUnderConcurrentAnswers(t *testing.T) {
	const n = 500
	for _, transport := range []string{"tcp", "ws"} {
		t.Run(transport, func(t *testing.T) {
			h := &burstHandler{n: n, errs: make(chan error, 2)}
			s, _ := start(t, Config{QueueLen: 4 * n}, h)
			read := dialAny(t, s, transport)
			next := map[string]int{}
			for range 2 * n {
				f := read()
				who, seq := parseSeq(t, f)
				if seq != next[who] {
					t.Fatalf("%s frame %d arrived when %d was due", who, seq, next[who])
				}
				next[who]++
			}
			h.wg.Wait()
			select {
			case err := <-h.errs:
				t.Fatalf("Send: %v", err)
			default:
			}
		})
	}
}

// dialAny connects over transport, sends one 990001 and returns a reader
// of the answers.
func dialAny(t *testing.T, s *Server, transport string) func() protocol.Frame {
	q := frame(protocol.CodeLastTransaction, "")
	if transport == "tcp" {
		c := dialTCP(t, s)
		c.write(q)
		return c.read
	}
	conn := dialWS(t, s, nil)
	if err := conn.WriteMessage(1, []byte(q)); err != nil {
		t.Fatal(err)
	}
	return func() protocol.Frame { return wsRead(t, conn) }
}

func parseSeq(t *testing.T, f protocol.Frame) (string, int) {
	t.Helper()
	who, rest, ok := strings.Cut(strings.TrimPrefix(string(f.Body), `{"who":"`), `","seq":`)
	seq, err := strconv.Atoi(strings.TrimSuffix(rest, "}"))
	if !ok || err != nil {
		t.Fatalf("unexpected frame %s", f)
	}
	return who, seq
}

// floodHandler answers the first frame by sending until Send fails, from
// inside Frame, as a query answered on the reader goroutine would.
type floodHandler struct{ err chan error }

func (h floodHandler) Frame(c *Client, _ protocol.Frame) {
	big := protocol.Frame{Code: protocol.CodeLastTransaction, Body: bytes.Repeat([]byte("x"), protocol.MaxBody)}
	for range 100000 { // ~1 GB: far more than socket buffers hold
		if err := c.Send(big); err != nil {
			h.err <- err
			return
		}
	}
	h.err <- nil
}

func (floodHandler) Closed(*Client) {}

// TestSlowClientDroppedWhenReaderAnswers: answers sent from inside Frame
// are only queued, so a client that never reads fills its queue and is
// disconnected; nothing blocks.
func TestSlowClientDroppedWhenReaderAnswers(t *testing.T) {
	h := floodHandler{err: make(chan error, 1)}
	s, _ := start(t, Config{QueueLen: 4}, h)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeLastTransaction, "")) // and never read again
	select {
	case err := <-h.err:
		if !errors.Is(err, ErrSlowClient) {
			t.Fatalf("Send error %v, want ErrSlowClient", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send blocked")
	}
	// The server closed the connection: reading what it sent ends.
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := c.r.ReadFrame(); err != nil {
			if isTimeout(err) {
				t.Fatal("connection still open after the slow client was dropped")
			}
			return
		}
	}
}
