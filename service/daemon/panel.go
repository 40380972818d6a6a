package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator/panel"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/access"
	"github.com/termd/termd/service/store"
)

// The emulator's control panel (emulator.control): the terminal's screen,
// the printed receipts and the journal, and buttons for the customer.
//
// The panel can pull the cable of the terminal a shop is using, so it is
// under the POS listeners' access rules (service/access), applied here:
// the emulator may not import service packages, so the daemon wraps the
// panel's handler in the guard rather than the panel guarding itself.

// panelLimits: a person's browser and a few scripts, not a crowd.
var panelLimits = access.Limits{MaxConns: 32, ReadHeader: 5 * time.Second, Read: 10 * time.Second, Idle: 30 * time.Second}

// listenPanel binds the panel's address, so a port in use, or an address
// beyond loopback without auth.token, stops start-up.
func (d *Daemon) listenPanel() error {
	if d.emu == nil || d.cfg.Emulator.Control == "" {
		return nil
	}
	d.panelPolicy = access.New(d.cfg.Auth.Token, nil)
	d.panelPolicy.TokenFromAll = true
	ln, err := access.Listen("emulator.control", d.cfg.Emulator.Control, d.panelPolicy)
	if err != nil {
		return err // it names emulator.control
	}
	d.panelLn = ln
	return nil
}

// servePanel serves the panel until ctx ends, then waits for its streams.
func (d *Daemon) servePanel(ctx context.Context) {
	if d.panelLn == nil {
		return
	}
	log := d.log.Named("panel")
	p := panel.New(d.emu, d.journal, log)
	if d.virtual != nil {
		p.AttachClock(d.virtual)
	}
	if ws, ok := d.pos.WSAddr().(*net.TCPAddr); ok {
		if ws.IP.IsUnspecified() { // all interfaces: the page runs on this PC
			ws = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ws.Port}
		}
		p.SetPOSWebSocket("ws://" + ws.String() + "/ws")
	}
	srv := access.NewServer(d.panelPolicy.Guard(p, log), panelLimits, log)
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	url := "http://" + d.panelLn.Addr().String() + "/"
	d.log.Info("emulator control panel", zap.String("url", url), zap.String("examplePOS", url+"pos"))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(d.panelLn) }()
	<-ctx.Done()
	srv.Close()
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		d.log.Warn("control panel stopped", zap.Error(err))
	}
	p.Wait()
}

// journalRow is one transaction as the panel shows it; no card data.
type journalRow struct {
	Ptxid         string `json:"ptxid"`
	Message       string `json:"message"`
	Status        string `json:"status"`
	Confirmed     bool   `json:"confirmed"`
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	ApprovalNo    string `json:"approvalNo"`
	Amount        int64  `json:"amount"`
	Time          string `json:"time"`
}

// journal lists the latest transactions, newest first.
func (d *Daemon) journal() any {
	recs := d.store.Recent(50)
	rows := make([]journalRow, 0, len(recs))
	for _, r := range recs {
		info, _ := protocol.Lookup(r.Code)
		rows = append(rows, journalRow{
			Ptxid: r.Ptxid, Message: string(r.Code) + " " + info.Korean, Status: string(r.Status),
			Confirmed: r.Confirmed(), ResultCode: r.ResultCode, ApprovalNo: r.ApprovalNo,
			Amount: amount(r), Time: r.Created.Local().Format("01-02 15:04:05"),
			ResultMessage: resultMessage(r.Final),
		})
	}
	return rows
}

// amount is what a row is about: the approved amount once there is one,
// else what was asked (price and tip, or a cancel's amount), so running,
// declined and failed rows show it too.
func amount(r *store.Record) int64 {
	if r.ApprovalAmt != 0 {
		return r.ApprovalAmt
	}
	var req struct {
		PriceAmt    int64 `json:"priceAmt"`
		TipAmt      int64 `json:"tipAmt"`
		ApprovalAmt int64 `json:"approvalAmt"`
	}
	if json.Unmarshal(r.Request, &req) != nil {
		return 0
	}
	if req.ApprovalAmt != 0 {
		return req.ApprovalAmt
	}
	return req.PriceAmt + req.TipAmt
}

// resultMessage is the final answer's text ("" while running).
func resultMessage(final json.RawMessage) string {
	var h protocol.ResultHeader
	if json.Unmarshal(final, &h) != nil {
		return ""
	}
	return h.ResultMessage
}
