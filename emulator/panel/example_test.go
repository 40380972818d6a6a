package panel_test

import (
	"context"
	"net"
	"net/http"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/emulator/panel"
)

// Serving the panel (compiled, not run). BaseContext ties the event streams
// to the server's life, so they end on shutdown. termd serves it behind its
// access guard (Origin, Host, token); this bare server is for a test bench.
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	log := zap.NewNop()
	term := emulator.New(emulator.Config{Manual: true}, log.Named("emulator"))
	go term.Run(ctx)

	srv := &http.Server{
		Addr:        "127.0.0.1:8765",
		Handler:     panel.New(term, nil, log.Named("panel")),
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Error("panel stopped", zap.Error(err))
	}
}
