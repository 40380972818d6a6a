package engine

import (
	"context"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/termd/termd/printer"
	"github.com/termd/termd/protocol"
)

// Printer prints one validated job on the receipt printer.
type Printer interface {
	Print(ctx context.Context, job *protocol.PrintRequest) error
}

// printQueue runs print jobs in arrival order on their own goroutine, so a
// receipt can print while a transaction runs on the terminal.
type printQueue struct {
	prn    Printer
	log    *zap.Logger
	jobs   chan printJob
	active atomic.Int32 // jobs queued or printing
}

type printJob struct {
	client Client
	req    *protocol.PrintRequest
	reply  func(Client, protocol.Code, []byte)
}

func newPrintQueue(prn Printer, log *zap.Logger) *printQueue {
	return &printQueue{prn: prn, log: log, jobs: make(chan printJob, 32)}
}

// submit queues a job, or answers at once when it cannot be printed.
func (q *printQueue) submit(c Client, req *protocol.PrintRequest, reply func(Client, protocol.Code, []byte)) {
	if q.prn == nil {
		reply(c, protocol.CodePrint, result(protocol.ResultPrinter, protocol.MsgPrinterDown+": no printer configured", nil))
		return
	}
	q.active.Add(1)
	select {
	case q.jobs <- printJob{c, req, reply}:
	default:
		q.active.Add(-1)
		reply(c, protocol.CodePrint, result(protocol.ResultBusy, "print queue full", nil))
	}
}

func (q *printQueue) busy() bool { return q.active.Load() > 0 }

func (q *printQueue) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-q.jobs:
			q.print(ctx, j)
		}
	}
}

func (q *printQueue) print(ctx context.Context, j printJob) {
	defer q.active.Add(-1)
	if err := q.prn.Print(ctx, j.req); err != nil {
		q.log.Warn("print failed", zap.Error(err))
		// The POS gets fixed text (no reply, paper out, cover open), never
		// the error, which may name a port.
		j.reply(j.client, protocol.CodePrint, result(protocol.ResultPrinter, printer.Message(err), nil))
		return
	}
	j.reply(j.client, protocol.CodePrint, result(protocol.ResultOK, protocol.MsgPrinted, nil))
}
