package emulator

import (
	"fmt"
	"math/rand/v2"

	"github.com/termd/termd/protocol"
)

// issuer is a card company as the emulated terminal knows it.
type issuer struct {
	code, name       string
	acqCode, acqName string
	bin              string // first six digits of its cards
}

var issuers = []issuer{
	{"01", "비씨카드", "A01", "비씨카드 매입", "540926"},
	{"02", "KB국민카드", "A02", "KB국민카드 매입", "457973"},
	{"03", "하나카드", "A03", "하나카드 매입", "459950"},
	{"04", "삼성카드", "A04", "삼성카드 매입", "536148"},
	{"06", "신한카드", "A06", "신한카드 매입", "451842"},
	{"07", "현대카드", "A07", "현대카드 매입", "433028"},
	{"08", "롯데카드", "A08", "롯데카드 매입", "532092"},
	{"11", "NH농협카드", "A11", "NH농협카드 매입", "356417"},
}

// codeList is the 081008 answer: every issuer and acquirer the emulator
// ever names, plus the document's own examples.
func codeList() protocol.CodeListData {
	var list []protocol.CodeEntry
	for _, is := range issuers {
		list = append(list, protocol.CodeEntry{Code: is.code, CodeName: is.name, GroupCode: "IS", GroupCodeName: "발급사"})
	}
	for _, is := range issuers {
		list = append(list, protocol.CodeEntry{Code: is.acqCode, CodeName: is.acqName, GroupCode: "AQ", GroupCodeName: "매입사"})
	}
	list = append(list,
		protocol.CodeEntry{Code: "AQ15", CodeName: "KT 포인트", GroupCode: "AG04", GroupCodeName: "국내포인트결제매입사"},
		protocol.CodeEntry{Code: "AQ16", CodeName: "LG 포인트", GroupCode: "AG04", GroupCodeName: "국내포인트결제매입사"},
		protocol.CodeEntry{Code: "CASH", CodeName: "현금영수증", GroupCode: "", GroupCodeName: ""},
	)
	return protocol.CodeListData{TotalCount: len(list), CodeList: list}
}

// card is what the terminal read from a card, already masked: the full
// number exists only inside newCard.
type card struct {
	issuer issuer
	masked string
}

func newCard(rng *rand.Rand) card {
	is := issuers[rng.IntN(len(issuers))]
	pan := is.bin
	for range 9 {
		pan += string(rune('0' + rng.IntN(10)))
	}
	pan += string(rune('0' + luhn(pan)))
	return card{issuer: is, masked: protocol.MaskCard(pan)}
}

// luhn returns the check digit that makes digits+check pass the Luhn test.
func luhn(digits string) int {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// numbers hands out approval and transaction numbers that are unique for
// the life of the books. Those of this run are remembered by value, not as
// strings: a run of 100,000 payments would otherwise hold ~10 MB for them,
// as much as its books.
type numbers struct {
	rng   *rand.Rand
	used  map[uint64]struct{} // numberKey of each number handed out in this run
	taken func(string) bool   // numbers the books file held at start (nil: none)
}

func newNumbers(rng *rand.Rand) *numbers { return &numbers{rng: rng, used: map[uint64]struct{}{}} }

// numberKey tells numbers of different lengths apart ("0042" from "42");
// digits ≤ 18 keeps the value below 2^60.
func numberKey(digits int, v uint64) uint64 { return uint64(digits)<<60 | v }

func (n *numbers) next(digits int) string {
	for {
		v := n.rng.Int64N(pow10(digits))
		s := fmt.Sprintf("%0*d", digits, v)
		k := numberKey(digits, uint64(v))
		if _, seen := n.used[k]; !seen && (n.taken == nil || !n.taken(s)) {
			n.used[k] = struct{}{}
			return s
		}
	}
}

// use notes s, handed out by an earlier run, if it is a number next could
// hand out again.
func (n *numbers) use(s string) {
	if len(s) == 0 || len(s) > 15 {
		return
	}
	var v uint64
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return
		}
		v = v*10 + uint64(s[i]-'0')
	}
	n.used[numberKey(len(s), v)] = struct{}{}
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
