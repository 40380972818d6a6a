package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// model is what the store must answer, kept the plain way: the latest
// version of every record.
type model struct {
	recs map[string]*Record
	seq  uint64
}

func (m *model) put(now time.Time, recs ...*Record) {
	for _, in := range recs {
		r := in.Clone()
		if old, ok := m.recs[r.Ptxid]; ok {
			r.Seq, r.Created = old.Seq, old.Created
		} else {
			m.seq++
			r.Seq, r.Created = m.seq, now
		}
		m.recs[r.Ptxid] = r
	}
}

func (m *model) bySeq() []*Record {
	out := make([]*Record, 0, len(m.recs))
	for _, r := range m.recs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Record) int { return int(a.Seq) - int(b.Seq) })
	return out
}

func unsettledRec(r *Record) bool {
	return r.Status == StatusRunning || r.Status == StatusUnknown || r.Confirm == ConfirmAwaiting ||
		(r.Confirm == ConfirmReverse && r.Status == StatusApproved)
}

// summary totals as SPEC §3.4 says, record by record.
func (m *model) summary(from, to string) protocol.SummaryData {
	var sum protocol.SummaryData
	issuers := [2]map[string]bool{{}, {}}
	add := func(t *protocol.Totals, seen map[string]bool, r *Record) {
		t.Count++
		t.Price += r.ApprovalAmt
		if r.IssuerCode != "" && !seen[r.IssuerCode] {
			seen[r.IssuerCode] = true
			t.Issuer++
		}
	}
	for _, r := range m.bySeq() {
		if r.Day == "" || r.Day < from || r.Day > to {
			continue
		}
		switch r.Code {
		case protocol.CodeCreditApproval, protocol.CodeSimplePayApproval:
			if r.Status == StatusApproved || r.Status == StatusCancelled || r.Status == StatusReversed {
				add(&sum.Approved, issuers[0], r)
			}
			if r.Status == StatusReversed {
				add(&sum.Canceled, issuers[1], r)
			}
		case protocol.CodeCreditCancel, protocol.CodeSimplePayCancel:
			if r.Status == StatusApproved {
				add(&sum.Canceled, issuers[1], r)
			}
		}
	}
	return sum
}

var (
	modelCodes    = []protocol.Code{protocol.CodeCreditApproval, protocol.CodeSimplePayApproval, protocol.CodeCreditCancel, protocol.CodeCashReceipt}
	modelStatuses = []Status{StatusRunning, StatusUnknown, StatusApproved, StatusDeclined, StatusFailed, StatusCancelled, StatusReversed}
	modelConfirms = []Confirmation{ConfirmNone, ConfirmAwaiting, ConfirmConfirmed, ConfirmUnconfirmed, ConfirmReverse}
	modelDays     = []string{"", "20261101", "20261102", "20261103", "20261130"}
)

func randomRecord(rng *rand.Rand, ids int) *Record {
	return &Record{
		Ptxid: fmt.Sprint("m", rng.IntN(ids)), Code: modelCodes[rng.IntN(len(modelCodes))],
		Status: modelStatuses[rng.IntN(len(modelStatuses))], Confirm: modelConfirms[rng.IntN(len(modelConfirms))],
		ApprovalNo: fmt.Sprint(rng.IntN(20)), Day: modelDays[rng.IntN(len(modelDays))],
		ApprovalAmt: int64(rng.IntN(100000)), IssuerCode: fmt.Sprint(rng.IntN(4)),
		Request: []byte(fmt.Sprintf(`{"n":%d}`, rng.IntN(1000))),
	}
}

// The store answers every query as the plain model does, through random
// Puts (batches with one ptxid twice included), compactions and reopens.
func TestStoreAgreesWithAPlainModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	opt := Options{Retention: 48 * time.Hour, Now: clock}
	s := open(t, dir, opt)
	defer func() { s.Close() }()
	m := &model{recs: map[string]*Record{}}
	for step := range 3000 {
		switch k := rng.IntN(100); {
		case k < 2:
			s.Close()
			s = open(t, dir, opt)
		case k < 5:
			now = now.Add(time.Duration(rng.IntN(30)) * time.Hour)
			cutoff := now.Add(-opt.Retention)
			if _, err := s.Compact(); err != nil {
				t.Fatal(err)
			}
			var newest time.Time
			for _, r := range m.recs {
				if r.Created.After(newest) {
					newest = r.Created
				}
			}
			if !newest.Before(cutoff) { // else the clock looks wrong: nothing goes
				for id, r := range m.recs {
					if r.Created.Before(cutoff) && !unsettledRec(r) {
						delete(m.recs, id)
					}
				}
			}
		default:
			batch := make([]*Record, 1+rng.IntN(3))
			for i := range batch {
				batch[i] = randomRecord(rng, 200)
			}
			if err := s.Put(batch...); err != nil {
				t.Fatal(err)
			}
			m.put(now, batch...)
			now = now.Add(time.Minute)
		}
		if step%50 == 0 {
			m.check(t, s, step)
		}
	}
	m.check(t, s, -1)
}

func (m *model) check(t *testing.T, s *Store, step int) {
	t.Helper()
	want := m.bySeq()
	if s.Len() != len(want) {
		t.Fatalf("step %d: %d records, want %d", step, s.Len(), len(want))
	}
	same := func(what string, got, w *Record) {
		t.Helper()
		if got == nil || got.Ptxid != w.Ptxid || got.Seq != w.Seq || !got.Created.Equal(w.Created) || got.Status != w.Status ||
			got.Confirm != w.Confirm || got.Day != w.Day || got.ApprovalAmt != w.ApprovalAmt || string(got.Request) != string(w.Request) {
			t.Fatalf("step %d: %s is %+v, want %+v", step, what, got, w)
		}
	}
	for _, w := range want {
		got, _ := s.Get(w.Ptxid)
		same("Get "+w.Ptxid, got, w)
	}
	for i, got := range s.Recent(-1) {
		same("Recent", got, want[len(want)-1-i])
	}
	var unsettled []*Record
	firstApproval := map[string]*Record{}
	var delivered *Record
	for _, w := range want {
		if unsettledRec(w) {
			unsettled = append(unsettled, w)
		}
		if w.Confirm != ConfirmNone && w.Confirm != ConfirmReverse {
			delivered = w
		}
		key := string(w.Code) + "|" + w.ApprovalNo + "|" + w.Day
		if w.ApprovalNo != "" && w.Day != "" && firstApproval[key] == nil {
			firstApproval[key] = w
		}
	}
	got := s.Unsettled()
	if len(got) != len(unsettled) {
		t.Fatalf("step %d: %d unsettled, want %d", step, len(got), len(unsettled))
	}
	for i := range got {
		same("Unsettled", got[i], unsettled[i])
	}
	if d, ok := s.LastDelivered(); ok != (delivered != nil) || (ok && d.Ptxid != delivered.Ptxid) {
		t.Fatalf("step %d: LastDelivered %v %v, want %v", step, d, ok, delivered)
	}
	for key, w := range firstApproval {
		got, _ := s.FindApproval(w.Code, w.ApprovalNo, w.Day)
		same("FindApproval "+key, got, w)
	}
	for _, code := range modelCodes { // and no key a record no longer has
		for n := range 20 {
			for _, day := range modelDays[1:] {
				w := firstApproval[string(code)+"|"+fmt.Sprint(n)+"|"+day]
				if got, ok := s.FindApproval(code, fmt.Sprint(n), day); ok != (w != nil) {
					t.Fatalf("step %d: FindApproval %s %d %s found %+v, want %+v", step, code, n, day, got, w)
				}
			}
		}
	}
	for _, r := range [][2]string{{"20261101", "20261130"}, {"20261102", "20261103"}, {"20261103", "20261103"}, {"20261201", "20261231"}} {
		if got, w := s.Summary(r[0], r[1]), m.summary(r[0], r[1]); got != w {
			t.Fatalf("step %d: summary %v: %+v, want %+v", step, r, got, w)
		}
	}
}
