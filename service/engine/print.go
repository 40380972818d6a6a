package engine

import (
	"context"
	"sync"
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
	mu     sync.Mutex   // orders submit against close
	closed bool         // run has ended: jobs are answered, not queued
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

// Messages of print jobs termd does not print.
const (
	msgNoPrinter      = "프린터가 설정되지 않았습니다"
	msgPrintQueueFull = "인쇄 대기 작업이 너무 많습니다"
	msgNotPrinted     = "termd 종료: 인쇄하지 않았습니다"
)

// submit queues a job, or answers at once when it cannot be printed.
func (q *printQueue) submit(c Client, req *protocol.PrintRequest, reply func(Client, protocol.Code, []byte)) {
	if q.prn == nil {
		reply(c, protocol.CodePrint, result(protocol.ResultPrinter, msgNoPrinter, nil))
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		reply(c, protocol.CodePrint, result(protocol.ResultPrinter, msgNotPrinted, nil))
		return
	}
	q.active.Add(1)
	select {
	case q.jobs <- printJob{c, req, reply}:
	default:
		q.active.Add(-1)
		reply(c, protocol.CodePrint, result(protocol.ResultBusy, msgPrintQueueFull, nil))
	}
}

func (q *printQueue) busy() bool { return q.active.Load() > 0 }

func (q *printQueue) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			q.close()
			return
		case j := <-q.jobs:
			q.print(ctx, j)
		}
	}
}

// close refuses new jobs and answers the queued ones: every job gets one
// answer, printed or not.
func (q *printQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for {
		select {
		case j := <-q.jobs:
			q.active.Add(-1)
			j.reply(j.client, protocol.CodePrint, result(protocol.ResultPrinter, msgNotPrinted, nil))
		default:
			return
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
