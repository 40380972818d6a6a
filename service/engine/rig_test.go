package engine

import (
	"context"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/device"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// rig runs an Engine and the real device.Driver against a scripted terminal
// on the far end of an in-memory pipe, inside a synctest bubble: the test
// plays the terminal frame by frame and the fake clock runs the 30 s and
// 60 s windows in no time.
type rig struct {
	t     *testing.T
	eng   *Engine
	store *store.Store
	dir   string         // the journal's folder
	disk  *faultyJournal // the store as the engine sees it: fails on command
	term  *protocol.Conn
	// fromDaemon holds every frame the daemon sent to the terminal.
	fromDaemon chan protocol.Frame
	plug       chan net.Conn // hands the driver a fresh link
	stop       func()
	shutdown   func() // asks the engine to drain, as SIGTERM does
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	log := zaptest.NewLogger(t)
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, store: st, dir: dir, disk: &faultyJournal{Store: st}, fromDaemon: make(chan protocol.Frame, 64), plug: make(chan net.Conn, 1)}
	open := func(ctx context.Context) (device.FrameConn, error) {
		select {
		case c := <-r.plug:
			return protocol.NewConn(c), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	drv := device.NewDriver(open, log.Named("device"), device.Options{})
	r.eng = New(cfg, drv, r.disk, nil, log.Named("engine"))

	ctx, cancel := context.WithCancel(context.Background())
	r.shutdown = func() { r.eng.Drain(); synctest.Wait() }
	devCtx, cancelDev := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { drv.Run(devCtx) })
	wg.Go(func() { r.eng.Run(ctx) })
	r.stop = func() {
		cancel()
		<-r.eng.stopped
		cancelDev()
		if r.term != nil {
			r.term.Close()
		}
		wg.Wait()
		st.Close()
	}
	t.Cleanup(r.stop)
	r.plugIn()
	return r
}

// plugIn connects a fresh terminal link and answers the code-list request
// every link-up brings.
func (r *rig) plugIn() {
	a, b := net.Pipe()
	r.term = protocol.NewConn(b)
	r.plug <- a
	term := r.term
	go func() {
		for {
			f, err := term.ReadFrame()
			if err != nil {
				return
			}
			if f.Code == protocol.CodeCodeDownload {
				term.WriteFrame(protocol.Frame{Code: f.Code, Body: []byte(`{"resultCode":"0000","resultMessage":"코드리스트 정상 조회","data":{"totalCount":1,"codeList":[{"code":"01","codeName":"비씨","groupCode":"IS","groupCodeName":"발급사"}]}}`)})
				continue
			}
			r.fromDaemon <- f
		}
	}()
	synctest.Wait()
}

// unplug cuts the terminal link as a pulled USB cable does.
func (r *rig) unplug() {
	r.term.Close()
	synctest.Wait()
}

// toTerminal returns the next frame the daemon sent to the terminal.
func (r *rig) toTerminal() protocol.Frame {
	r.t.Helper()
	synctest.Wait()
	select {
	case f := <-r.fromDaemon:
		return f
	default:
		r.t.Fatal("the daemon sent nothing to the terminal")
		return protocol.Frame{}
	}
}

// terminalIdle fails if the daemon sent the terminal anything.
func (r *rig) terminalIdle() {
	r.t.Helper()
	synctest.Wait()
	select {
	case f := <-r.fromDaemon:
		r.t.Fatalf("the terminal got %s %s, want nothing", f.Code, f.Body)
	default:
	}
}

// say sends a frame from the terminal to the daemon.
func (r *rig) say(code protocol.Code, v any) {
	r.t.Helper()
	if err := r.term.WriteFrame(protocol.Frame{Code: code, Body: mustJSON(v)}); err != nil {
		r.t.Fatal(err)
	}
	synctest.Wait()
}

func (r *rig) phase(ptxid, phase string) {
	r.say(protocol.DevPhase, protocol.DevPhaseReport{Ptxid: ptxid, Phase: phase})
}

// approve answers the running request like a terminal approving it.
func (r *rig) approve(code protocol.Code, ptxid string, amt int64) {
	r.say(code, protocol.Response{ResultCode: "0000", ResultMessage: protocol.MsgApproved, Data: protocol.CardResult{
		ApprovalNo: "12345678", TransactionNo: "000000000001", ApprovalAmt: amt, IssuerCode: "01",
		MaskedTrackData: "536148******1234", TransactionDate: time.Now().Format("20060102150405"), Ptxid: ptxid,
	}})
}

// pos is a POS connection that records what it receives.
type pos struct {
	t      *testing.T
	frames chan protocol.Frame
}

func (r *rig) pos() *pos { return &pos{t: r.t, frames: make(chan protocol.Frame, 64)} }

func (p *pos) Send(f protocol.Frame) error {
	p.frames <- protocol.Frame{Code: f.Code, Body: append([]byte(nil), f.Body...)}
	return nil
}

func (p *pos) send(e *Engine, code protocol.Code, body string) {
	e.Frame(p, protocol.Frame{Code: code, Body: []byte(body)})
	synctest.Wait()
}

// answer is one decoded frame received by a POS.
type answer struct {
	Code          protocol.Code
	ResultCode    string
	ResultMessage string
	Ptxid         string
	Body          map[string]any
}

// next returns the next frame the POS received.
func (p *pos) next() answer {
	p.t.Helper()
	synctest.Wait()
	select {
	case f := <-p.frames:
		var h protocol.ResultHeader
		if err := json.Unmarshal(f.Body, &h); err != nil {
			p.t.Fatalf("answer %s %q: %v", f.Code, f.Body, err)
		}
		a := answer{Code: f.Code, ResultCode: h.ResultCode, ResultMessage: h.ResultMessage, Ptxid: dataPtxid(h.Data)}
		_ = json.Unmarshal(f.Body, &a.Body)
		return a
	default:
		p.t.Fatal("the POS received nothing")
		return answer{}
	}
}

// quiet fails if the POS received anything.
func (p *pos) quiet() {
	p.t.Helper()
	synctest.Wait()
	select {
	case f := <-p.frames:
		p.t.Fatalf("POS got %s %s, want nothing", f.Code, f.Body)
	default:
	}
}

func (p *pos) expect(code protocol.Code, result, msg, ptxid string) answer {
	p.t.Helper()
	a := p.next()
	if a.Code != code || a.ResultCode != result || (msg != "" && a.ResultMessage != msg) || a.Ptxid != ptxid {
		p.t.Fatalf("POS got %s %s %q ptxid=%q, want %s %s %q ptxid=%q", a.Code, a.ResultCode, a.ResultMessage, a.Ptxid, code, result, msg, ptxid)
	}
	return a
}

func approval(ptxid string, price int) string {
	return string(mustJSON(map[string]any{"priceAmt": price, "ptxid": ptxid}))
}

// run wraps a test body in a synctest bubble.
func run(t *testing.T, f func(t *testing.T)) {
	synctest.Test(t, f)
}
