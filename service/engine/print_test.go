package engine

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// stuckPrinter prints nothing until the job's context ends.
type stuckPrinter struct{}

func (stuckPrinter) Print(ctx context.Context, _ *protocol.PrintRequest) error {
	<-ctx.Done()
	return ctx.Err()
}

var _ Printer = stuckPrinter{}

// Every print job gets one answer, even when termd stops with jobs queued
// or after it stopped.
func TestEveryPrintJobIsAnsweredAtShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := newPrintQueue(stuckPrinter{}, zap.NewNop())
		var mu sync.Mutex
		answers := map[string]int{}
		reply := func(c Client, _ protocol.Code, body []byte) {
			mu.Lock()
			defer mu.Unlock()
			answers[resultCodeOf(body)]++
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { q.run(ctx); close(done) }()
		for range 3 {
			q.submit(nil, &protocol.PrintRequest{}, reply)
		}
		synctest.Wait() // one printing, two queued
		stop()
		<-done
		q.submit(nil, &protocol.PrintRequest{}, reply) // after the stop
		if answers[protocol.ResultPrinter] != 4 || len(answers) != 1 {
			t.Fatalf("answers %v, want four 9008", answers)
		}
		if q.busy() {
			t.Fatal("the queue says it is still busy")
		}
	})
}
