//go:build linux

package main

import (
	"path/filepath"
	"testing"
)

// The same kill loop with the terminal across a serial line, in its own
// process (termd emulate): killing termd does not kill the terminal, which
// keeps what it was told, as a real one does. A reversal termd sent just
// before it died is done on the terminal and must be found there.
func TestSerialKillLoopAroundTheAutomaticReversal(t *testing.T) {
	line := newSerialLine(t)
	books := filepath.Join(t.TempDir(), "books.json")
	emu := startProc(t, []string{"emulate", "--port=" + line.terminalPort, "--books=" + books,
		"--emulator.cardDelay=20ms", "--emulator.signDelay=20ms", "--emulator.authDelay=20ms"})
	emu.waitLog("serving the serial line", 1)
	killLoop(t, t.TempDir(), books, append(fast[:len(fast):len(fast)], "--device.port="+line.daemonPort))
}
