package pos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"golang.org/x/text/encoding/korean"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/access"
)

// Client is one POS connection. The Handler receives it with every frame and
// answers through Send, from any goroutine.
type Client struct {
	ID        uint64
	Transport string // "tcp" or "ws"
	Remote    string // the peer's host:port

	name    string // String(), computed once
	peer    netip.Addr
	charset protocol.Charset
	srv     *Server
	link    link
	direct  directWriter // link's non-waiting write, if it has one
	log     *zap.Logger

	authed  bool          // reader goroutine only
	lastUse atomic.Uint64 // Server.activity at the client's latest frame in or out
	evicted bool          // closed to make room; guarded by srv.mu
	framing bool          // its frame is in Handler.Frame; guarded by srv.mu
	ctx     context.Context
	cancel  context.CancelFunc // ends ctx when the connection ends

	out outbox // the write side: queue, who writes, how the link ends
}

// link is the transport under a Client: the writer goroutine writes, the
// reader goroutine reads through its own handle, and close may come from
// anywhere.
type link interface {
	write(frame []byte) error
	// finish runs after the last write of a connection that ends in order:
	// TCP half-closes, WebSocket sends a close message when code is set.
	finish(code int, text string)
	close()
}

// directWriter is a link that can write without waiting: it writes what
// the transport takes at once and returns how much that was (0 when it
// would have to wait or failed; the writer goroutine then meets the error).
type directWriter interface {
	tryWrite(frame []byte) (int, error)
}

// errNoDirect: the connection offers no non-waiting write (not a socket,
// or a platform where tryWrite is not built; see tcp_direct_*.go).
var errNoDirect = errors.New("pos: no direct write on this connection")

var (
	_ directWriter = (*tcpLink)(nil)
	_ link         = (*tcpLink)(nil)
	_ link         = (*wsLink)(nil)
)

func newClient(s *Server, transport, remote string, charset protocol.Charset) *Client {
	c := &Client{
		ID:        s.nextID.Add(1),
		Transport: transport,
		Remote:    remote,
		peer:      access.PeerAddr(remote),
		charset:   charset,
		srv:       s,
	}
	c.out.drained = make(chan struct{})
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.name = fmt.Sprintf("%s#%d %s", transport, c.ID, remote)
	c.log = s.log // not With: a derived logger holds encoder buffers, ~2 KB a connection
	return c
}

// field names the client in a log line.
func (c *Client) field() zap.Field { return zap.String("client", c.name) }

// String names the client for logs: "tcp#3 127.0.0.1:51234".
func (c *Client) String() string { return c.name }

// Send queues f for the client and returns at once. The body is UTF-8; it is
// encoded to the client's charset here. When the queue is full the client is
// not reading fast enough: it is disconnected and ErrSlowClient returned, so
// the engine is never held up by one client.
//
// Sends made while the client's reader is inside Handler.Frame are written
// by that reader as soon as Frame returns, so a query's answer goes out
// without waking another goroutine; any other Send starts a writer
// goroutine when none is running. Either way frames leave in Send order.
func (c *Client) Send(f protocol.Frame) error {
	buf := getBuffer()
	b, err := c.encode(*buf, f)
	if err == nil {
		*buf = b
		err = c.enqueue(buf)
	} else {
		putBuffer(buf)
	}
	if err != nil {
		return c.notSent(f.Code, err)
	}
	c.used()
	c.logFrame(logOut, f.Code, len(b), f.Body)
	return nil
}

// notSent is Send's way out when the frame was not queued: a full queue
// disconnects the client.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (c *Client) notSent(code protocol.Code, err error) error {
	if errors.Is(err, ErrSlowClient) {
		c.log.Warn("disconnecting slow client", c.field(), zap.Int("queue", c.srv.cfg.QueueLen))
		c.kill()
	}
	return fmt.Errorf("pos: send %s to %s: %w", code, c, err)
}

// encode appends f to dst as wire bytes in the client's charset. A
// character EUC-KR cannot carry becomes '?' rather than losing the whole
// answer: a final answer must reach the POS.
func (c *Client) encode(dst []byte, f protocol.Frame) ([]byte, error) {
	body, err := c.charset.Encode(f.Body)
	if err != nil {
		body = c.lossy(f)
	}
	return protocol.AppendFrame(dst[:0], f.Code, body)
}

// lossy is encode's way for a body EUC-KR cannot carry whole.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (c *Client) lossy(f protocol.Frame) []byte {
	c.log.Warn("body has characters EUC-KR cannot carry; sent as '?'", c.field(), zap.String("code", string(f.Code)))
	return lossyEUCKR(f.Body)
}

// lossyEUCKR encodes rune by rune, writing '?' for what EUC-KR lacks. (x/text's
// ReplaceUnsupported writes 0x1A, a control byte that breaks JSON strings.)
func lossyEUCKR(body []byte) []byte {
	enc := korean.EUCKR.NewEncoder()
	out := make([]byte, 0, len(body))
	for _, r := range string(body) {
		b, err := enc.Bytes(utf8.AppendRune(nil, r))
		if err != nil || r == utf8.RuneError {
			b = []byte{'?'}
		}
		out = append(out, b...)
	}
	return out
}

// answer sends a bare result body {"resultCode","resultMessage"} with code.
func (c *Client) answer(code protocol.Code, result, msg string) {
	body, err := json.Marshal(protocol.Response{ResultCode: result, ResultMessage: msg})
	if err != nil { // cannot happen for two strings
		c.log.Error("encode answer", c.field(), zap.Error(err))
		return
	}
	if err := c.Send(protocol.Frame{Code: code, Body: body}); err != nil {
		c.log.Debug("answer not sent", c.field(), zap.Error(err))
	}
}

// frameError answers a frame whose header could not be read.
func (c *Client) frameError(result, msg string) {
	c.answer(protocol.CodeFrameError, result, msg)
}

// stop ends the connection in order: no more Sends are accepted, the writer
// flushes what is queued, then finishes the link with code (WebSocket close
// code, 0 for none).
func (c *Client) stop(code int, text string) { c.end(code, text, 0) }

// end is stop, and then, if closeAfter is set, closes the link that long
// after the last write even if the peer never closes its side.
func (c *Client) end(code int, text string, closeAfter time.Duration) {
	if c.out.close(code, text, closeAfter) {
		c.cancel()
		c.startWriter()
	}
}

// evict closes an idle client to make room for a new one: it is told why
// (000000 9001) and its connection is closed even if the peer, a POS that
// forgot it, never reads again.
func (c *Client) evict() {
	c.log.Info("closing the connection idle longest to make room for a new one", c.field())
	c.answer(protocol.CodeFrameError, protocol.ResultBusy, msgTooMany)
	c.end(websocket.ClosePolicyViolation, "too many connections", lingerWait)
}

// used notes activity: the client is idle from now.
func (c *Client) used() { c.lastUse.Store(c.srv.activity.Add(1)) }

// kill ends the connection now: a blocked read or write fails at once.
func (c *Client) kill() {
	c.stop(0, "")
	c.link.close()
}

// deliver passes one intact frame on: 000001 is answered here, a client that
// must authenticate is held to it, EUC-KR bodies are decoded, and everything
// else goes to the Handler. An error means the connection must close.
func (c *Client) deliver(f protocol.Frame) error {
	wire := protocol.HeaderSize + len(f.Body)
	c.used()
	body, err := c.charset.Decode(f.Body)
	if err != nil {
		c.logFrame(logIn, f.Code, wire, f.Body)
		c.answer(f.Code, protocol.ResultInvalid, msgCharset)
		return nil
	}
	f.Body = body
	c.logFrame(logIn, f.Code, wire, f.Body)
	if f.Code == protocol.CodeAuth {
		return c.authenticate(f)
	}
	if !c.authed {
		c.failedAuth()
		c.answer(protocol.CodeAuth, protocol.ResultInvalid, msgAuthFirst)
		return errUnauthenticated
	}
	if !c.srv.enterFrame(c) {
		return nil // closed to make room: its last frames start nothing
	}
	c.out.enterFrame()
	c.srv.h.Frame(c, f)
	c.srv.leaveFrame(c)
	if c.out.leaveFrame() {
		c.drain() // the answers Frame sent, on this goroutine
	}
	return nil
}

// authenticate answers 000001. A client that has not yet authenticated and
// fails is disconnected; one already admitted (loopback, or a WebSocket
// upgrade that carried the token) just gets the 9002.
func (c *Client) authenticate(f protocol.Frame) error {
	var req protocol.AuthRequest
	if json.Unmarshal(f.Body, &req) == nil && c.srv.policy.AuthFrame(c.peer, req.Token) {
		c.authed = true
		c.answer(protocol.CodeAuth, protocol.ResultOK, msgAuthOK)
		return nil
	}
	c.failedAuth()
	c.answer(protocol.CodeAuth, protocol.ResultInvalid, msgAuthWrong)
	if c.authed {
		return nil
	}
	return errUnauthenticated
}

// failedAuth logs a failed authentication and waits the peer's growing
// delay before the caller answers it.
func (c *Client) failedAuth() {
	d := c.srv.policy.Failed(c.ctx, c.peer)
	c.log.Warn("authentication failed", c.field(), zap.Duration("delayed", d))
}

const (
	logIn  = "frame in"
	logOut = "frame out"
)

// logFrame logs a frame at debug level; n is its length on the wire. Card
// numbers and a cash receipt's approvalNumber are masked (protocol.MaskBody);
// an incoming 000001 holds the token and its body is never logged.
func (c *Client) logFrame(msg string, code protocol.Code, n int, body []byte) {
	if c.log.Core().Enabled(zap.DebugLevel) {
		c.logFrameNow(msg, code, n, body)
	}
}

// logFrameNow is logFrame when debug lines are on.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (c *Client) logFrameNow(msg string, code protocol.Code, n int, body []byte) {
	ce := c.log.Check(zap.DebugLevel, msg)
	if ce == nil {
		return
	}
	shown := string(protocol.MaskBody(body))
	if code == protocol.CodeAuth && msg == logIn {
		shown = "(token withheld)"
	}
	ce.Write(c.field(), zap.String("code", string(code)), zap.Int("len", n), zap.String("body", shown))
}
