package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/protocol"
)

// The tests play the daemon: they dial the emulated terminal in-process, as
// the daemon does in emulator mode, and talk frames with protocol.Conn. Every
// test runs inside a testing/synctest bubble, so the card, signature and
// host delays pass on the fake clock: a frame's arrival time tells exactly
// which delays preceded it.

// The spec's default delays: distinct values, so the elapsed time of an
// answer shows which steps it went through.
const (
	cardDelay = time.Second
	signDelay = 2 * time.Second
	authDelay = 500 * time.Millisecond
)

func delays() Config {
	return Config{CardDelay: cardDelay, SignDelay: signDelay, AuthDelay: authDelay}
}

// patience bounds every wait for a frame, on the fake clock: far longer than
// any emulated delay, so running into it means the frame never comes.
const patience = time.Hour

type frameAt struct {
	protocol.Frame
	at time.Time // when the daemon side read it (fake clock)
}

// rig is one emulated terminal, its Run loop, and the daemon's end of a link.
type rig struct {
	t    *testing.T
	term *Terminal
	conn *protocol.Conn
	in   chan frameAt // frames from the terminal, closed when the link ends
	stop func()
}

// newRig starts a terminal and dials it. Call it inside a synctest bubble.
func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	term := New(cfg, zaptest.NewLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := term.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	r := &rig{t: t, term: term}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			if r.conn != nil {
				r.conn.Close()
			}
			cancel()
			<-done
		})
	}
	t.Cleanup(r.stop)
	r.dial()
	return r
}

// dial opens a fresh link to the terminal, as the daemon's driver does
// after a reconnect.
func (r *rig) dial() {
	r.t.Helper()
	c, err := r.term.Dial(context.Background())
	if err != nil {
		r.t.Fatalf("Dial: %v", err)
	}
	r.attach(c)
}

// attach makes c, the daemon's end of a link, the rig's link.
func (r *rig) attach(c io.ReadWriteCloser) {
	conn := protocol.NewConn(c)
	in := make(chan frameAt, 1024)
	go func() {
		defer close(in)
		for {
			f, err := conn.ReadFrame()
			if err != nil {
				return
			}
			in <- frameAt{f, time.Now()}
		}
	}()
	r.conn, r.in = conn, in
}

// pipe is an in-memory link: the daemon's end and the terminal's.
func pipe() (daemonEnd, termEnd net.Conn) { return net.Pipe() }

// send writes one frame to the terminal; body is a string, bytes or a value
// to marshal.
func (r *rig) send(code protocol.Code, body any) time.Time {
	r.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := r.conn.WriteFrame(protocol.Frame{Code: code, Body: b}); err != nil {
		r.t.Fatalf("send %s: %v", code, err)
	}
	return time.Now()
}

// next returns the next frame from the terminal.
func (r *rig) next() frameAt {
	r.t.Helper()
	select {
	case f, ok := <-r.in:
		if !ok {
			r.t.Fatal("the link closed while a frame was expected")
		}
		return f
	case <-time.After(patience):
		r.t.Fatalf("the terminal sent nothing within %v", patience)
	}
	return frameAt{}
}

// quiet fails if the terminal sends anything within d.
func (r *rig) quiet(d time.Duration) {
	r.t.Helper()
	select {
	case f, ok := <-r.in:
		if ok {
			r.t.Fatalf("the terminal sent %s %s, want nothing for %v", f.Code, f.Body, d)
		}
	case <-time.After(d):
	}
}

// reply is a decoded answer from the terminal.
type reply struct {
	code          protocol.Code
	at            time.Time
	raw           []byte
	ResultCode    string
	ResultMessage string
	Data          data
	DataKeys      map[string]json.RawMessage `json:"-"`
}

// data holds the fields of every answer shape the tests look at (JSON
// matches the seed's names case-insensitively).
type data struct {
	ApprovalNo, TransactionNo, MerchantCode, MaskedTrackData     string
	IssuerCode, IssuerName, AcquirerCode, AcquirerName           string
	TransactionDate, Ptxid, ServiceCode, ReceiptTitle            string
	TraderType, RefundSerial, TaxrefundSerial, FacilitatorSerial string
	ApprovalAmt, TipAmt, TaxAmt, TaxFreeAmt, RefundBalance       int64
	Price, CardAmount, CashAmount                                int64
	Installment                                                  int
}

func decodeReply(t *testing.T, f frameAt) reply {
	t.Helper()
	r := reply{code: f.Code, at: f.at, raw: f.Body}
	if err := json.Unmarshal(f.Body, &r); err != nil {
		t.Fatalf("answer %s %s: %v", f.Code, f.Body, err)
	}
	var env struct{ Data map[string]json.RawMessage }
	_ = json.Unmarshal(f.Body, &env)
	r.DataKeys = env.Data
	return r
}

// outcome is a transaction as the daemon sees it: the phase reports in
// order, each with its time, and the final answer.
type outcome struct {
	phases  []string
	phaseAt []time.Time
	final   reply
	started time.Time
	elapsed time.Duration // from the request to the final answer
}

// transact sends a transaction request and reads the phase reports up to
// its final answer.
func (r *rig) transact(code protocol.Code, body any) outcome {
	r.t.Helper()
	o := outcome{started: r.send(code, body)}
	return r.follow(code, o)
}

// follow reads phase reports until the final answer of code.
func (r *rig) follow(code protocol.Code, o outcome) outcome {
	r.t.Helper()
	for {
		f := r.next()
		switch f.Code {
		case protocol.DevPhase:
			var p protocol.DevPhaseReport
			if err := json.Unmarshal(f.Body, &p); err != nil {
				r.t.Fatalf("phase report %s: %v", f.Body, err)
			}
			o.phases = append(o.phases, p.Phase)
			o.phaseAt = append(o.phaseAt, f.at)
		case code:
			o.final = decodeReply(r.t, f)
			o.elapsed = f.at.Sub(o.started)
			return o
		default:
			r.t.Fatalf("waiting for the answer to %s, got %s %s", code, f.Code, f.Body)
		}
	}
}

// phase reads one frame and requires it to be the phase report p for ptxid.
func (r *rig) phase(ptxid, p string) time.Time {
	r.t.Helper()
	f := r.next()
	var rep protocol.DevPhaseReport
	if f.Code != protocol.DevPhase || json.Unmarshal(f.Body, &rep) != nil || rep != (protocol.DevPhaseReport{Ptxid: ptxid, Phase: p}) {
		r.t.Fatalf("got %s %s, want phase report %s/%s", f.Code, f.Body, ptxid, p)
	}
	return f.at
}

// ask sends a device request and returns the terminal's answer with the
// same code (phase reports in between are skipped).
func (r *rig) ask(code protocol.Code, body any) frameAt {
	r.t.Helper()
	r.send(code, body)
	for {
		f := r.next()
		if f.Code == code {
			return f
		}
		if f.Code != protocol.DevPhase {
			r.t.Fatalf("waiting for the answer to %s, got %s %s", code, f.Code, f.Body)
		}
	}
}

// askOutcome asks the terminal's books about ptxid.
func (r *rig) askOutcome(ptxid string) protocol.DevOutcomeAnswer {
	r.t.Helper()
	f := r.ask(protocol.DevOutcome, protocol.DevPtxid{Ptxid: ptxid})
	var a protocol.DevOutcomeAnswer
	if err := json.Unmarshal(f.Body, &a); err != nil {
		r.t.Fatalf("outcome answer %s: %v", f.Body, err)
	}
	return a
}

// devResult sends a DevCancel/DevReverse style request and decodes the answer.
func (r *rig) devResult(code protocol.Code, body any) protocol.DevResult {
	r.t.Helper()
	f := r.ask(code, body)
	var a protocol.DevResult
	if err := json.Unmarshal(f.Body, &a); err != nil {
		r.t.Fatalf("answer %s %s: %v", code, f.Body, err)
	}
	return a
}

// Request bodies.

func credit(price int64, ptxid string) protocol.PaymentRequest {
	return protocol.PaymentRequest{PriceAmt: price, Ptxid: ptxid}
}

func cancelOf(approval reply, amt int64, ptxid string) protocol.CancelRequest {
	return protocol.CancelRequest{ApprovalAmt: amt, ApprovalNo: approval.Data.ApprovalNo,
		TransactionDate: approval.Data.TransactionDate, TransactionNo: approval.Data.TransactionNo, Ptxid: ptxid}
}

// approve runs a transaction that must end in 0000 and returns its answer.
func (r *rig) approve(code protocol.Code, body any) reply {
	r.t.Helper()
	o := r.transact(code, body)
	if o.final.ResultCode != protocol.ResultOK {
		r.t.Fatalf("%s: got %s %s, want 0000", code, o.final.ResultCode, o.final.ResultMessage)
	}
	return o.final
}
