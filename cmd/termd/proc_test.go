package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

// The end-to-end tests build the real termd once and run it as a process
// on free loopback ports, then talk to it over real TCP and WebSocket.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "termd-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "termd")
	build := exec.Command("go", "build", "-race", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building termd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one termd process (the daemon, or termd emulate).
type proc struct {
	t       *testing.T
	cmd     *exec.Cmd
	dataDir string
	tcp, ws string
	waited  chan error

	mu     sync.Mutex
	cond   *sync.Cond // broadcast on every log line and at exit
	log    strings.Builder
	lines  []string
	exited bool
}

// fast are emulator and timeout settings that keep a test short.
var fast = []string{
	"--emulator.cardDelay=20ms", "--emulator.signDelay=20ms", "--emulator.authDelay=20ms",
	"--emulator.control=",
}

// startDaemon runs termd with the flags given, on free ports, and waits
// until it listens and its terminal answers (a request before that would
// get 9004, terminal unavailable).
func startDaemon(t *testing.T, dataDir string, flags ...string) *proc {
	t.Helper()
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	args := append([]string{"run", "--listen.tcp=127.0.0.1:0", "--listen.ws=127.0.0.1:0",
		"--dataDir=" + dataDir, "--log.level=debug", "--log.file=-"}, flags...)
	d := startProc(t, args)
	d.dataDir = dataDir
	line := d.waitLog("termd started", 1)
	var started map[string]any
	if j := strings.Index(line, "{"); j >= 0 {
		json.Unmarshal([]byte(line[j:]), &started)
	}
	d.tcp, _ = started["tcp"].(string)
	d.ws, _ = started["ws"].(string)
	d.waitLog("terminal ready", 1)
	return d
}

// startProc runs the termd binary with args and keeps its console output.
func startProc(t *testing.T, args []string) *proc {
	t.Helper()
	d := &proc{t: t, waited: make(chan error, 1)}
	d.cond = sync.NewCond(&d.mu)
	d.cmd = termdCommand(args...)
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logDone := make(chan struct{})
	go func() { d.readLog(stderr); close(logDone) }()
	go func() {
		<-logDone // Wait closes the pipe: read it all first
		err := d.cmd.Wait()
		d.mu.Lock()
		d.exited = true
		d.cond.Broadcast()
		d.mu.Unlock()
		d.waited <- err
	}()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		err := <-d.waited
		d.waited <- err
		if t.Failed() {
			t.Logf("%s log:\n%s", args[0], d.logText())
		}
	})
	return d
}

func (d *proc) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		d.mu.Lock()
		d.log.WriteString(sc.Text() + "\n")
		d.lines = append(d.lines, sc.Text())
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

// waitLog waits (at most 30 s) until n log lines contain s, and returns the
// n-th.
func (d *proc) waitLog(s string, n int) string {
	d.t.Helper()
	timedOut := false
	timer := time.AfterFunc(30*time.Second, func() {
		d.mu.Lock()
		timedOut = true
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer timer.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		seen := 0
		for _, line := range d.lines {
			if strings.Contains(line, s) {
				if seen++; seen == n {
					return line
				}
			}
		}
		switch {
		case d.exited:
			d.t.Fatalf("%s exited before logging %q (%d times)\n%s", d.cmd.Args[1], s, n, d.log.String())
		case timedOut:
			d.t.Fatalf("%s did not log %q (%d times) in 30 s\n%s", d.cmd.Args[1], s, n, d.log.String())
		}
		d.cond.Wait()
	}
}

func (d *proc) logText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// stop sends SIGTERM and waits for a clean exit.
func (d *proc) stop() {
	d.t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.waited:
		d.waited <- err
		if err != nil {
			d.t.Fatalf("termd exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		d.t.Fatal("termd did not stop within 20 s of SIGTERM")
	}
}

// signal sends sig and returns at once: the test drives the shutdown that
// follows step by step (see waitExit).
func (d *proc) signal(sig os.Signal) {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatalf("signal %v: %v", sig, err)
	}
}

// waitExit waits at most within for the process to end by itself and
// returns how it ended.
func (d *proc) waitExit(within time.Duration) error {
	d.t.Helper()
	select {
	case err := <-d.waited:
		d.waited <- err
		return err
	case <-time.After(within):
		d.t.Fatalf("%s still running %v after it was told to stop", d.cmd.Args[1], within)
		return nil
	}
}

// kill sends SIGKILL, as a crash or a pulled plug does.
func (d *proc) kill() {
	d.cmd.Process.Kill()
	err := <-d.waited
	d.waited <- err
}

// client connects to the daemon over TCP ("tcp") or WebSocket ("ws").
func (d *proc) client(transport string) *pos {
	d.t.Helper()
	addr := d.tcp
	if transport == "ws" {
		addr = "ws://" + d.ws + "/ws"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := posclient.Dial(ctx, addr)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { c.Close() })
	return &pos{t: d.t, c: c}
}

func (d *proc) wsWithOrigin(origin string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := posclient.DialWS(ctx, "ws://"+d.ws+"/ws", http.Header{"Origin": {origin}})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	// A refused page is closed at once; an admitted one is answered.
	_, err = c.Exchange(protocol.Frame{Code: protocol.CodeLastTransaction}, 5*time.Second, nil)
	return nil, err
}

// pos is a POS connection in a test.
type pos struct {
	t *testing.T
	c *posclient.Conn
}

type reply struct {
	Code          protocol.Code
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	Data          map[string]any
	Top           map[string]any
}

func (p *pos) send(code protocol.Code, body string) {
	p.t.Helper()
	if err := p.c.Send(protocol.Frame{Code: code, Body: []byte(body)}); err != nil {
		p.t.Fatal(err)
	}
}

// recv waits (at most 10 s) for the next frame.
func (p *pos) recv() reply {
	p.t.Helper()
	f, err := p.c.Receive(time.Now().Add(10 * time.Second))
	if err != nil {
		p.t.Fatalf("receive: %v", err)
	}
	return replyOf(p.t, f)
}

// replyOf decodes a frame's JSON answer.
func replyOf(t *testing.T, f protocol.Frame) reply {
	t.Helper()
	var r reply
	r.Code = f.Code
	if err := json.Unmarshal(f.Body, &r.Top); err != nil {
		t.Fatalf("frame %s body %q: %v", f.Code, f.Body, err)
	}
	r.ResultCode, _ = r.Top["resultCode"].(string)
	r.ResultMessage, _ = r.Top["resultMessage"].(string)
	r.Data, _ = r.Top["data"].(map[string]any)
	return r
}

// expect waits for a frame and checks its code and result code.
func (p *pos) expect(code protocol.Code, result string) reply {
	p.t.Helper()
	r := p.recv()
	if r.Code != code || r.ResultCode != result {
		p.t.Fatalf("got %s %s %q %v, want %s %s", r.Code, r.ResultCode, r.ResultMessage, r.Data, code, result)
	}
	return r
}

// none fails if a frame arrives within d: nothing more may be said. A
// timed-out read can leave the connection unusable, so call it last.
func (p *pos) none(d time.Duration) {
	p.t.Helper()
	f, err := p.c.Receive(time.Now().Add(d))
	var ne net.Error
	switch {
	case err == nil:
		p.t.Fatalf("unexpected frame %s %s", f.Code, f.Body)
	case !errors.As(err, &ne) || !ne.Timeout():
		p.t.Fatalf("waiting for silence: %v", err)
	}
}

func (p *pos) call(code protocol.Code, body string) reply {
	p.t.Helper()
	p.send(code, body)
	return p.recv()
}

// waitPhase polls 990001 until the running transaction reaches phase.
func (p *pos) waitPhase(ptxid, phase string) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r := p.call(protocol.CodeLastTransaction, "")
		if r.Top["phase"] == phase && r.Data["ptxid"] == ptxid {
			return
		}
	}
	p.t.Fatalf("transaction %s never reached %s", ptxid, phase)
}

// termdCommand is the built termd with args. The race detector sleeps a
// second before every clean exit; the tests measure a stop's own time.
func termdCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return cmd
}

// runBinary runs termd to completion (for start-up failures) and returns
// what it printed.
func runBinary(args ...string) (string, error) {
	cmd := termdCommand(args...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
		return string(out), err
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		return string(out), fmt.Errorf("termd kept running: %w", err)
	}
}

// corruptFile flips 64 bytes of a file from byte at on.
func corruptFile(t *testing.T, path string, at int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := at; i < at+64 && i < len(b); i++ {
		b[i] ^= 0x5a
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
