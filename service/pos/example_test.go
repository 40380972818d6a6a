package pos_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/pos"
)

// echo answers every frame with itself; the real Handler is the engine.
type echo struct{}

func (echo) Frame(c *pos.Client, f protocol.Frame) { c.Send(f) }
func (echo) Closed(*pos.Client)                    {}

func ExampleListen() {
	s, err := pos.Listen(pos.Config{TCP: "127.0.0.1:0"}, echo{}, zap.NewNop())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()

	conn, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		fmt.Println(err)
		cancel()
		return
	}
	conn.Write([]byte("0006990001"))
	answer := make([]byte, 10)
	io.ReadFull(conn, answer)
	fmt.Printf("%s\n", answer)

	conn.Close()
	cancel()
	fmt.Println(<-served)
	// Output:
	// 0006990001
	// <nil>
}
