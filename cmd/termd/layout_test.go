package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The layout of the folders is the architecture (STYLE.md); these tests
// keep it honest for every package of the module, in the spirit of
// tailscale's cmd/tailscaled/deps_test.go and pkgdoc_test.go.

const module = "github.com/termd/termd"

type pkgInfo struct {
	path, name, dir string
	imports, deps   []string // module-internal and third-party; no standard library
}

// modulePackages lists every package of the module with what it imports.
func modulePackages(t *testing.T) []pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}}|{{.Name}}|{{.Dir}}|{{join .Imports ","}}|{{join .Deps ","}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var pkgs []pkgInfo
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 5 {
			t.Fatalf("go list line %q", line)
		}
		pkgs = append(pkgs, pkgInfo{path: f[0], name: f[1], dir: f[2], imports: nonStd(f[3]), deps: nonStd(f[4])})
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; the test proves nothing", len(pkgs))
	}
	return pkgs
}

// nonStd keeps the import paths that are not the standard library's (a
// dot in the first element).
func nonStd(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
			out = append(out, p)
		}
	}
	return out
}

func rel(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, module), "/") }

func under(p, folder string) bool {
	r := rel(p)
	return r == folder || strings.HasPrefix(r, folder+"/")
}

// TestImportDirection: imports go downward only. Each rule names a package
// (or a folder with everything under it), what it must never depend on
// (directly or not), and for the bottom layers the only things it may.
func TestImportDirection(t *testing.T) {
	pkgs := modulePackages(t)
	never := []struct{ pkg, dep, why string }{
		{"emulator", "device", "the emulator is the driver's independent peer"},
		{"emulator", "service", "the emulator is a terminal, not part of the daemon"},
		{"service/engine", "emulator", "the engine drives any terminal through device"},
		{"device", "service", "the driver is below the daemon"},
		{"device", "emulator", "the driver is tested against the emulator, never built on it"},
		{"service/posclient", "service/engine", "the POS side knows the wire only"},
		{"service/posclient", "service/store", "the POS side knows the wire only"},
		{"service/posclient", "service/daemon", "the POS side knows the wire only"},
		{"service/pos", "service/engine", "the listeners hand frames to a Handler"},
		{"service/access", "service/pos", "the policy is below every door"},
		{"cmd/termctl", "service/daemon", "the POS tool talks to termd over the wire"},
		{"printer", "service", "the printer is below the daemon"},
		{"printer", "emulator", "the printer driver is tested against the emulated printer, never built on it"},
		{"emulator", "printer/driver", "the emulated printer is the driver's independent peer"},
	}
	for _, p := range pkgs {
		for _, r := range never {
			if !under(p.path, r.pkg) {
				continue
			}
			for _, d := range p.deps {
				if strings.HasPrefix(d, module) && under(d, r.dep) {
					t.Errorf("%s depends on %s: %s", rel(p.path), rel(d), r.why)
				}
			}
		}
		for _, d := range p.imports {
			if under(d, "cmd") {
				t.Errorf("%s imports %s: nothing imports a command", rel(p.path), rel(d))
			}
		}
	}

	// The bottom: the codec imports the standard library and x/text only;
	// the link layer adds only the codec; the clock, the standard library
	// alone. The scenario runner speaks to termd only as a POS and a
	// person do: the wire (posclient, protocol) and its YAML.
	only := map[string][]string{
		"protocol":       {"golang.org/x/text"},
		"protocol/link":  {"golang.org/x/text", module + "/protocol"},
		"emulator/clock": {},
		"service/scenario": {"golang.org/x/text", "github.com/gorilla/websocket", "gopkg.in/yaml.v3",
			module + "/protocol", module + "/service/posclient"},
	}
	for _, p := range pkgs {
		allowed, ok := only[rel(p.path)]
		if !ok {
			continue
		}
		for _, d := range p.deps {
			if !slices.ContainsFunc(allowed, func(a string) bool { return d == a || strings.HasPrefix(d, a+"/") }) {
				t.Errorf("%s depends on %s; it may use only the standard library and %v", rel(p.path), d, allowed)
			}
		}
	}
}

// TestCommandsOnlyWire: a command is main and flags, a logger and wiring;
// the work lives in packages. A command imports no other command and
// declares no exported identifiers other code could lean on.
func TestCommandsOnlyWire(t *testing.T) {
	for _, p := range modulePackages(t) {
		if !under(p.path, "cmd") {
			continue
		}
		if p.name != "main" {
			t.Errorf("%s is package %s; a command is main", rel(p.path), p.name)
		}
		files, _ := filepath.Glob(filepath.Join(p.dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range exported(f) {
				t.Errorf("%s declares exported %s: move it into a package", rel(p.path)+"/"+filepath.Base(file), name)
			}
		}
	}
}

// exported lists the exported top-level names a file declares (methods
// aside: an unexported type may well have a String method).
func exported(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						names = append(names, s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	return names
}

// TestPackageDocs: every package has exactly one package doc comment, so
// `go doc` says what it is and no two files disagree.
func TestPackageDocs(t *testing.T) {
	for _, p := range modulePackages(t) {
		files, _ := filepath.Glob(filepath.Join(p.dir, "*.go"))
		var docs []string
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if f.Doc != nil {
				docs = append(docs, filepath.Base(file))
			}
		}
		switch {
		case len(docs) == 0:
			t.Errorf("%s has no package doc comment", rel(p.path))
		case len(docs) > 1:
			t.Errorf("%s has package doc comments in %v; keep one", rel(p.path), docs)
		}
	}
}
