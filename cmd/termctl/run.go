package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"

	"github.com/termd/termd/service/scenario"
)

const runUsage = `Usage: termctl run [flags] FILE|DIR...

Runs QA scenarios (YAML; a directory means every .yaml file under it).
Each scenario starts its own termd (free ports, a fresh data directory, the
emulated terminal on a virtual clock, the scenario's config), unless
--addr, --ws or --control point at a running one.
Exit status: 0 all passed, 1 some failed, 2 a scenario file is wrong.
The format: scripts/scenarios/README.md.

Flags:
`

type runFlags struct {
	fs                  *flag.FlagSet
	termd               *string
	addr, ws, control   *string
	transport, junit    *string
	list, stopOnFailure *bool
}

func newRunFlags(out io.Writer) runFlags {
	fs := flag.NewFlagSet("termctl run", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, runUsage); fs.PrintDefaults() }
	return runFlags{
		fs:            fs,
		termd:         fs.String("termd", "", "the termd binary to start (default: termd beside termctl, else on PATH)"),
		addr:          fs.String("addr", "", "use the running termd at this TCP address instead of starting one"),
		ws:            fs.String("ws", "", "…and its WebSocket URL, e.g. ws://127.0.0.1:9932/ws"),
		control:       fs.String("control", "", "…and its control panel, e.g. http://127.0.0.1:9933"),
		transport:     fs.String("transport", "", "tcp or ws: every connection uses it, whatever the scenario says"),
		junit:         fs.String("junit", "", "also write JUnit XML to this file"),
		list:          fs.Bool("list", false, "list the scenarios and exit"),
		stopOnFailure: fs.Bool("stop-on-failure", false, "stop at the first failed scenario"),
	}
}

func runScenarios(args []string, stdout, stderr io.Writer) int {
	f := newRunFlags(stderr)
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if f.fs.NArg() == 0 {
		fmt.Fprintln(stderr, "termctl run: name scenario files or directories (e.g. scripts/scenarios)")
		return 2
	}
	if t := *f.transport; t != "" && t != "tcp" && t != "ws" {
		fmt.Fprintf(stderr, "termctl run: --transport %q is not tcp or ws\n", t)
		return 2
	}
	files, ok := parseAll(f.fs.Args(), stderr)
	if !ok {
		return 2
	}
	if *f.list {
		for _, file := range files {
			for _, s := range file.Scenarios {
				fmt.Fprintf(stdout, "%s:%d: %s (%d steps)\n", s.File, s.Line, s.Name, len(s.Steps))
			}
		}
		return 0
	}
	target, err := f.target()
	if err != nil {
		fmt.Fprintf(stderr, "termctl run: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &scenario.Runner{Target: target, Transport: *f.transport}
	var results []scenario.Result
	failed := false
run:
	for _, file := range files {
		for _, s := range file.Scenarios {
			res := r.Run(ctx, s)
			results = append(results, res)
			fmt.Fprintln(stdout, res.Line())
			if res.Failure != nil {
				failed = true
				fmt.Fprint(stdout, indent(res.Details()))
				if *f.stopOnFailure || ctx.Err() != nil {
					break run
				}
			}
		}
	}
	fmt.Fprintf(stdout, "%d scenarios run, %d failed\n", len(results), countFailed(results))
	if *f.junit != "" {
		if err := writeJUnit(*f.junit, results); err != nil {
			fmt.Fprintf(stderr, "termctl run: %v\n", err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

func countFailed(rs []scenario.Result) int {
	n := 0
	for _, r := range rs {
		if r.Failure != nil {
			n++
		}
	}
	return n
}

func indent(s string) string {
	return "     " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n     ") + "\n"
}

func writeJUnit(path string, rs []scenario.Result) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if err := scenario.JUnit(out, rs); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// parseAll reads every file named or under a directory named, and reports
// every mistake (file:line) before anything runs.
func parseAll(args []string, stderr io.Writer) ([]*scenario.File, bool) {
	var paths []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			fmt.Fprintf(stderr, "termctl run: %v\n", err)
			return nil, false
		}
		if !st.IsDir() {
			paths = append(paths, a)
			continue
		}
		var found []string
		filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				found = append(found, p)
			}
			return nil
		})
		if len(found) == 0 {
			fmt.Fprintf(stderr, "termctl run: no .yaml files under %s\n", a)
			return nil, false
		}
		sort.Strings(found)
		paths = append(paths, found...)
	}
	var files []*scenario.File
	ok := true
	for _, p := range paths {
		f, err := scenario.ParseFile(p)
		if err != nil {
			fmt.Fprintln(stderr, err)
			ok = false
			continue
		}
		files = append(files, f)
	}
	return files, ok
}

func (f runFlags) target() (scenario.Target, error) {
	if *f.addr != "" || *f.ws != "" || *f.control != "" {
		return scenario.Fixed{TCP: *f.addr, WS: *f.ws, Control: strings.TrimSuffix(*f.control, "/")}, nil
	}
	bin := *f.termd
	if bin == "" {
		bin = findTermd()
	}
	if bin == "" {
		return nil, errors.New("no termd binary: build it (go build -o bin/ ./cmd/...) and pass --termd, or give --addr/--ws/--control of a running one")
	}
	return &scenario.Process{Binary: bin}, nil
}

// findTermd looks beside termctl, then on PATH.
func findTermd() string {
	name := "termd"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}
