package daemon

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator/panel"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/access"
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
	srv := access.NewServer(d.panelPolicy.Guard(p, log), panelLimits, log)
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	d.log.Info("emulator control panel", zap.String("url", "http://"+d.panelLn.Addr().String()+"/"))
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
	Ptxid      string `json:"ptxid"`
	Message    string `json:"message"`
	Status     string `json:"status"`
	Confirmed  bool   `json:"confirmed"`
	ResultCode string `json:"resultCode"`
	ApprovalNo string `json:"approvalNo"`
	Amount     int64  `json:"amount"`
	Time       string `json:"time"`
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
			Amount: r.ApprovalAmt, Time: r.Created.Local().Format("01-02 15:04:05"),
		})
	}
	return rows
}
