package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kardianos/service"
)

// What "termd service install" writes. termd renders the systemd unit and
// the SysV init script itself and hands them to kardianos/service as its
// SystemdScript/SysvScript options, with no template actions left in them,
// so --dry-run prints byte for byte what install writes.

const (
	systemdUnitPath = "/etc/systemd/system/termd.service"
	sysvScriptPath  = "/etc/init.d/termd"
)

// errTemplateChars: kardianos/service reads the files as templates, so a
// path holding "{{" would be mangled.
var errTemplateChars = errors.New(`a path with "{{" or "}}" cannot go into a service file`)

// serviceFiles returns the file install writes for system (as
// service.ChosenSystem names it), or "" for a system whose file termd does
// not write itself (then the manager's own template is used).
func serviceFiles(system, exe string, sc *service.Config) (path, content string, err error) {
	for _, s := range append([]string{exe}, sc.Arguments...) {
		if strings.Contains(s, "{{") || strings.Contains(s, "}}") {
			return "", "", fmt.Errorf("%s: %w", s, errTemplateChars)
		}
	}
	switch system {
	case "linux-systemd":
		return systemdUnitPath, systemdUnit(exe, sc), nil
	case "unix-systemv":
		return sysvScriptPath, sysvScript(exe, sc), nil
	}
	return "", "", nil
}

// systemdUnit restarts termd 5 s after it fails, for ever (no start limit:
// a shop PC has nobody to reset it).
func systemdUnit(exe string, sc *service.Config) string {
	cmd := []string{systemdQuote(exe)}
	for _, a := range sc.Arguments {
		cmd = append(cmd, systemdQuote(a))
	}
	return "[Unit]\n" +
		"Description=" + sc.Description + "\n" +
		"After=network.target\n" +
		"StartLimitIntervalSec=0\n" +
		"\n[Service]\n" +
		"ExecStart=" + strings.Join(cmd, " ") + "\n" +
		"Restart=always\n" +
		"RestartSec=5\n" +
		"KillSignal=SIGTERM\n" +
		"TimeoutStopSec=30\n" +
		"\n[Install]\n" +
		"WantedBy=multi-user.target\n"
}

// systemdQuote quotes one word of ExecStart: % starts a specifier, and
// spaces, quotes and backslashes need double quotes.
func systemdQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if !strings.ContainsAny(s, " \t\"'\\") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// sysvScript is an LSB init script: start in the background with a pid
// file, stop with SIGTERM and wait (termd finishes a payment it is
// settling within timeouts.drain), status from the pid file.
func sysvScript(exe string, sc *service.Config) string {
	words := []string{shellQuote(exe)}
	for _, a := range sc.Arguments {
		words = append(words, shellQuote(a))
	}
	return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          termd
# Required-Start:    $local_fs $network
# Required-Stop:     $local_fs $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: ` + sc.DisplayName + `
# Description:       ` + sc.Description + `
### END INIT INFO

pidfile=/var/run/termd.pid
errlog=/var/log/termd.err

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "$1" in
start)
	if running; then echo "termd is already running"; exit 0; fi
	` + strings.Join(words, " ") + ` >>"$errlog" 2>&1 &
	echo $! >"$pidfile"
	echo "termd started"
	;;
stop)
	if ! running; then echo "termd is not running"; rm -f "$pidfile"; exit 0; fi
	kill -TERM "$(cat "$pidfile")"
	for i in $(seq 1 30); do running || break; sleep 1; done
	if running; then kill -KILL "$(cat "$pidfile")"; fi
	rm -f "$pidfile"
	echo "termd stopped"
	;;
restart)
	"$0" stop
	"$0" start
	;;
status)
	if running; then echo "termd is running"; else echo "termd is not running"; exit 3; fi
	;;
*)
	echo "Usage: $0 {start|stop|restart|status}"
	exit 2
	;;
esac
exit 0
`
}

// shellQuote quotes s for sh in single quotes.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// windowsSettings describes the Windows service install creates.
func windowsSettings(exe string, sc *service.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  name:          %s\n", sc.Name)
	fmt.Fprintf(&b, "  display name:  %s\n", sc.DisplayName)
	fmt.Fprintf(&b, "  description:   %s\n", sc.Description)
	fmt.Fprintf(&b, "  command:       %s %s\n", exe, strings.Join(sc.Arguments, " "))
	fmt.Fprintf(&b, "  start type:    automatic (at boot)\n")
	fmt.Fprintf(&b, "  account:       LocalSystem\n")
	fmt.Fprintf(&b, "  on failure:    restart after %s\n", sc.Option["OnFailureDelayDuration"])
	return b.String()
}

// temporaryBuild reports why exe is a binary that goes away (a go run or
// go test build in the temp folder or the build cache), or "" when it is
// not. A service registered with such a path fails at the next boot.
func temporaryBuild(exe string) string {
	exe = filepath.Clean(exe)
	under := func(dir string) bool {
		if dir == "" {
			return false
		}
		rel, err := filepath.Rel(filepath.Clean(dir), exe)
		return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
	}
	for _, part := range strings.Split(filepath.ToSlash(exe), "/") {
		if strings.HasPrefix(part, "go-build") {
			return "it was built by go run or go test"
		}
	}
	if cache, err := os.UserCacheDir(); err == nil && under(filepath.Join(cache, "go-build")) {
		return "it is in Go's build cache"
	}
	if under(os.Getenv("GOCACHE")) {
		return "it is in Go's build cache (GOCACHE)"
	}
	if under(os.TempDir()) {
		return "it is in the temporary folder " + os.TempDir()
	}
	return ""
}
