package protocol

import "testing"

// TestContractCarriesJournalUnreadable: once the journal cannot be read
// back, the engine answers 990001 and 050099 with a bare 9004 (what it
// would have said is not known); a POS validating against the contract
// must find that answer there, not only the 0000 and 9006 shapes.
func TestContractCarriesJournalUnreadable(t *testing.T) {
	c := loadContract(t)
	body := []byte(`{"resultCode":"9004","resultMessage":"거래 기록을 읽을 수 없어 조회할 수 없습니다"}`)
	for _, code := range []Code{CodeLastTransaction, CodeSalesSummary} {
		if key, why := c.validate(t, code, body, true); key == "" {
			t.Errorf("%s: the journal-unreadable answer is not in the contract:\n%s", code, why)
		}
	}
}
