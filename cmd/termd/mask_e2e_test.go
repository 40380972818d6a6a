package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/termd/termd/protocol"
)

// TestE2EPersonalNumbersNeverStored: after a card payment and a cash
// receipt keyed with the customer's phone number, run at debug level, the
// whole card number and the whole phone number appear neither in termd's
// log nor in its journal file.
func TestE2EPersonalNumbersNeverStored(t *testing.T) {
	d := startDaemon(t, "", fast...)
	p := d.client("tcp")
	const phone = "01099998888"
	p.send(protocol.CodeCashReceipt, `{"priceAmt":1000,"traderType":"1","approvalNumber":"`+phone+`","ptxid":"cash-1"}`)
	p.expect(protocol.CodeCashReceipt, "0000")
	p.call(protocol.CodeConfirm, "")
	p.send(credit, pay("card-1", 10000))
	r := p.expect(credit, "0000")
	p.call(protocol.CodeConfirm, "")
	m, _ := r.Data["maskedTrackData"].(string)
	if len(m) != 16 {
		t.Fatalf("maskedTrackData %q", m)
	}
	card := regexp.MustCompile(m[:6] + `[0-9]{6}` + m[12:])
	d.stop()

	t.Run("log", func(t *testing.T) {
		log := d.logText()
		if !regexp.MustCompile(`approvalNumber\\?":\\?"\*+8888`).MatchString(log) {
			t.Fatal("the debug log shows no masked approvalNumber: the frames were not logged, the test proves nothing")
		}
		if loc := regexp.MustCompile(phone).FindStringIndex(log); loc != nil {
			t.Errorf("the customer's number is in the log: %q", log[max(0, loc[0]-80):loc[1]])
		}
		if loc := card.FindStringIndex(log); loc != nil {
			t.Errorf("a whole card number is in the log: %q", log[loc[0]:loc[1]])
		}
	})
	t.Run("journal", func(t *testing.T) {
		journal, err := os.ReadFile(filepath.Join(d.dataDir, "journal.log"))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`\*+8888`).Match(journal) {
			t.Fatal("journal.log holds no masked approvalNumber: the receipt was not journaled, the test proves nothing")
		}
		if regexp.MustCompile(phone).Match(journal) {
			t.Error("the customer's number is in journal.log")
		}
		if card.Match(journal) {
			t.Error("a whole card number is in journal.log")
		}
	})
}
