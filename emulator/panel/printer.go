package panel

import (
	"encoding/json"
	"net/http"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator"
)

// The receipt printer's part of the panel: its status, which buttons
// change (paper out, cover open, offline), and what it has counted.

// PrinterState is the emulated printer as the panel shows it.
type PrinterState struct {
	Status  emulator.PrinterStatus `json:"status"`
	Cuts    int                    `json:"cuts"`
	Beeps   int                    `json:"beeps"`
	Unknown []string               `json:"unknown"` // bytes it did not understand, latest last
}

func printerState(p *emulator.Printer) PrinterState {
	c := p.Counters()
	if c.Unknown == nil {
		c.Unknown = []string{}
	}
	return PrinterState{Status: p.Status(), Cuts: c.Cuts, Beeps: c.Beeps, Unknown: c.Unknown}
}

// setPrinterStatus sets the whole status from a JSON body such as
// {"paperOut":true}; keys left out are false.
func (p *Panel) setPrinterStatus(w http.ResponseWriter, r *http.Request) {
	var st emulator.PrinterStatus
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		writeError(w, http.StatusBadRequest, `body must be JSON such as {"paperOut":true,"coverOpen":false,"nearEnd":false,"offline":false}`)
		return
	}
	p.term.Printer().SetStatus(st)
	p.log.Info("printer status set", zap.Any("status", st))
	writeJSON(w, http.StatusOK, ok{true})
}
