package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// Echo is the floor termd is compared with: a TCP server that writes back
// what it reads (a goroutine per connection, a 4 KiB buffer, plain reads
// and writes) and a WebSocket server with gorilla's defaults that writes
// back every message. Neither parses anything.
type Echo struct {
	tcp, ws net.Listener
	http    *http.Server
	conns   sync.WaitGroup
}

// ListenEcho binds both echo servers on 127.0.0.1 free ports.
func ListenEcho() (*Echo, error) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: echo: %w", err)
	}
	ws, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tcp.Close()
		return nil, fmt.Errorf("bench: echo: %w", err)
	}
	e := &Echo{tcp: tcp, ws: ws}
	e.http = &http.Server{Handler: http.HandlerFunc(e.serveWS)}
	return e, nil
}

// TCPAddr is the TCP echo's host:port.
func (e *Echo) TCPAddr() string { return e.tcp.Addr().String() }

// WSURL is the WebSocket echo's URL.
func (e *Echo) WSURL() string { return "ws://" + e.ws.Addr().String() + "/ws" }

// Serve echoes until ctx ends, then closes every connection and returns.
func (e *Echo) Serve(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- e.acceptTCP() }()
	go func() { errc <- e.http.Serve(e.ws) }()
	<-ctx.Done()
	e.tcp.Close()
	e.http.Close() // closes the listener; hijacked connections end below
	for range 2 {
		if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("bench: echo: %w", err)
		}
	}
	e.conns.Wait()
	return nil
}

// EchoConn writes back what it reads from c, through a 4 KiB buffer,
// until the connection ends, then closes it: the bare TCP echo every
// termd figure is compared with, here and in the Go benchmarks.
func EchoConn(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (e *Echo) acceptTCP() error {
	var open sync.Map
	defer open.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
	for {
		c, err := e.tcp.Accept()
		if err != nil {
			return err
		}
		open.Store(c, nil)
		e.conns.Go(func() {
			defer open.Delete(c)
			EchoConn(c)
		})
	}
}

func (e *Echo) serveWS(w http.ResponseWriter, r *http.Request) {
	var up websocket.Upgrader
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	stop := context.AfterFunc(r.Context(), func() { c.Close() })
	defer stop()
	for {
		t, m, err := c.ReadMessage()
		if err != nil || c.WriteMessage(t, m) != nil {
			return
		}
	}
}

// RunEchoServer is the echo as a process of its own (termctl bench
// --echo-server), so its memory is measured the way termd's is: it prints
// "TCPADDR WSURL" on one line to out, serves until in ends (the parent
// closed the pipe or died) or ctx does, then returns.
func RunEchoServer(ctx context.Context, in io.Reader, out io.Writer) error {
	e, err := ListenEcho()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, in)
		cancel()
	}()
	if _, err := fmt.Fprintf(out, "%s %s\n", e.TCPAddr(), e.WSURL()); err != nil {
		return err
	}
	return e.Serve(ctx)
}

// readEchoAddrs reads RunEchoServer's first line.
func readEchoAddrs(r io.Reader) (tcp, ws string, err error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return "", "", fmt.Errorf("bench: echo server did not say its addresses: %w", err)
	}
	if _, err := fmt.Sscanf(line, "%s %s", &tcp, &ws); err != nil {
		return "", "", fmt.Errorf("bench: echo server said %q: %w", line, err)
	}
	return tcp, ws, nil
}
