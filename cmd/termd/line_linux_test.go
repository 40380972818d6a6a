//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// serialLine is a null-modem cable between two serial ports, made of two
// pseudo-terminal pairs and a relay that copies between their masters. termd
// opens one port, termd emulate the other, each through the real serial
// driver. The relay can damage what passes (line noise), and the cable can
// be pulled and plugged back in; the port names are symlinks that survive
// a replug, as a USB id does.
type serialLine struct {
	t                        *testing.T
	dir                      string
	daemonPort, terminalPort string

	mu      sync.Mutex
	noise   map[bool]tap // by direction: true = towards the terminal
	plugged []*os.File   // masters and held slaves of the current cable
	relays  sync.WaitGroup
}

// tap rewrites one chunk on its way; it returns the chunks to write.
type tap func(chunk []byte) [][]byte

func newSerialLine(t *testing.T) *serialLine {
	dir := t.TempDir()
	l := &serialLine{t: t, dir: dir, daemonPort: filepath.Join(dir, "termd-port"), terminalPort: filepath.Join(dir, "terminal-port"), noise: map[bool]tap{}}
	l.plug()
	t.Cleanup(l.unplug)
	return l
}

// plug lays a fresh cable: new pseudo-terminals behind the same names.
func (l *serialLine) plug() {
	l.t.Helper()
	dm, ds := openPTY(l.t)
	tm, ts := openPTY(l.t)
	relink(l.t, ds.Name(), l.daemonPort)
	relink(l.t, ts.Name(), l.terminalPort)
	l.mu.Lock()
	// The slaves stay open here (never read) so that a side closing its
	// port does not hang the master up: the cable is still there.
	l.plugged = []*os.File{dm, ds, tm, ts}
	l.mu.Unlock()
	l.relays.Go(func() { l.relay(dm, tm, true) })
	l.relays.Go(func() { l.relay(tm, dm, false) })
}

// unplug pulls the cable: both ports see a hang-up. The names go first,
// so that a side reopening at once finds no port rather than the one
// being pulled (it would serve a dead line).
func (l *serialLine) unplug() {
	os.Remove(l.daemonPort)
	os.Remove(l.terminalPort)
	l.mu.Lock()
	files := l.plugged
	l.plugged = nil
	l.mu.Unlock()
	for _, f := range files {
		f.Close()
	}
	l.relays.Wait()
}

// setNoise damages what travels towards the terminal (or the daemon).
func (l *serialLine) setNoise(towardsTerminal bool, tp tap) {
	l.mu.Lock()
	l.noise[towardsTerminal] = tp
	l.mu.Unlock()
}

func (l *serialLine) relay(from, to *os.File, towardsTerminal bool) {
	buf := make([]byte, 64<<10)
	for {
		n, err := from.Read(buf)
		if err != nil {
			return
		}
		chunks := [][]byte{bytes.Clone(buf[:n])}
		l.mu.Lock()
		if tp := l.noise[towardsTerminal]; tp != nil {
			chunks = tp(chunks[0])
		}
		l.mu.Unlock()
		for _, c := range chunks {
			if _, err := to.Write(c); err != nil {
				return
			}
		}
	}
}

// openPTY opens a pseudo-terminal whose master can be closed under a
// blocked Read, and whose slave is raw like a serial port.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("pseudo-terminal: %v", err)
	}
	// pty.Open put the master in blocking mode (it called Fd); without
	// non-blocking mode, Close would not end a Read in progress.
	if err := syscall.SetNonblock(int(master.Fd()), true); err != nil {
		t.Fatal(err)
	}
	if err := makeRaw(int(slave.Fd())); err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// makeRaw turns off echo and line editing, so nothing is echoed or
// translated before the port's owner sets its own mode.
func makeRaw(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
}

// relink points link at target, replacing it atomically.
func relink(t *testing.T, target, link string) {
	t.Helper()
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

// serialLines: this platform can run termd against termd emulate over a
// pseudo-terminal serial line.
const serialLines = true

// startSerialDaemon runs termd emulate on one end of a serial line and
// termd (device.port) on the other. Emulator flags go to both; termd
// ignores them with a real terminal.
func startSerialDaemon(t *testing.T, flags ...string) (*proc, *serialLine, *proc) {
	t.Helper()
	line := newSerialLine(t)
	args := []string{"emulate", "--port=" + line.terminalPort, "--log.level=debug"}
	for _, f := range flags {
		if strings.HasPrefix(f, "--emulator.") && !strings.HasPrefix(f, "--emulator.control") {
			args = append(args, f)
		}
	}
	emu := startProc(t, args)
	emu.waitLog("serving the serial line", 1)
	d := startDaemon(t, "", append([]string{"--device.port=" + line.daemonPort}, flags...)...)
	return d, line, emu
}
