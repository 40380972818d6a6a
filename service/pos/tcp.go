package pos

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// acceptTCP accepts until the listener is closed. Accept errors other than
// that (out of file descriptors) are retried with backoff, as net/http does.
func (s *Server) acceptTCP(ctx context.Context) error {
	var backoff time.Duration
	for {
		conn, err := s.tcpLn.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed", zap.Error(err), zap.Duration("retry", backoff))
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil
			}
			continue
		}
		backoff = 0
		s.startTCP(ctx, conn)
	}
}

func (s *Server) startTCP(ctx context.Context, conn net.Conn) {
	switch err := s.reserve(); {
	case errors.Is(err, errFull):
		s.log.Warn("refusing client: every connection holds a transaction", zap.Stringer("remote", conn.RemoteAddr()))
		if !s.track() {
			conn.Close()
			return
		}
		go s.rejectTCP(ctx, conn)
		return
	case err != nil:
		conn.Close()
		return
	}
	c := newClient(s, "tcp", conn.RemoteAddr().String(), s.cfg.Charset)
	l := &tcpLink{conn: conn}
	c.link = l
	if l.canTry() {
		c.direct = l
	}
	c.authed = !s.policy.NeedsAuthFrame(c.peer)
	if !s.register(c) {
		conn.Close()
		s.release(nil)
		return
	}
	go s.readerTCP(c, conn)
}

// rejectTCP answers a connection beyond MaxClients with 9001 and closes it.
func (s *Server) rejectTCP(ctx context.Context, conn net.Conn) {
	defer s.conns.Done()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	frame, _ := protocol.AppendFrame(nil, protocol.CodeFrameError, tooManyBody)
	conn.SetWriteDeadline(time.Now().Add(writeWait))
	if _, err := conn.Write(frame); err == nil {
		(&tcpLink{conn: conn}).finish(0, "")
		linger(conn)
	}
	conn.Close()
}

// readerTCP is the reader goroutine of a TCP client. Its frames are on the
// stack of every idle client: see ended before adding to them.
func (s *Server) readerTCP(c *Client, conn net.Conn) {
	c.logState("client connected")
	s.readTCP(c, conn)
	s.ended(c)
}

// readTCP reads and delivers frames until the connection ends.
func (s *Server) readTCP(c *Client, conn net.Conn) {
	r := newTCPReader(conn, s.cfg.FrameTimeout)
	for {
		f, err := r.next()
		if err == nil {
			err = c.deliver(f)
		} else if !c.readFailed(err) {
			return
		}
		if err != nil {
			c.closeTCP(conn, err)
			return
		}
	}
}

// closeTCP ends a client whose framing is lost or who failed to
// authenticate, once the peer had time to read our last answer.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (c *Client) closeTCP(conn net.Conn, why error) {
	c.log.Info("closing the connection", c.field(), zap.Error(why))
	c.stop(0, "")
	linger(conn)
}

// readFailed answers a broken or late frame and reports true; for any
// other read error (the peer left) it reports false. Kept apart from the
// loop so the error target below escapes only when a read fails.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (c *Client) readFailed(err error) bool {
	var he *protocol.HeaderError
	switch {
	case errors.As(err, &he):
		c.frameError(protocol.ResultInvalid, msgHeader)
	case errors.Is(err, errFrameTimeout):
		c.frameError(protocol.ResultInvalid, msgFrameLate)
	default:
		c.log.Debug("read ended", c.field(), zap.Error(err))
		return false
	}
	return true
}

// linger discards what the peer still sends, until it closes or lingerWait
// passes, so that closing does not reset the connection before the peer has
// read our last answer.
func linger(conn net.Conn) {
	conn.SetReadDeadline(time.Now().Add(lingerWait))
	io.Copy(io.Discard, conn)
}

// newTCPReader is on the heap, not in readTCP's frame (see Server.ended).
//
//go:noinline
func newTCPReader(conn net.Conn, timeout time.Duration) *tcpReader {
	return &tcpReader{conn: conn, timeout: timeout}
}

// tcpReader cuts a TCP stream into frames. Between frames it waits forever
// (a POS holds its connection open all day); once the first byte of a frame
// has arrived, the whole frame must follow within timeout.
type tcpReader struct {
	conn       net.Conn
	buf        []byte // unconsumed bytes are buf[start:end]; grows to MaxFrame for a big frame
	start, end int
	timeout    time.Duration
	frameStart time.Time // arrival of the pending frame's first byte; zero when none
	lastRead   time.Time
	deadline   time.Time // the read deadline last set
	// deadlineSet: deadline was set once; the conn's own deadline is
	// unknown before that.
	deadlineSet bool
}

// next returns the next frame, its body a copy. Errors: *protocol.HeaderError,
// errFrameTimeout, io.EOF (between frames), io.ErrUnexpectedEOF (inside one),
// or the connection's error.
func (r *tcpReader) next() (protocol.Frame, error) {
	for {
		f, n, err := protocol.Split(r.buf[r.start:r.end])
		if err != nil {
			return protocol.Frame{}, err
		}
		if n > 0 {
			r.start += n
			r.frameStart = time.Time{}
			if r.start < r.end { // the next frame began in the last read
				r.frameStart = r.lastRead
			}
			f.Body = append([]byte(nil), f.Body...)
			return f, nil
		}
		if err := r.fill(); err != nil {
			return protocol.Frame{}, err
		}
	}
}

func (r *tcpReader) fill() error {
	r.makeRoom()
	deadline := time.Time{}
	if r.end > 0 {
		deadline = r.frameStart.Add(r.timeout)
	}
	// A conn that refuses a deadline is closed; Read reports that better
	// (net.Pipe refuses once the peer has closed, where Read says EOF).
	// Between frames the deadline stays none, so it is set only when it
	// changes (setting one has a cost, see writeDeadline).
	if !deadline.Equal(r.deadline) || !r.deadlineSet {
		_ = r.conn.SetReadDeadline(deadline)
		r.deadline, r.deadlineSet = deadline, true
	}
	n, err := r.conn.Read(r.buf[r.end:])
	if n > 0 {
		r.lastRead = time.Now()
		if r.end == 0 {
			r.frameStart = r.lastRead
		}
		r.end += n
		return nil
	}
	switch {
	case r.end > 0 && isTimeout(err):
		return errFrameTimeout
	case r.end > 0 && errors.Is(err, io.EOF):
		return io.ErrUnexpectedEOF
	case err == nil:
		return io.ErrNoProgress
	}
	return err
}

// Reader buffer sizes. An idle POS connection waits in Read all day, so the
// buffer it waits with is memory per connection: small unless a frame
// needs more. Requests are tens of bytes; only print jobs come near MaxFrame.
const (
	readBufSmall = 512
	readBufGrow  = 4096
)

// makeRoom readies buf for the next Read: unconsumed bytes moved to the
// front; a buffer grown for a big frame given back once it is consumed; a
// full buffer grown (a frame longer than it is arriving). Split has
// already refused headers claiming more than MaxFrame.
func (r *tcpReader) makeRoom() {
	if r.start == r.end {
		r.start, r.end = 0, 0
		if cap(r.buf) != readBufSmall {
			r.buf = make([]byte, readBufSmall)
		}
		return
	}
	if r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	if r.end == len(r.buf) {
		grown := make([]byte, min(max(2*len(r.buf), readBufGrow), protocol.MaxFrame))
		r.end = copy(grown, r.buf[:r.end])
		r.buf = grown
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// tcpLink is the writer's side of a TCP client.
type tcpLink struct {
	conn     net.Conn
	deadline writeDeadline
}

func (l *tcpLink) write(frame []byte) error {
	if until, ok := l.deadline.due(); ok {
		if err := l.conn.SetWriteDeadline(until); err != nil {
			return err
		}
		l.deadline.set(until)
	}
	_, err := l.conn.Write(frame)
	return err
}

// finish half-closes: the peer reads our last frames, then EOF.
func (l *tcpLink) finish(int, string) {
	if hc, ok := l.conn.(interface{ CloseWrite() error }); ok {
		hc.CloseWrite()
	}
}

func (l *tcpLink) close() { l.conn.Close() }

// writeDeadline bounds writes by writeWait without setting a deadline for
// every answer: setting one arms a runtime timer, which can wake a sleeping
// thread, a cost the bare echo does not pay. Renewed once half of it is
// used, a write is given between writeWait/2 and writeWait. Only the
// goroutine that owns the client's write side uses it.
type writeDeadline struct{ renewAt time.Time }

// due reports whether the deadline must be set again now, and to what.
func (d *writeDeadline) due() (time.Time, bool) {
	now := time.Now()
	if now.Before(d.renewAt) {
		return time.Time{}, false
	}
	return now.Add(writeWait), true
}

// set notes that the deadline was set to until.
func (d *writeDeadline) set(until time.Time) { d.renewAt = until.Add(-writeWait / 2) }
