package emulator

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// session is one link session: its goroutine owns the running operation
// and the step timer.
type session struct {
	t    *Terminal
	conn FrameConn
	op   *op
	// The step timer runs on the terminal's clock (wall or virtual). A fired
	// timer hands the session a step and waits until it is done, so a
	// virtual clock's Advance sees the next delay it sets.
	steps    chan stepDue
	quit     chan struct{} // closed when the session ends
	stepGen  uint64        // tells a fired timer from one since re-set
	stopStep func() bool
	dueNow   bool // a step with no delay waits for runDue
}

// stepDue is a fired step timer; done is closed once the step is handled.
type stepDue struct {
	gen  uint64
	done chan struct{}
}

// Serve plays the terminal over conn until the link fails or ctx ends.
// The books outlive the session.
func (t *Terminal) Serve(ctx context.Context, conn FrameConn) error {
	if !t.WaitLoaded(ctx) { // a terminal answers once it has booted
		return ctx.Err()
	}
	// A terminal has one cable: a link is served once the last one has
	// ended, its transaction decided and its books saved. Two sessions
	// side by side would each run a cancel of the same approval.
	select {
	case t.link <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-t.link }()
	t.mu.Lock()
	unplugged := t.unplug // pulled since Dial: Unplug did not see this link
	if !unplugged {
		t.conn = conn
	}
	t.mu.Unlock()
	if unplugged {
		conn.Close()
		return ErrUnplugged
	}
	s := &session{t: t, conn: conn, steps: make(chan stepDue), quit: make(chan struct{})}
	defer close(s.quit)
	defer s.stopTimer()

	frames := make(chan protocol.Frame)
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := conn.ReadFrame()
			if err != nil {
				readErr <- err
				return
			}
			select {
			case frames <- f:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
		}
	}()
	defer func() {
		t.mu.Lock()
		if t.conn == conn {
			t.conn = nil
		}
		t.mu.Unlock()
		conn.Close()
		<-readErr // the reader has stopped
		s.linkLost()
		_ = s.persist()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			readErr <- err
			return err
		case f := <-frames:
			s.frame(f)
		case c := <-t.control:
			c.done <- s.control(c.kind)
		case due := <-s.steps:
			if due.gen == s.stepGen {
				s.step()
			}
			s.persist()
			s.runDue()
			close(due.done)
			continue
		}
		_ = s.persist()
		s.runDue()
	}
}

// runDue runs the steps whose delay is zero, in the session's goroutine,
// once the event that set them is handled and its report sent: the order
// a timer firing at once would give, without a timer goroutine and two
// hand-offs per step (a payment with no delays has three).
func (s *session) runDue() {
	for s.dueNow {
		s.dueNow = false
		s.step()
		_ = s.persist()
	}
}

func (s *session) send(code protocol.Code, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.t.log.Error("marshal", zap.Error(err))
		return
	}
	s.write(code, b)
}

// write sends one frame; a failed write is the link's end, which the
// session learns from its reader.
func (s *session) write(code protocol.Code, body []byte) {
	if err := s.conn.WriteFrame(protocol.Frame{Code: code, Body: body}); err != nil {
		s.t.log.Debug("write failed", zap.String("code", string(code)), zap.Error(err))
	}
}

// frame handles one frame from the daemon.
func (s *session) frame(f protocol.Frame) {
	switch f.Code {
	case protocol.DevCancel:
		s.cancel(f.Body)
	case protocol.DevOutcome:
		s.outcome(f.Body)
	case protocol.DevReverse:
		s.reverse(f.Body)
	case protocol.DevStatus:
		st := protocol.DevStatusAnswer{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgDone, Model: s.t.cfg.Model, Busy: s.op != nil}
		if s.op != nil {
			st.Ptxid = s.op.ptxid
		}
		s.send(f.Code, st)
	case protocol.CodeCodeDownload:
		s.send(f.Code, protocol.Response{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgCodeList, Data: codeList()})
	default:
		info, ok := protocol.Lookup(f.Code)
		if !ok || info.Kind != protocol.KindTransaction {
			s.send(f.Code, protocol.Response{ResultCode: protocol.ResultUnsupported, ResultMessage: "the terminal does not serve " + string(f.Code)})
			return
		}
		s.start(f.Code, info, f.Body)
	}
}

// cancel answers DevCancel: stopped (0000) while reading or signing, too
// late (0001) while authorizing, nothing to stop (9991).
func (s *session) cancel(body []byte) {
	var req protocol.DevCancelRequest
	_ = json.Unmarshal(body, &req)
	o := s.op
	switch {
	case o == nil || (req.Ptxid != "" && req.Ptxid != o.ptxid):
		s.send(protocol.DevCancel, protocol.DevResult{ResultCode: protocol.ResultUnable, ResultMessage: protocol.MsgUnable, Ptxid: req.Ptxid})
	case o.phase == protocol.PhaseAuthorizing:
		s.send(protocol.DevCancel, protocol.DevResult{ResultCode: protocol.ResultProcessing, ResultMessage: protocol.MsgCannotAbort, Ptxid: o.ptxid})
	default:
		// Stopped before the card company saw it: nothing was charged,
		// whether or not the books could note it, so the answer stands.
		s.stop(protocol.ResultFailed, protocol.MsgUserCancel, false)
		_ = s.persist()
		s.send(protocol.DevCancel, protocol.DevResult{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgDone, Ptxid: o.ptxid})
	}
}

// outcome answers DevOutcome from the books.
func (s *session) outcome(body []byte) {
	var req protocol.DevPtxid
	_ = json.Unmarshal(body, &req)
	a := protocol.DevOutcomeAnswer{Ptxid: req.Ptxid}
	s.t.mu.Lock() // the entry is read under the lock: another session may be changing it
	e, err := s.t.books.find(req.Ptxid)
	switch {
	case s.op != nil && s.op.ptxid == req.Ptxid:
		a.ResultCode, a.ResultMessage, a.Code, a.Status = protocol.ResultOK, protocol.MsgDone, s.op.code, protocol.OutcomePending
	case err != nil:
		a.ResultCode, a.ResultMessage = protocol.ResultDevice, msgUnreadable
	case e == nil:
		a.ResultCode, a.ResultMessage = protocol.ResultNoOriginal, "단말기에 없는 거래"
	default:
		a.ResultCode, a.ResultMessage, a.Code, a.Status, a.Final = protocol.ResultOK, protocol.MsgDone, e.code, e.status, e.final
	}
	s.t.mu.Unlock()
	s.send(protocol.DevOutcome, a)
}

// reverse undoes an approval the POS never confirmed (망취소). It is
// idempotent, as the daemon relies on: it asks again when an answer was
// lost, so an approval already reversed answers 0000 again. Only what the
// terminal never approved, or what a cancel since settled, answers 9006. The
// 0000 leaves once the books on disk say reversed; if they cannot, the
// approval stands and the answer is 9004.
func (s *session) reverse(body []byte) {
	var req protocol.DevPtxid
	_ = json.Unmarshal(body, &req)
	res := protocol.DevResult{ResultCode: protocol.ResultOK, ResultMessage: "망취소 완료", Ptxid: req.Ptxid}
	s.t.mu.Lock()
	e, err := s.t.books.find(req.Ptxid)
	reversible := e != nil && mustInfo(e.code).Confirm && !mustInfo(e.code).Cancel
	switch {
	case err != nil: // it may be an approval: never say there is none
		res.ResultCode, res.ResultMessage = protocol.ResultDevice, msgUnreadable
	case reversible && e.status == protocol.OutcomeReversed:
	case reversible && e.status == protocol.OutcomeApproved:
		before := s.t.books.snapshot(e)
		e.status, e.balance = protocol.OutcomeReversed, 0
		s.t.books.touch(e)
		if err := s.t.saveBooks(); err != nil {
			s.t.log.Error("books not saved; the approval stands", zap.String("ptxid", req.Ptxid), zap.Error(err))
			before.restore()
			res.ResultCode, res.ResultMessage = protocol.ResultDevice, msgNotRecorded
		}
	default:
		res.ResultCode, res.ResultMessage = protocol.ResultNoOriginal, "망취소할 승인이 없습니다"
	}
	s.t.mu.Unlock()
	if res.ResultCode == protocol.ResultOK {
		s.t.log.Info("approval reversed", zap.String("ptxid", req.Ptxid))
	}
	s.send(protocol.DevReverse, res)
}

// linkLost: the cable was pulled or the daemon went away. A transaction the
// card company was already deciding is decided anyway (as a real host
// would), so the daemon can learn its outcome when the link returns.
func (s *session) linkLost() {
	o := s.op
	if o == nil {
		return
	}
	if o.phase == protocol.PhaseAuthorizing {
		s.decide(false)
		return
	}
	s.stop(protocol.ResultFailed, protocol.MsgUserCancel, false)
}

// persist saves and syncs the books, when they are kept on disk. Answers
// that depend on the books call it (or save themselves) before they leave;
// the session loop calls it after every event for the rest.
func (s *session) persist() error {
	s.t.mu.Lock()
	err := s.t.saveBooks()
	s.t.mu.Unlock()
	if err != nil {
		s.t.log.Warn("books not saved", zap.Error(err))
	}
	return err
}
