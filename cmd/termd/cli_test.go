package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command line, as a new user meets it.

func TestHelpListsSubcommands(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		out, err := runBinary(arg)
		if err != nil || !strings.Contains(out, "termd service install") || !strings.Contains(out, "termd emulate") {
			t.Fatalf("termd %s: %v\n%s", arg, err, out)
		}
		if strings.Contains(out, `"priceAmt":1004`) {
			t.Fatalf("the example plays a card company that never answers:\n%s", out)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		out, err := runBinary(arg)
		if err != nil || !strings.HasPrefix(out, "termd ") || strings.Count(out, "\n") != 1 {
			t.Fatalf("termd %s: %v\n%s", arg, err, out)
		}
	}
}

func TestPortsHelpDoesNotListPorts(t *testing.T) {
	out, err := runBinary("ports", "--help")
	if err != nil || !strings.HasPrefix(out, "Usage: termd ports") || strings.Contains(out, "PORT  ") {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestEmulateReadsItsConfigFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "termd.yaml")
	if err := os.WriteFile(bad, []byte("emulator:\n  cardDelay: soon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runBinary("emulate", "--config", bad, "--port", "/dev/null")
	if err == nil || !strings.Contains(out, "emulator.cardDelay") {
		t.Fatalf("a bad emulator key in --config must stop emulate naming it: %v\n%s", err, out)
	}
}

func TestStartupErrorNamesDataDirAndIsPrintedOnce(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runBinary("run", "--dataDir="+filepath.Join(file, "data"), "--log.file=-", "--emulator.control=",
		"--listen.tcp=127.0.0.1:0", "--listen.ws=127.0.0.1:0")
	if err == nil || !strings.Contains(out, "dataDir "+filepath.Join(file, "data")) || strings.Count(out, "cannot create the data folder") != 1 {
		t.Fatalf("a data folder that cannot be made must stop termd naming dataDir, once: %v\n%s", err, out)
	}
}

// A second termd on the same ports is told which key names the taken
// port, and what to do, once; the POS ports are bound before the panel's.
func TestPortInUseNamesTheKey(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	addr := held.Addr().String()
	for _, key := range []string{"listen.tcp", "listen.ws", "emulator.control"} {
		flags := map[string]string{"listen.tcp": "127.0.0.1:0", "listen.ws": "127.0.0.1:0", "emulator.control": addr}
		if key != "emulator.control" {
			flags[key] = addr // both taken: the POS port must be named
		}
		args := []string{"run", "--dataDir=" + t.TempDir(), "--log.file=-"}
		for k, v := range flags {
			args = append(args, "--"+k+"="+v)
		}
		out, err := runBinary(args...)
		want := key + " " + addr + " is in use: is another termd running? stop it or set " + key
		if err == nil || strings.Count(out, want) != 1 || strings.Contains(out, "bind:") {
			t.Errorf("%s taken: %v\n%s\nwant once: %s", key, err, out, want)
		}
	}
}
