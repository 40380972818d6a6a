package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"weak"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// entry is one transaction in the emulated terminal's own books, which the
// daemon can ask about (DevOutcome) and which cancels are checked against.
type entry struct {
	ptxid   string
	code    protocol.Code
	status  string // protocol.Outcome*
	final   json.RawMessage
	amount  int64 // approvalAmt
	balance int64 // left to cancel
	// for approvals
	approvalNo, day string
	card            card
	refundSerial    string
	slot            int32 // the ptxid's place in books.slots
}

type approvalKey struct {
	code            protocol.Code
	approvalNo, day string
}

// books are the terminal's memory of what it did; they survive link
// sessions (an unplug) and, with a books file, the process.
//
// With a file, a year of books would not fit in a small PC's memory as
// entries (a final answer alone is ~400 bytes), so the books keep per
// ptxid only where its latest line is in the file, plus the approval and
// slip indexes, and read an entry back from its line when one is asked
// for. An entry in use stays the same object for as long as anyone holds
// it (a cancel holds its original across saves): the books hand out the
// object through a weak pointer until the garbage collector drops it, and
// only then read the line again. An entry changed but not yet saved is
// held by dirty, so the file's line is all that can be forgotten.
type books struct {
	file string      // "" keeps every entry in memory (pinned)
	log  *zap.Logger // for a line that cannot be read back
	// index and slots: where each ptxid's latest line is.
	index map[string]int32
	slots []slot
	// The approvals a cancel can name, and the tax-refund slips.
	byApproval  map[uint64]int32
	oddApproval map[approvalKey]int32 // numbers or days that do not pack
	bySlip      map[string]int32
	codes       map[protocol.Code]uint8 // approval codes packed in keys
	live        map[int32]weak.Pointer[entry]
	pinned      map[int32]*entry // no file, or a line that could not be written
	livePruned  int              // len(live) after the last prune
	dirty       []*entry         // changed since the books were last saved
	syncs       int              // fsyncs of the file, counted for the tests
	taken       []uint32         // approval numbers the file held at start, sorted
}

// slot is where in the books file a ptxid's latest line is.
type slot struct {
	at int64
	n  int32 // 0: not in the file yet
}

func newBooks() *books {
	return &books{log: zap.NewNop(), index: map[string]int32{}, byApproval: map[uint64]int32{}, oddApproval: map[approvalKey]int32{},
		bySlip: map[string]int32{}, codes: map[protocol.Code]uint8{}, live: map[int32]weak.Pointer[entry]{}, pinned: map[int32]*entry{}}
}

// touch notes that e changed in place.
func (b *books) touch(e *entry) { b.dirty = append(b.dirty, e) }

// record makes e the ptxid's entry.
func (b *books) record(e *entry) {
	i, ok := b.index[e.ptxid]
	if !ok {
		i = b.newSlot(e.ptxid)
	}
	e.slot = i
	b.hold(e)
	b.touch(e)
	b.indexEntry(e)
}

func (b *books) newSlot(ptxid string) int32 {
	i := int32(len(b.slots))
	b.slots = append(b.slots, slot{})
	b.index[ptxid] = i
	return i
}

// hold keeps e as the entry of its slot: strongly without a file,
// weakly with one (its line in the file is the rest of its life).
func (b *books) hold(e *entry) {
	if b.file == "" {
		b.pinned[e.slot] = e
		return
	}
	b.live[e.slot] = weak.Make(e)
}

// indexEntry adds e to the approval and slip indexes.
func (b *books) indexEntry(e *entry) {
	b.indexAs(e.slot, e.code, e.status, e.approvalNo, e.day, e.refundSerial)
}

// indexAs adds the entry of slot i to the approval and slip indexes. An
// approval since cancelled or reversed stays indexed, at a start as in
// the run that settled it, so a cancel naming it is told it is settled.
func (b *books) indexAs(i int32, code protocol.Code, status, approvalNo, day, refundSerial string) {
	approved := status == protocol.OutcomeApproved || status == protocol.OutcomeCancelled || status == protocol.OutcomeReversed
	if approved && approvalNo != "" && !mustInfo(code).Cancel {
		b.setApproval(code, approvalNo, day, i)
	}
	if refundSerial != "" {
		b.bySlip[refundSerial] = i
	}
}

// errUnreadable: the books hold the transaction but cannot read its line
// back now (a disk error, the file moved away). The terminal then says it
// cannot tell, never that it does not know the transaction: the daemon
// would journal an approval as failed, or run a repeated request again.
var errUnreadable = errors.New("emulator: a transaction in the books cannot be read back")

// msgUnreadable is the answer the terminal gives while it cannot read a
// transaction back from its books.
const msgUnreadable = "단말기 거래 기록 읽기 실패"

// find returns the entry of ptxid, reading it back from the file if no one
// holds it now: nil and no error if the books do not know ptxid.
func (b *books) find(ptxid string) (*entry, error) {
	i, ok := b.index[ptxid]
	if !ok {
		return nil, nil
	}
	e, err := b.at(i)
	if err == nil && e.ptxid != ptxid { // the file is not the one the books wrote
		err = fmt.Errorf("%w: its line holds another transaction", errUnreadable)
		b.log.Error("books file changed under the terminal", zap.Error(err))
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// at returns the entry of slot i.
func (b *books) at(i int32) (*entry, error) {
	if e := b.pinned[i]; e != nil {
		return e, nil
	}
	if e := b.live[i].Value(); e != nil {
		return e, nil
	}
	e, err := readEntry(b.file, b.slots[i])
	if err != nil {
		b.log.Error("a transaction in the books cannot be read back", zap.Error(err))
		return nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	e.slot = i
	b.live[i] = weak.Make(e)
	b.prune() // inquiries alone read entries back and save nothing
	return e, nil
}

// saved notes that e's latest line is now at s in the file.
func (b *books) saved(e *entry, s slot) {
	b.slots[e.slot] = s
	delete(b.pinned, e.slot)
	b.live[e.slot] = weak.Make(e)
}

// prune forgets the weak pointers of entries the collector dropped, once
// there are twice as many as after the last prune.
func (b *books) prune() {
	if len(b.live) < 2*b.livePruned+1024 {
		return
	}
	for i, w := range b.live {
		if w.Value() == nil {
			delete(b.live, i)
		}
	}
	b.livePruned = len(b.live)
}

// msgNotRecorded is the final answer of a transaction the card company
// approved but the terminal could not write into its books: the terminal
// voids it rather than answer 0000 for money its books do not hold.
const msgNotRecorded = "단말기 거래 기록 실패"

// undo holds entries as they were before a change, so that a change the
// books could not save can be taken back.
type undo []struct {
	e   *entry
	was entry
}

// snapshot remembers es (nil ones skipped) as they are now.
func (b *books) snapshot(es ...*entry) undo {
	var u undo
	for _, e := range es {
		if e != nil {
			u = append(u, struct {
				e   *entry
				was entry
			}{e, *e})
		}
	}
	return u
}

// restore puts the remembered entries back as they were.
func (u undo) restore() {
	for _, x := range u {
		*x.e = x.was
	}
}

// void turns e, just recorded as approved, into a failure the terminal
// answers with 9004: no cancel can name it and no slip is issued.
func (b *books) void(e *entry) []byte {
	b.deleteApproval(e.code, e.approvalNo, e.day)
	if e.refundSerial != "" { // and its line names no slip, so the next start indexes none
		delete(b.bySlip, e.refundSerial)
		e.refundSerial = ""
	}
	e.status, e.balance = protocol.OutcomeFailed, 0
	e.final = mustJSON(protocol.Response{ResultCode: protocol.ResultDevice, ResultMessage: msgNotRecorded, Data: protocol.PtxidData{Ptxid: e.ptxid}})
	b.touch(e)
	return e.final
}

// slip is the tax-refund slip with serial, or nil if the books have none.
func (b *books) slip(serial string) (*entry, error) {
	i, ok := b.bySlip[serial]
	if !ok {
		return nil, nil
	}
	e, err := b.at(i)
	if err != nil || e.refundSerial != serial {
		return nil, err
	}
	return e, nil
}

// slipOf is the slip a slip cancel or query names, if the books have it.
func (b *books) slipOf(req any) *entry {
	if r, ok := req.(*protocol.TaxRefundRefRequest); ok {
		e, _ := b.slip(r.TaxRefundSerial)
		return e
	}
	return nil
}

// approvalCode maps a cancel to the approval it cancels.
var approvalCode = map[protocol.Code]protocol.Code{
	protocol.CodeCreditCancel:      protocol.CodeCreditApproval,
	protocol.CodeSimplePayCancel:   protocol.CodeSimplePayApproval,
	protocol.CodeCashReceiptCancel: protocol.CodeCashReceipt,
}

// original finds the approval a cancel names, or says why it cannot be
// cancelled: no such original (9006), or books that cannot read it now
// (9004, for it may well be there).
func (b *books) original(code protocol.Code, r *protocol.CancelRequest) (e *entry, result, why string) {
	e, err := b.approval(approvalCode[code], r.ApprovalNo, r.OriginalDate())
	switch {
	case err != nil:
		return nil, protocol.ResultDevice, msgUnreadable
	case e == nil:
		return nil, protocol.ResultNoOriginal, protocol.MsgNoOriginal
	}
	if why := uncancellable(e, r.ApprovalAmt); why != "" {
		return nil, protocol.ResultNoOriginal, why
	}
	return e, "", ""
}

// uncancellable says why amount cannot be cancelled of approval e now, or
// "" if it can. A cancel asks when it starts and again when the card
// company answers: the approval may have been settled meanwhile.
func uncancellable(e *entry, amount int64) string {
	switch {
	case e.status != protocol.OutcomeApproved:
		return "이미 취소된 거래입니다"
	case amount > e.balance:
		return "취소 가능 금액 초과"
	}
	return ""
}

func mustInfo(c protocol.Code) protocol.Info {
	info, _ := protocol.Lookup(c)
	return info
}
