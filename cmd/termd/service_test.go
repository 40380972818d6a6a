package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"
)

func TestServiceInstallDryRunRunsTheCheckedConfig(t *testing.T) {
	example := shopConfig(t)
	out, err := runInstalled(t, "service", "install", "--dry-run", "--config", example)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "'run' '--config' '"+example+"'") || !strings.Contains(out, "write /etc/init.d/termd") {
		t.Fatalf("the dry run must show the init script running the absolute config path:\n%s", out)
	}
}

// shopConfig writes the example configuration with a terminal's port set,
// as a shop PC's would be.
func shopConfig(t *testing.T) string {
	b, err := os.ReadFile("../../scripts/termd.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "termd.yaml")
	b = []byte(strings.Replace(string(b), `  port: ""                   # /dev/ttyUSB0`, `  port: /dev/ttyUSB0         # /dev/ttyUSB0`, 1))
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Without a configuration naming the terminal, install would register an
// emulator that approves every card: refused, saying what to set.
func TestServiceInstallWantsATerminal(t *testing.T) {
	for name, args := range map[string][]string{
		"no config":      {"service", "install", "--dry-run"},
		"no device.port": {"service", "install", "--dry-run", "--config", "../../scripts/termd.example.yaml"},
	} {
		out, err := runInstalled(t, args...)
		if err == nil || !strings.Contains(out, "device.port") || !strings.Contains(out, "device.kind: emulator") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
	emu := filepath.Join(t.TempDir(), "termd.yaml")
	os.WriteFile(emu, []byte("device:\n  kind: emulator\n"), 0o600)
	if out, err := runInstalled(t, "service", "install", "--dry-run", "--config", emu); err != nil {
		t.Errorf("an emulator on purpose: %v\n%s", err, out)
	}
}

func TestServiceInstallRefusesABadConfig(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "termd.yaml")
	if err := os.WriteFile(bad, []byte("timeouts:\n  confirm: soon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing": bad + ".nope", "bad key": bad} {
		out, err := runInstalled(t, "service", "install", "--dry-run", "--config", path)
		if err == nil || !strings.Contains(out, path) {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
	if out, _ := runInstalled(t, "service", "install", "--dry-run", "--config", bad); !strings.Contains(out, "timeouts.confirm") {
		t.Errorf("the error must name the bad key:\n%s", out)
	}
}

func TestServiceUnknownAction(t *testing.T) {
	out, err := runBinary("service", "restart-everything")
	if err == nil || !strings.Contains(out, "unknown service action") {
		t.Fatalf("%v\n%s", err, out)
	}
}

// Under a service manager, Stop ends the daemon's context and waits for
// it to return.
func TestProgramStopWaitsForTheDaemon(t *testing.T) {
	started, returned := make(chan struct{}), make(chan struct{})
	p := &program{log: zaptest.NewLogger(t), run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		close(returned)
		return nil
	}}
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := p.Stop(nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-returned:
	default:
		t.Fatal("Stop returned before the daemon did")
	}
}
