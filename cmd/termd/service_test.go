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
	example, err := filepath.Abs("../../scripts/termd.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runInstalled(t, "service", "install", "--dry-run", "--config", "../../scripts/termd.example.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "'run' '--config' '"+example+"'") || !strings.Contains(out, "write /etc/init.d/termd") {
		t.Fatalf("the dry run must show the init script running the absolute config path:\n%s", out)
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
