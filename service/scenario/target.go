package scenario

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"
)

// Endpoints is where a termd listens.
type Endpoints struct {
	TCP     string // host:port
	WS      string // ws://host:port/ws
	Control string // http://host:port of the emulator's control panel ("" = none)
	// Shutdown asks termd to stop (SIGTERM), for the shutdown step; nil
	// when the runner did not start that termd.
	Shutdown func() error
}

// Target gives each scenario a termd to talk to.
type Target interface {
	// Start readies a termd for s. stop ends what Start began and returns
	// the end of termd's log (for a failure report), or "" if it has none.
	Start(ctx context.Context, s *Scenario) (ep Endpoints, stop func() string, err error)
}

// Fixed is a termd that is already running; scenario configs are ignored
// and it cannot be shut down by a scenario.
type Fixed struct{ TCP, WS, Control string }

var _ Target = Fixed{}

// Start returns the fixed endpoints.
func (f Fixed) Start(context.Context, *Scenario) (Endpoints, func() string, error) {
	return Endpoints{TCP: f.TCP, WS: f.WS, Control: f.Control}, func() string { return "" }, nil
}

// Process starts the termd binary per scenario: free loopback ports, a
// fresh data directory, the emulated terminal on a virtual clock, and the
// scenario's config over that.
type Process struct {
	Binary string
	// StartWait bounds how long termd may take to be ready (10 s).
	StartWait time.Duration
}

var _ Target = (*Process)(nil)

// logKeep is how many of termd's last log lines a failure shows.
const logKeep = 25

// Start runs termd and waits until it listens and its terminal is ready.
func (p *Process) Start(ctx context.Context, s *Scenario) (Endpoints, func() string, error) {
	dir, err := os.MkdirTemp("", "termd-scenario-")
	if err != nil {
		return Endpoints{}, nil, fmt.Errorf("scenario: %w", err)
	}
	cfg := merge(map[string]any{"emulator": map[string]any{"clock": "virtual"}}, s.Config)
	cfg = merge(cfg, map[string]any{
		"listen":   map[string]any{"tcp": "127.0.0.1:0", "ws": "127.0.0.1:0"},
		"emulator": map[string]any{"control": "127.0.0.1:0"},
		"dataDir":  filepath.Join(dir, "data"),
		"log":      map[string]any{"file": "-", "console": true},
	})
	b, err := yaml.Marshal(cfg)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "termd.yaml"), b, 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return Endpoints{}, nil, fmt.Errorf("scenario: writing termd's config: %w", err)
	}
	pr, err := p.run(filepath.Join(dir, "termd.yaml"))
	if err != nil {
		os.RemoveAll(dir)
		return Endpoints{}, nil, err
	}
	stop := func() string {
		tail := pr.stop()
		os.RemoveAll(dir)
		return tail
	}
	ep, err := pr.ready(cmp(p.StartWait, 10*time.Second))
	if err != nil {
		tail := stop()
		return Endpoints{}, nil, fmt.Errorf("%w\n%s", err, tail)
	}
	ep.Shutdown = func() error { return pr.cmd.Process.Signal(syscall.SIGTERM) }
	return ep, stop, nil
}

func cmp(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// proc is one running termd and what its console said.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}

	mu      sync.Mutex
	lines   []string // the last logKeep lines
	ep      Endpoints
	isReady bool
	seen    chan struct{} // poked on every line
}

func (p *Process) run(config string) (*proc, error) {
	cmd := exec.Command(p.Binary, "run", "--config", config)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("scenario: starting termd (%s): %w", p.Binary, err)
	}
	pr := &proc{cmd: cmd, exited: make(chan struct{}), seen: make(chan struct{}, 1)}
	go func() {
		pr.read(stderr)
		cmd.Wait()
		close(pr.exited)
	}()
	return pr, nil
}

// read keeps the console's last lines and picks the addresses out of the
// start-up lines.
func (pr *proc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var fields map[string]any
		if i := strings.Index(line, "{"); i >= 0 {
			_ = json.Unmarshal([]byte(line[i:]), &fields)
		}
		pr.mu.Lock()
		pr.lines = append(pr.lines, line)
		if len(pr.lines) > logKeep {
			pr.lines = pr.lines[len(pr.lines)-logKeep:]
		}
		switch {
		case strings.Contains(line, "termd started"):
			pr.ep.TCP, _ = fields["tcp"].(string)
			if ws, _ := fields["ws"].(string); ws != "" {
				pr.ep.WS = "ws://" + ws + "/ws"
			}
		case strings.Contains(line, "emulator control panel"):
			u, _ := fields["url"].(string)
			pr.ep.Control = strings.TrimSuffix(u, "/")
		case strings.Contains(line, "terminal ready"):
			pr.isReady = true
		}
		pr.mu.Unlock()
		select {
		case pr.seen <- struct{}{}:
		default:
		}
	}
}

var errNotReady = errors.New("scenario: termd did not become ready")

func (pr *proc) ready(wait time.Duration) (Endpoints, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		pr.mu.Lock()
		ep, ok := pr.ep, pr.isReady && pr.ep.TCP != "" && pr.ep.Control != ""
		pr.mu.Unlock()
		if ok {
			return ep, nil
		}
		select {
		case <-pr.seen:
		case <-pr.exited:
			return Endpoints{}, fmt.Errorf("scenario: termd exited at start (is the scenario's config valid?)")
		case <-deadline.C:
			return Endpoints{}, fmt.Errorf("%w within %v", errNotReady, wait)
		}
	}
}

// stop asks termd to stop, kills it if it has not within a few seconds (a
// virtual clock never lets a drain window pass), and returns its last lines.
func (pr *proc) stop() string {
	pr.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case <-pr.exited:
	case <-t.C:
		pr.cmd.Process.Kill()
		<-pr.exited
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return strings.Join(pr.lines, "\n")
}
