// Command termctl is the POS-side tool for termd: send one message and
// follow it to its final answer, or run scripted QA scenarios.
//
//	termctl send CODE [JSON]     e.g. termctl send 010010 '{"priceAmt":1000,"ptxid":"t1"}'
//	termctl run FILE|DIR...      e.g. termctl run scripts/scenarios
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

const usage = `termctl — talk to a running termd like a POS does

Usage:
  termctl send [flags] CODE [JSON]   send one message, print every frame received
                                     until the final answer, then confirm a
                                     successful payment with 980001
  termctl run [flags] FILE|DIR...    run QA scenarios (see termctl run --help)
  termctl bench [flags]              measure termd against bare echo servers
                                     (see termctl bench --help)

Examples:
  termctl send 010010 '{"priceAmt":1000,"ptxid":"try-1"}'     credit approval
  termctl send 990001                                          last transaction
  termctl send --ws ws://127.0.0.1:9932/ws 050099 '{"from":"20260101","to":"20261231"}'

Flags of send:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		newSendFlags(stdout).fs.PrintDefaults()
		return 0
	}
	switch args[0] {
	case "send":
		return send(args[1:], stdout, stderr)
	case "run":
		return runScenarios(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "termctl: unknown command %q (try termctl help)\n", args[0])
	return 2
}

type sendFlags struct {
	fs        *flag.FlagSet
	addr      *string
	ws        *string
	noConfirm *bool
	token     *string
	timeout   *time.Duration
}

func newSendFlags(out io.Writer) sendFlags {
	fs := flag.NewFlagSet("termctl send", flag.ContinueOnError)
	fs.SetOutput(out)
	f := sendFlags{
		fs:        fs,
		addr:      fs.String("addr", "127.0.0.1:9931", "termd's TCP address"),
		ws:        fs.String("ws", "", "use WebSocket at this URL instead of TCP, e.g. ws://127.0.0.1:9932/ws"),
		noConfirm: fs.Bool("no-confirm", false, "do not send 980001 after a successful payment"),
		token:     fs.String("token", "", "auth.token, for a termd on another PC (TCP: sent as 000001 first; WebSocket: Authorization: Bearer)"),
		timeout:   fs.Duration("timeout", 2*time.Minute, "how long to wait for the final answer"),
	}
	return f
}

func send(args []string, stdout, stderr io.Writer) int {
	f := newSendFlags(stderr)
	if err := f.fs.Parse(args); err != nil {
		return 2
	}
	if f.fs.NArg() < 1 || f.fs.NArg() > 2 {
		fmt.Fprintln(stderr, "termctl send: want CODE and optionally a JSON body")
		return 2
	}
	code := protocol.Code(f.fs.Arg(0))
	req := protocol.Frame{Code: code, Body: []byte(f.fs.Arg(1))}
	if _, err := req.Append(nil); err != nil {
		fmt.Fprintf(stderr, "termctl send: %v\n", err)
		return 2
	}
	addr := *f.addr
	if *f.ws != "" {
		addr = *f.ws
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := dial(ctx, addr, *f.token, func(line string) { fmt.Fprintln(stdout, line) })
	if err != nil {
		fmt.Fprintf(stderr, "termctl: %v\n", err)
		return 1
	}
	defer conn.Close()
	show := func(fr protocol.Frame) { fmt.Fprintf(stdout, "< %s\n", fr) }
	fmt.Fprintf(stdout, "> %s\n", req)
	final, err := conn.Exchange(req, *f.timeout, show)
	if err != nil {
		fmt.Fprintf(stderr, "termctl: %v\n", answerError(err))
		return 1
	}
	rc := posclient.ResultCode(final)
	if info, ok := protocol.Lookup(code); ok && info.Confirm && rc == protocol.ResultOK && !*f.noConfirm {
		confirm := protocol.Frame{Code: protocol.CodeConfirm}
		fmt.Fprintf(stdout, "> %s\n", confirm)
		if _, err := conn.Exchange(confirm, 10*time.Second, show); err != nil {
			fmt.Fprintf(stderr, "termctl: %v\n", err)
			return 1
		}
	}
	if rc != protocol.ResultOK {
		return 3 // answered, but not with success: scripts can tell
	}
	return 0
}
