package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// startWait bounds how long a termd may take to say it is ready.
const startWait = 5 * time.Minute

// Termd is a termd process started by the bench: an emulated terminal
// with no delays, free loopback ports, and the dataDir given.
type Termd struct {
	TCP, WS string // where it listens; WS is a URL
	Records int    // journal records it reported opening
	Ready   time.Duration
	// Settled is closed once termd has given back to the system the
	// memory its start-up used (its console says "start-up finished"):
	// its idle memory is measured after that.
	Settled chan struct{}

	cmd    *exec.Cmd
	exited chan error
	mu     sync.Mutex
	tail   []string // its last console lines, for errors
}

// Flags are the termd flags the bench runs with, before extra ones.
func termdFlags(dataDir string) []string {
	return []string{"run",
		"--listen.tcp=127.0.0.1:0", "--listen.ws=127.0.0.1:0", "--listen.maxClients=1024",
		"--dataDir=" + dataDir, "--log.file=-", "--log.level=info",
		"--emulator.cardDelay=0", "--emulator.signDelay=0", "--emulator.authDelay=0", "--emulator.control=",
	}
}

// StartTermd runs binary and waits until its terminal is ready (its
// console says "terminal ready"). Ready is the time from starting the
// process to that line.
func StartTermd(ctx context.Context, binary, dataDir string, extra ...string) (*Termd, error) {
	t := &Termd{exited: make(chan error, 1), Settled: make(chan struct{})}
	t.cmd = exec.Command(binary, append(termdFlags(dataDir), extra...)...)
	console, err := t.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: start termd: %w", err)
	}
	start := time.Now()
	if err := t.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start termd: %w", err)
	}
	ready := make(chan struct{})
	go func() {
		t.watch(console, ready)
		t.exited <- t.cmd.Wait()
	}()
	ctx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	select {
	case <-ready:
		t.Ready = time.Since(start)
		return t, nil
	case err := <-t.exited:
		t.exited <- err
		return nil, fmt.Errorf("bench: termd exited before it was ready (%v):\n%s", err, t.lastLines())
	case <-ctx.Done():
		t.Stop()
		return nil, fmt.Errorf("bench: termd not ready: %w\n%s", ctx.Err(), t.lastLines())
	}
}

// Pid is the process id, for its memory.
func (t *Termd) Pid() int { return t.cmd.Process.Pid }

// watch reads termd's console: addresses from "termd started", the record
// count from "journal opened", and closes ready at "terminal ready". It
// reads to the end so termd never blocks on a full pipe.
func (t *Termd) watch(console io.Reader, ready chan struct{}) {
	sc := bufio.NewScanner(console)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	closed, settled := false, false
	for sc.Scan() {
		line := sc.Text()
		t.keep(line)
		fields := lineFields(line)
		switch {
		case strings.Contains(line, "termd started"):
			t.TCP, _ = fields["tcp"].(string)
			if ws, _ := fields["ws"].(string); ws != "" {
				t.WS = "ws://" + ws + "/ws"
			}
		case strings.Contains(line, "journal opened"):
			if n, ok := fields["records"].(float64); ok {
				t.Records = int(n)
			}
		case strings.Contains(line, "terminal ready") && !closed:
			closed = true
			close(ready)
		case strings.Contains(line, "start-up finished") && !settled:
			settled = true
			close(t.Settled)
		}
	}
}

// lineFields decodes the JSON fields at the end of a console line.
func lineFields(line string) map[string]any {
	var m map[string]any
	if i := strings.Index(line, "{"); i >= 0 {
		json.Unmarshal([]byte(line[i:]), &m)
	}
	return m
}

func (t *Termd) keep(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tail = append(t.tail, line)
	if len(t.tail) > 20 {
		t.tail = t.tail[1:]
	}
}

func (t *Termd) lastLines() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.tail, "\n")
}

// Stop asks termd to stop (as Ctrl-C does) and waits; after stopWait it
// is killed.
func (t *Termd) Stop() error {
	const stopWait = 30 * time.Second
	if err := t.cmd.Process.Signal(os.Interrupt); err != nil {
		t.cmd.Process.Kill()
	}
	select {
	case err := <-t.exited:
		t.exited <- err
		return exitErr(err)
	case <-time.After(stopWait):
		t.cmd.Process.Kill()
		err := <-t.exited
		t.exited <- err
		return fmt.Errorf("bench: termd did not stop within %s; killed", stopWait)
	}
}

// exitErr accepts the exit of a process stopped by a signal.
func exitErr(err error) error {
	var ee *exec.ExitError
	if err == nil || errors.As(err, &ee) {
		return nil
	}
	return err
}

// echoProc is the echo server running as a child process.
type echoProc struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	tcp, ws string
}

// startEcho runs command (termctl bench --echo-server) and reads its
// addresses.
func startEcho(command []string) (*echoProc, error) {
	if len(command) == 0 {
		return nil, errors.New("bench: no echo server command")
	}
	p := &echoProc{cmd: exec.Command(command[0], command[1:]...)}
	p.cmd.Stderr = os.Stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("bench: echo server: %w", err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: echo server: %w", err)
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: echo server: %w", err)
	}
	if p.tcp, p.ws, err = readEchoAddrs(out); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// stop closes the echo's stdin, which ends it, and waits.
func (p *echoProc) stop() {
	p.stdin.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}
