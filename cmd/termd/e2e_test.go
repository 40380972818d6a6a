package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

const credit = protocol.CodeCreditApproval

// starter starts termd with its terminal and returns it ready.
type starter func(t *testing.T, flags ...string) *proc

// eachTerminal runs test against the in-process emulator, and against
// termd emulate across a serial line through the real serial driver.
func eachTerminal(t *testing.T, test func(t *testing.T, start starter)) {
	t.Run("emulator", func(t *testing.T) {
		test(t, func(t *testing.T, flags ...string) *proc { return startDaemon(t, "", flags...) })
	})
	t.Run("serial", func(t *testing.T) {
		if !serialLines {
			t.Skip("no pseudo-terminals here")
		}
		test(t, func(t *testing.T, flags ...string) *proc {
			d, _, _ := startSerialDaemon(t, flags...)
			return d
		})
	})
}

func pay(ptxid string, price int) string {
	return fmt.Sprintf(`{"priceAmt":%d,"ptxid":%q}`, price, ptxid)
}

func TestE2EApprovalWithSignatureOverBothTransports(t *testing.T) {
	eachTerminal(t, func(t *testing.T, start starter) {
		d := start(t, fast...)
		for i, transport := range []string{"tcp", "ws"} {
			t.Run(transport, func(t *testing.T) {
				p := d.client(transport)
				ptxid := fmt.Sprintf("sig-%d", i)
				p.send(credit, pay(ptxid, 60000))
				p.expect(credit, "0010")
				r := p.expect(credit, "0000")
				if r.Data["ptxid"] != ptxid || r.Data["approvalAmt"] != 60000.0 || len(r.Data["approvalNo"].(string)) != 8 {
					t.Fatalf("approval data %v", r.Data)
				}
				m, _ := r.Data["maskedTrackData"].(string)
				if len(m) != 16 || m[6:12] != "******" {
					t.Fatalf("maskedTrackData %q is not masked", m)
				}
				// The whole number never reaches the log, at any level.
				whole := regexp.MustCompile(m[:6] + `[0-9]{6}` + m[12:])
				if loc := whole.FindStringIndex(d.logText()); loc != nil {
					t.Fatalf("an unmasked card number is in the log: %q", d.logText()[loc[0]:loc[1]])
				}
				p.send(protocol.CodeConfirm, "")
				p.expect(protocol.CodeConfirm, "0000")
			})
		}
	})
}

func TestE2EReadCancelFromAnotherConnection(t *testing.T) {
	eachTerminal(t, func(t *testing.T, start starter) {
		d := start(t, fast...)
		owner, other := d.client("tcp"), d.client("ws")
		owner.send(credit, pay("rc-1", 1009)) // 09: the card never comes
		other.waitPhase("rc-1", "READING")
		other.send(protocol.CodeCardReadCancel, "")
		if r := other.expect(protocol.CodeCardReadCancel, "0000"); r.Data["ptxid"] != "rc-1" {
			t.Fatalf("read-cancel answer %v", r.Data)
		}
		if r := owner.expect(credit, "9999"); r.ResultMessage != protocol.MsgUserCancel {
			t.Fatalf("final %q", r.ResultMessage)
		}
	})
}

func TestE2EAbortInEachPhase(t *testing.T) {
	eachTerminal(t, func(t *testing.T, start starter) {
		d := start(t, "--emulator.cardDelay=20ms", "--emulator.signDelay=20ms", "--emulator.authDelay=1s", "--emulator.control=")
		p := d.client("tcp")

		p.call(protocol.CodeAbort, "")
		t.Run("idle", func(t *testing.T) {
			if r := p.call(protocol.CodeAbort, ""); r.ResultCode != protocol.ResultUnable {
				t.Fatalf("abort idle: %s", r.ResultCode)
			}
		})
		t.Run("reading", func(t *testing.T) {
			p.send(credit, pay("ab-r", 1009))
			p.waitPhase("ab-r", "READING")
			abortStops(t, p)
		})
		t.Run("signing", func(t *testing.T) {
			p.send(credit, pay("ab-s", 1007)) // 07: the customer never signs
			p.expect(credit, "0010")
			abortStops(t, p)
		})
		t.Run("authorizing", func(t *testing.T) {
			p.send(credit, pay("ab-a", 1000))
			p.waitPhase("ab-a", "AUTHORIZING")
			p.send(protocol.CodeAbort, "")
			p.expect(protocol.CodeAbort, "0001")
			p.expect(credit, "0000")
			p.call(protocol.CodeConfirm, "")
		})
	})
}

// abortStops sends 555555 and expects both the abort and the payment to
// end with 9999, in either order.
func abortStops(t *testing.T, p *pos) {
	t.Helper()
	p.send(protocol.CodeAbort, "")
	got := map[protocol.Code]string{}
	for range 2 {
		r := p.recv()
		got[r.Code] = r.ResultCode
	}
	if got[protocol.CodeAbort] != "9999" || got[credit] != "9999" {
		t.Fatalf("answers %v, want 9999 for both abort and the payment", got)
	}
}

func TestE2EBusy(t *testing.T) {
	eachTerminal(t, func(t *testing.T, start starter) {
		d := start(t, fast...)
		owner, other := d.client("tcp"), d.client("tcp")
		owner.send(credit, pay("busy-1", 1009))
		owner.waitPhase("busy-1", "READING")
		if r := other.call(credit, pay("busy-2", 1000)); r.ResultCode != protocol.ResultBusy {
			t.Fatalf("second payment: %s", r.ResultCode)
		}
		// Queries are still answered while the terminal is busy.
		if r := other.call(protocol.CodeSalesSummary, `{"from":"20260101","to":"20261231"}`); r.ResultCode != "0000" {
			t.Fatalf("050099 while busy: %s", r.ResultCode)
		}
	})
}

func TestE2EUnconfirmedApprovalIsReversed(t *testing.T) {
	eachTerminal(t, func(t *testing.T, start starter) {
		d := start(t, append(fast, "--timeouts.confirm=300ms")...)
		p := d.client("tcp")
		p.send(credit, pay("rev-1", 1000))
		p.expect(credit, "0000")
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := p.call(protocol.CodeLastTransaction, "")
			if r.Top["status"] == "reversed" {
				if r.Top["confirmed"] != false {
					t.Fatalf("reversed yet confirmed: %v", r.Top)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("never reversed: %v", r.Top)
			}
		}
		r := p.call(protocol.CodeSalesSummary, fmt.Sprintf(`{"from":"%[1]s","to":"%[1]s"}`, time.Now().Format("20060102")))
		canceled := r.Data["canceled"].(map[string]any)
		if canceled["count"] != 1.0 || canceled["price"] != 1000.0 {
			t.Fatalf("summary %v: the reversal must count as canceled", r.Data)
		}
	})
}

func TestE2ELostAnswerRecoveredFromNewConnection(t *testing.T) {
	eachTerminal(t, func(t *testing.T, start starter) {
		d := start(t, "--emulator.cardDelay=20ms", "--emulator.signDelay=20ms", "--emulator.authDelay=500ms", "--emulator.control=")
		p := d.client("tcp")
		p.send(credit, pay("lost-1", 1000))
		p.waitPhase("lost-1", "AUTHORIZING")
		p.c.Close() // the POS crashes while the card company decides

		again := d.client("ws")
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := again.call(protocol.CodeLastTransaction, "")
			if r.ResultCode == "0000" {
				if r.Data["ptxid"] != "lost-1" || r.Top["status"] != "approved" || r.Top["confirmed"] != false {
					t.Fatalf("990001 %v", r.Top)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("answer never recovered: %v", r.Top)
			}
		}
		again.send(protocol.CodeConfirm, "")
		again.expect(protocol.CodeConfirm, "0000")
		if r := again.call(protocol.CodeLastTransaction, ""); r.Top["confirmed"] != true {
			t.Fatalf("after 980001: %v", r.Top)
		}
	})
}

func TestE2ECancelAndDoubleCancel(t *testing.T) {
	eachTerminal(t, func(t *testing.T, start starter) {
		d := start(t, fast...)
		p := d.client("tcp")
		p.send(credit, pay("orig-1", 30000))
		a := p.expect(credit, "0000")
		p.call(protocol.CodeConfirm, "")
		cancel := func(ptxid string) reply {
			p.send(protocol.CodeCreditCancel, fmt.Sprintf(`{"approvalAmt":30000,"approvalNo":%q,"transactionDate":%q,"ptxid":%q}`,
				a.Data["approvalNo"], a.Data["transactionDate"], ptxid))
			return p.recv()
		}
		if r := cancel("cx-1"); r.ResultCode != "0000" {
			t.Fatalf("cancel: %s %s", r.ResultCode, r.ResultMessage)
		}
		p.call(protocol.CodeConfirm, "")
		if r := cancel("cx-2"); r.ResultCode != protocol.ResultNoOriginal {
			t.Fatalf("double cancel: %s %s", r.ResultCode, r.ResultMessage)
		}
	})
}

func TestE2EBadFramesAmongGoodClients(t *testing.T) {
	d := startDaemon(t, "", fast...)
	good := d.client("tcp")
	good.send(credit, pay("good-1", 1009))
	good.waitPhase("good-1", "READING")

	bad := d.client("tcp")
	bad.c.SendRaw([]byte("00x6990001"))
	if r := bad.expect(protocol.CodeFrameError, "9002"); r.ResultMessage == "" {
		t.Fatal("no reason given")
	}
	ws := d.client("ws")
	ws.c.SendRaw([]byte("hello"))
	ws.expect(protocol.CodeFrameError, "9002")
	if r := ws.call(credit, `{"priceAmt":"many","ptxid":"w"}`); r.ResultCode != "9002" || !strings.Contains(r.ResultMessage, "priceAmt") {
		t.Fatalf("wrong type: %s %q", r.ResultCode, r.ResultMessage)
	}
	if r := ws.call("123456", ""); r.ResultCode != "9003" {
		t.Fatalf("unknown code: %s", r.ResultCode)
	}
	// The good client's payment is still running and can still be cancelled.
	good.send(protocol.CodeCardReadCancel, "")
	good.expect(protocol.CodeCardReadCancel, "0000")
	good.expect(credit, "9999")
}

func TestE2EForeignOriginRefused(t *testing.T) {
	d := startDaemon(t, "", fast...)
	if _, err := d.wsWithOrigin("https://evil.example.com"); err == nil || !strings.Contains(err.Error(), "4403") || !strings.Contains(err.Error(), "listen.wsOrigins") {
		t.Fatalf("foreign origin: %v, want close 4403 naming listen.wsOrigins", err)
	}
	if _, err := d.wsWithOrigin("http://localhost:3000"); err != nil {
		t.Fatalf("localhost origin refused: %v", err)
	}
}

func TestE2EShutdownIsClean(t *testing.T) {
	d := startDaemon(t, "", fast...)
	p := d.client("tcp")
	p.send(credit, pay("sd-1", 1009))
	p.waitPhase("sd-1", "READING")
	d.stop()
	if !strings.Contains(d.logText(), "termd stopped") {
		t.Fatal("no clean stop in the log")
	}
	// The payment was stopped on the terminal and its owner told so
	// before the connection closed.
	if r := p.recv(); r.Code != credit || r.ResultCode != "9999" || r.Data["ptxid"] != "sd-1" {
		t.Fatalf("final answer at shutdown: %s %s %v", r.Code, r.ResultCode, r.Data)
	}
}

func TestPortsCommand(t *testing.T) {
	out, err := runBinary("ports")
	if err != nil {
		t.Fatalf("termd ports: %v\n%s", err, out)
	}
	if !strings.Contains(out, "PORT") && !strings.Contains(out, "no serial ports found") {
		t.Fatalf("termd ports printed:\n%s", out)
	}
}

func TestEmulateNeedsAPort(t *testing.T) {
	out, err := runBinary("emulate")
	if err == nil || !strings.Contains(out, "Usage: termd emulate --port PORT") {
		t.Fatalf("termd emulate with no port: %v\n%s", err, out)
	}
}
