package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Error is a mistake in a scenario file, at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ParseFile reads and parses one scenario file.
func ParseFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, b)
}

// Parse parses a scenario file's contents; path names it in errors.
func Parse(path string, src []byte) (*File, error) {
	p := &parser{file: path}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{path, 1, "the file is empty"}
		}
		return nil, p.yamlErr(err)
	}
	f, err := p.fileNode(&root)
	if err != nil {
		return nil, err
	}
	return f, nil
}

type parser struct {
	file string
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *parser) yamlErr(err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &Error{p.file, line, m[2]}
	}
	return &Error{p.file, 1, strings.TrimPrefix(err.Error(), "yaml: ")}
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	return &Error{p.file, n.Line, fmt.Sprintf(format, args...)}
}

// fields reads a mapping whose keys must be among allowed.
func (p *parser) fields(n *yaml.Node, what string, allowed ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "%s must be a mapping (key: value lines)", what)
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return nil, p.errf(k, "%s has no key %q (known: %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, p.errf(k, "%s: %q given twice", what, k.Value)
		}
		out[k.Value] = n.Content[i+1]
	}
	return out, nil
}

func (p *parser) fileNode(doc *yaml.Node) (*File, error) {
	top := doc
	if top.Kind == yaml.DocumentNode {
		top = top.Content[0]
	}
	m, err := p.fields(top, "a scenario file", "config", "connections", "vars", "scenarios")
	if err != nil {
		return nil, err
	}
	f := &File{Path: p.file}
	defaults := &Scenario{Conns: []ConnSpec{{"pos", "tcp"}}, Config: map[string]any{}, Vars: map[string]any{}}
	if err := p.common(m, defaults); err != nil {
		return nil, err
	}
	list := m["scenarios"]
	if list == nil {
		return nil, p.errf(top, "the file has no scenarios: list")
	}
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return nil, p.errf(list, "scenarios must be a non-empty list")
	}
	names := map[string]bool{}
	for _, n := range list.Content {
		s, err := p.scenario(n, defaults)
		if err != nil {
			return nil, err
		}
		if names[s.Name] {
			return nil, p.errf(n, "two scenarios are named %q", s.Name)
		}
		names[s.Name] = true
		f.Scenarios = append(f.Scenarios, s)
	}
	return f, nil
}

// common reads config, connections and vars over what s has.
func (p *parser) common(m map[string]*yaml.Node, s *Scenario) error {
	if n := m["config"]; n != nil {
		var c map[string]any
		if n.Kind != yaml.MappingNode || n.Decode(&c) != nil {
			return p.errf(n, "config must be a mapping of termd configuration keys")
		}
		s.Config = merge(s.Config, c)
	}
	if n := m["connections"]; n != nil {
		conns, err := p.connections(n)
		if err != nil {
			return err
		}
		s.Conns = conns
	}
	if n := m["vars"]; n != nil {
		var v map[string]any
		if n.Kind != yaml.MappingNode || n.Decode(&v) != nil {
			return p.errf(n, "vars must be a mapping of names to values")
		}
		vars := cloneMap(s.Vars)
		for k, val := range v {
			vars[k] = val
		}
		s.Vars = vars
	}
	return nil
}

func (p *parser) connections(n *yaml.Node) ([]ConnSpec, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, p.errf(n, "connections must map names to tcp or ws, like  pos: tcp")
	}
	var out []ConnSpec
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Value != "tcp" && v.Value != "ws" {
			return nil, p.errf(v, "connection %s: transport %q is not tcp or ws", k.Value, v.Value)
		}
		out = append(out, ConnSpec{k.Value, v.Value})
	}
	return out, nil
}

func (p *parser) scenario(n *yaml.Node, defaults *Scenario) (*Scenario, error) {
	m, err := p.fields(n, "a scenario", "name", "config", "connections", "vars", "steps")
	if err != nil {
		return nil, err
	}
	s := &Scenario{File: p.file, Line: n.Line, Conns: defaults.Conns, Config: defaults.Config, Vars: defaults.Vars}
	if m["name"] == nil || m["name"].Value == "" {
		return nil, p.errf(n, "a scenario needs a name")
	}
	s.Name = m["name"].Value
	if err := p.common(m, s); err != nil {
		return nil, err
	}
	steps := m["steps"]
	if steps == nil || steps.Kind != yaml.SequenceNode || len(steps.Content) == 0 {
		return nil, p.errf(n, "scenario %q needs a non-empty steps: list", s.Name)
	}
	known := map[string]bool{"run": true, "today": true}
	for k := range s.Vars {
		known[k] = true
	}
	for _, sn := range steps.Content {
		st, err := p.step(sn, s)
		if err != nil {
			return nil, err
		}
		if err := p.checkVars(sn, known); err != nil {
			return nil, err
		}
		for name := range st.captures() {
			known[name] = true
		}
		s.Steps = append(s.Steps, st)
	}
	return s, nil
}

func (st *Step) captures() map[string]string {
	if st.Expect != nil && st.Expect.Capture != nil {
		return st.Expect.Capture
	}
	return st.Capture
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// checkVars finds a ${name} used before anything defines it.
func (p *parser) checkVars(n *yaml.Node, known map[string]bool) error {
	if n.Kind == yaml.ScalarNode {
		for _, m := range varRef.FindAllStringSubmatch(n.Value, -1) {
			if !known[m[1]] {
				return p.errf(n, "${%s} is not defined here (vars:, an earlier capture, or ${run} / ${today})", m[1])
			}
		}
	}
	for _, c := range n.Content {
		if err := p.checkVars(c, known); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) duration(n *yaml.Node, what string) (time.Duration, error) {
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d <= 0 {
		return 0, p.errf(n, "%s: %q is not a duration above zero (write it like 30s, 500ms, 1m)", what, n.Value)
	}
	return d, nil
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// merge lays over on top of base, recursively for nested mappings, and
// returns a new map.
func merge(base, over map[string]any) map[string]any {
	out := cloneMap(base)
	for k, v := range over {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = merge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}
