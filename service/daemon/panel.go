package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator/panel"
	"github.com/termd/termd/protocol"
)

// The emulator's control panel (emulator.control): the terminal's screen,
// the printed receipts and the journal, and buttons for the customer.

// listenPanel binds the panel's address, so a port in use stops start-up.
func (d *Daemon) listenPanel() error {
	if d.emu == nil || d.cfg.Emulator.Control == "" {
		return nil
	}
	ln, err := net.Listen("tcp", d.cfg.Emulator.Control)
	if err != nil {
		return fmt.Errorf("daemon: emulator.control %s: %w", d.cfg.Emulator.Control, err)
	}
	d.panelLn = ln
	return nil
}

// servePanel serves the panel until ctx ends, then waits for its streams.
func (d *Daemon) servePanel(ctx context.Context) {
	if d.panelLn == nil {
		return
	}
	p := panel.New(d.emu, d.journal, d.log.Named("panel"))
	if d.virtual != nil {
		p.AttachClock(d.virtual)
	}
	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
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
