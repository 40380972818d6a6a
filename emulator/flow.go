package emulator

import (
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// op is the transaction the terminal is running.
type op struct {
	code     protocol.Code
	info     protocol.Info
	req      any
	ptxid    string
	amount   int64 // approvalAmt (goods + tip, or the cancel's amount)
	magic    int   // last two digits of the amount
	needSign bool
	phase    string
	orig     *entry // for a cancel
	card     card
}

// Magic amounts, by the last two digits of priceAmt (cancels: approvalAmt).
const (
	magicLimit      = 1
	magicLost       = 2
	magicExpired    = 3
	magicHostSilent = 4
	magicNeverSigns = 7
	magicMustSign   = 8
	magicNoCard     = 9
)

// start admits a transaction request.
func (s *session) start(code protocol.Code, info protocol.Info, body []byte) {
	if s.replay(code, ptxidIn(body)) {
		return
	}
	if s.op != nil {
		s.send(code, protocol.Response{ResultCode: protocol.ResultBusy, ResultMessage: protocol.MsgBusy, Data: protocol.PtxidData{Ptxid: ptxidIn(body)}})
		return
	}
	req, err := protocol.DecodeRequest(code, body, s.t.cfg.Model)
	if err == nil && req.(protocol.Transaction).PtxID() == "" {
		// A POS may leave a P3MIX slip unnamed; termd names it before it
		// reaches the terminal, whose books are kept by ptxid.
		err = &protocol.FieldError{Field: "ptxid", Reason: "required"}
	}
	if err != nil {
		s.send(code, protocol.Response{ResultCode: protocol.ResultInvalid, ResultMessage: err.Error(), Data: protocol.PtxidData{Ptxid: ptxidIn(body)}})
		return
	}
	o := &op{code: code, info: info, req: req, ptxid: req.(protocol.Transaction).PtxID()}
	o.amount = amountOf(req)
	o.magic = magicOf(req)
	if c, ok := req.(*protocol.CancelRequest); ok {
		s.t.mu.Lock()
		orig, result, why := s.t.books.original(code, c)
		s.t.mu.Unlock()
		if orig == nil {
			s.finalAnswer(code, o.ptxid, result, why)
			return
		}
		o.orig = orig
	}
	o.needSign = info.MaySign && (o.amount > protocol.SignatureAbove || o.magic == magicNeverSigns || o.magic == magicMustSign)
	s.op = o
	if r, ok := req.(*protocol.CashReceiptRequest); ok && r.ApprovalNumber != "" {
		s.authorize() // the customer's number came with the request: nothing to read
		return
	}
	// Each delay is set before the phase is reported, so whoever sees the
	// report (a scenario about to advance a virtual clock) finds it set.
	if !s.t.cfg.Manual && o.magic != magicNoCard {
		s.after(s.t.cfg.CardDelay)
	}
	s.enter(protocol.PhaseReading)
}

// replay handles a request for a ptxid the terminal already knows. The
// serial link delivers a frame twice when its ACK is lost, and a request is
// never run twice: a repeat of the running one is ignored, a repeat of a
// finished one gets the same final answer again, and a request under the
// ptxid of another code is refused (9007).
func (s *session) replay(code protocol.Code, ptxid string) bool {
	if ptxid == "" {
		return false
	}
	if s.op != nil && s.op.ptxid == ptxid {
		return true
	}
	s.t.mu.Lock()
	e, err := s.t.books.find(ptxid)
	var final []byte
	other := e != nil && e.code != code
	if e != nil {
		final = e.final
	}
	s.t.mu.Unlock()
	switch {
	case err != nil: // it may have been approved: never run it a second time
		s.send(code, protocol.Response{ResultCode: protocol.ResultDevice, ResultMessage: msgUnreadable, Data: protocol.PtxidData{Ptxid: ptxid}})
	case other: // another transaction's: it must not take that one's place in the books
		s.send(code, protocol.Response{ResultCode: protocol.ResultDuplicate, ResultMessage: protocol.MsgDuplicatePtxid, Data: protocol.PtxidData{Ptxid: ptxid}})
	case len(final) == 0:
		return false
	default:
		s.write(code, final)
	}
	return true
}

// step moves the running transaction on when its timer fires.
func (s *session) step() {
	o := s.op
	if o == nil {
		return
	}
	switch o.phase {
	case protocol.PhaseReading:
		s.cardPresented()
	case protocol.PhaseSigning:
		s.authorize()
	case protocol.PhaseAuthorizing:
		s.decide(true)
	}
}

func (s *session) control(k controlKind) error {
	o := s.op
	switch {
	case o == nil:
		return ErrNotNow
	case k == insertCard && o.phase == protocol.PhaseReading:
		s.cardPresented()
	case k == sign && o.phase == protocol.PhaseSigning:
		s.authorize()
	case k == removeCard && (o.phase == protocol.PhaseReading || o.phase == protocol.PhaseSigning):
		s.stop(protocol.ResultFailed, protocol.MsgUserCancel, true)
	default:
		return ErrNotNow
	}
	return nil
}

func (s *session) cardPresented() {
	o := s.op
	if o.orig != nil {
		o.card = o.orig.card
	} else {
		s.t.mu.Lock()
		o.card = newCard(s.t.rng)
		s.t.mu.Unlock()
	}
	if !o.needSign {
		s.authorize()
		return
	}
	if !s.t.cfg.Manual && o.magic != magicNeverSigns {
		s.after(s.t.cfg.SignDelay)
	} else {
		s.stopTimer()
	}
	s.enter(protocol.PhaseSigning)
}

func (s *session) authorize() {
	o := s.op
	s.t.mu.Lock() // on the books as pending, in case the emulator is killed now
	s.t.books.record(&entry{ptxid: o.ptxid, code: o.code, status: protocol.OutcomePending, amount: o.amount})
	err := s.t.writeBooks() // not synced: no answer depends on it
	s.t.mu.Unlock()
	if err != nil { // decide saves it again, or voids the approval
		s.t.log.Warn("books not saved", zap.Error(err))
	}
	s.after(s.t.cfg.AuthDelay)
	s.enter(protocol.PhaseAuthorizing)
}

// enter changes phase and tells the daemon.
func (s *session) enter(phase string) {
	o := s.op
	o.phase = phase
	s.t.setScreen(Screen{Phase: phase, Code: o.code, Ptxid: o.ptxid, Amount: o.amount, Message: screenText[phase]})
	s.send(protocol.DevPhase, protocol.DevPhaseReport{Ptxid: o.ptxid, Phase: phase})
}

var screenText = map[string]string{
	protocol.PhaseReading:     "카드를 넣어 주세요",
	protocol.PhaseSigning:     "서명해 주세요",
	protocol.PhaseAuthorizing: "승인 중입니다",
}

// after sets the step timer, replacing any set before.
func (s *session) after(d time.Duration) {
	s.stopTimer()
	if d <= 0 { // due now: the session loop runs it next (runDue)
		s.dueNow = true
		return
	}
	gen := s.stepGen
	s.stopStep = s.t.clock.AfterFunc(d, func() {
		due := stepDue{gen: gen, done: make(chan struct{})}
		select {
		case s.steps <- due:
		case <-s.quit:
			return
		}
		select {
		case <-due.done:
		case <-s.quit:
		}
	})
}

// stopTimer cancels the step timer; one that fired already is ignored by
// its generation.
func (s *session) stopTimer() {
	if s.stopStep != nil {
		s.stopStep()
		s.stopStep = nil
	}
	s.stepGen++
	s.dueNow = false
}

// stop ends the running transaction without the card company: the daemon
// cancelled it (no answer is sent: the daemon writes its own), or the
// customer pulled the card (answer is sent).
func (s *session) stop(code, msg string, answer bool) {
	o := s.op
	s.op = nil
	s.stopTimer()
	final := mustJSON(protocol.Response{ResultCode: code, ResultMessage: msg, Data: protocol.PtxidData{Ptxid: o.ptxid}})
	s.t.mu.Lock()
	s.t.books.record(&entry{ptxid: o.ptxid, code: o.code, status: protocol.OutcomeFailed, final: final})
	s.t.mu.Unlock()
	s.idle()
	if answer {
		_ = s.persist() // a 9999 stands whether or not the books hold it
		s.write(o.code, final)
	}
}

func (s *session) idle() {
	s.t.setScreen(Screen{Message: "대기 중"})
}

// finalAnswer sends a final answer for a transaction that never ran.
func (s *session) finalAnswer(code protocol.Code, ptxid, result, msg string) {
	final := mustJSON(protocol.Response{ResultCode: result, ResultMessage: msg, Data: protocol.PtxidData{Ptxid: ptxid}})
	s.t.mu.Lock()
	s.t.books.record(&entry{ptxid: ptxid, code: code, status: outcomeOf(result), final: final})
	s.t.mu.Unlock()
	_ = s.persist() // never a 0000: it stands whether or not the books hold it
	s.write(code, final)
}

func outcomeOf(result string) string {
	switch result {
	case protocol.ResultOK:
		return protocol.OutcomeApproved
	case protocol.ResultDeclined:
		return protocol.OutcomeDeclined
	}
	return protocol.OutcomeFailed
}

func amountOf(req any) int64 {
	switch r := req.(type) {
	case *protocol.PaymentRequest:
		return r.ApprovalAmt()
	case *protocol.CashReceiptRequest:
		return r.ApprovalAmt()
	case *protocol.CancelRequest:
		return r.ApprovalAmt
	case *protocol.TaxRefundRequest:
		return r.ApprovalAmt + r.CardAmount + r.CashAmount + r.EtcAmount
	}
	return 0
}

// magicOf reads the last two digits that choose the emulated behaviour:
// of priceAmt for sales, of approvalAmt for cancels.
func magicOf(req any) int {
	switch r := req.(type) {
	case *protocol.PaymentRequest:
		return int(r.PriceAmt % 100)
	case *protocol.CashReceiptRequest:
		return int(r.PriceAmt % 100)
	case *protocol.CancelRequest:
		return int(r.ApprovalAmt % 100)
	}
	return 0
}

func ptxidIn(body []byte) string {
	var v struct {
		Ptxid string `json:"ptxid"`
	}
	_ = jsonUnmarshal(body, &v)
	return v.Ptxid
}
