package scenario

import (
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

var stepKinds = []string{KindSend, KindExpect, KindCapture, KindCustomer, KindCable, KindAdvance,
	KindSilence, KindClosed, KindQuery, KindAwait, KindConnect, KindDisconnect, KindShutdown}

// step reads one step: a mapping with exactly one step kind, plus
// optionally on: (the connection) and only: (tcp or ws).
func (p *parser) step(n *yaml.Node, s *Scenario) (*Step, error) {
	m, err := p.fields(n, "a step", append([]string{"on", "only"}, stepKinds...)...)
	if err != nil {
		return nil, err
	}
	st := &Step{Line: n.Line}
	var val *yaml.Node
	for _, k := range stepKinds {
		if v := m[k]; v != nil {
			if val != nil {
				return nil, p.errf(n, "a step does one thing: %s and %s are both here", st.Kind, k)
			}
			st.Kind, val = k, v
		}
	}
	if val == nil {
		return nil, p.errf(n, "a step needs one of: %s", strings.Join(stepKinds, ", "))
	}
	if on := m["on"]; on != nil {
		st.On = on.Value
	}
	if only := m["only"]; only != nil {
		if only.Value != "tcp" && only.Value != "ws" {
			return nil, p.errf(only, "only: %q is not tcp or ws", only.Value)
		}
		st.Only = only.Value
	}
	if err := p.stepBody(st, val); err != nil {
		return nil, err
	}
	if err := p.checkConn(n, st, s); err != nil {
		return nil, err
	}
	return st, nil
}

func (p *parser) checkConn(n *yaml.Node, st *Step, s *Scenario) error {
	if st.On == "" {
		return nil
	}
	for _, c := range s.Conns {
		if c.Name == st.On {
			return nil
		}
	}
	names := make([]string, len(s.Conns))
	for i, c := range s.Conns {
		names[i] = c.Name
	}
	return p.errf(n, "no connection named %q (connections: %s)", st.On, strings.Join(names, ", "))
}

func (p *parser) stepBody(st *Step, v *yaml.Node) error {
	switch st.Kind {
	case KindSend:
		return p.send(st, v)
	case KindExpect:
		e, err := p.expectation(st, v, true)
		st.Expect = e
		return err
	case KindQuery, KindAwait:
		return p.query(st, v)
	case KindCapture:
		return p.capture(st, v)
	case KindCustomer:
		return p.action(st, v, "card", "sign", "remove")
	case KindCable:
		return p.action(st, v, "unplug", "plug")
	case KindAdvance:
		if v.Value == "next" {
			st.ToNext = true
			return nil
		}
		d, err := p.duration(v, "advance")
		st.By = d
		return err
	case KindSilence:
		d, err := p.duration(v, "expectSilence")
		st.Silence = d
		return err
	case KindShutdown:
		if v.Value != "termd" {
			return p.errf(v, "shutdown: termd (the only thing a scenario can stop)")
		}
	case KindClosed, KindConnect, KindDisconnect:
		if v.Kind != yaml.ScalarNode || v.Value == "" {
			return p.errf(v, "%s names a connection", st.Kind)
		}
		if st.On != "" && st.On != v.Value {
			return p.errf(v, "%s %s, but on: %s", st.Kind, v.Value, st.On)
		}
		st.On = v.Value
	}
	return nil
}

func (p *parser) action(st *Step, v *yaml.Node, allowed ...string) error {
	if v.Kind != yaml.ScalarNode || !slices.Contains(allowed, v.Value) {
		return p.errf(v, "%s: %q is not one of %s", st.Kind, v.Value, strings.Join(allowed, ", "))
	}
	st.Action = v.Value
	return nil
}

func (p *parser) code(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || len(n.Value) != 6 || strings.Trim(n.Value, "0123456789") != "" {
		return "", p.errf(n, "code %q is not six digits (quote it: \"010010\")", n.Value)
	}
	return n.Value, nil
}

func (p *parser) send(st *Step, v *yaml.Node) error {
	m, err := p.fields(v, "send", "code", "body", "raw", "on")
	if err != nil {
		return err
	}
	if on := m["on"]; on != nil {
		st.On = on.Value
	}
	if raw := m["raw"]; raw != nil {
		if m["code"] != nil || m["body"] != nil {
			return p.errf(raw, "send: raw is sent as it is; it takes no code or body")
		}
		st.Raw = raw.Value
		return nil
	}
	if m["code"] == nil {
		return p.errf(v, "send needs a code (or raw bytes)")
	}
	if st.Code, err = p.code(m["code"]); err != nil {
		return err
	}
	if b := m["body"]; b != nil {
		if b.Kind == yaml.ScalarNode && b.Tag == "!!str" {
			st.Text = b.Value
			return nil
		}
		if err := b.Decode(&st.Body); err != nil {
			return p.errf(b, "send: body: %v", err)
		}
	}
	return nil
}

var expectKeys = []string{"code", "resultCode", "resultMessage", "fields", "match", "absent", "within", "clock", "capture", "on"}

func (p *parser) expectation(st *Step, v *yaml.Node, needCode bool) (*Expectation, error) {
	m, err := p.fields(v, st.Kind, expectKeys...)
	if err != nil {
		return nil, err
	}
	e := &Expectation{}
	if on := m["on"]; on != nil {
		st.On = on.Value
	}
	if c := m["code"]; c != nil {
		if e.Code, err = p.code(c); err != nil {
			return nil, err
		}
	} else if needCode {
		return nil, p.errf(v, "expect needs the code of the frame it waits for")
	}
	if n := m["resultCode"]; n != nil {
		e.ResultCode = n.Value
	}
	if n := m["resultMessage"]; n != nil {
		e.ResultMessage = n.Value
	}
	if n := m["fields"]; n != nil {
		if n.Kind != yaml.MappingNode {
			return nil, p.errf(n, "fields maps paths to values, like  data.status: approved")
		}
		e.Fields = map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			e.Fields[n.Content[i].Value] = n.Content[i+1]
		}
	}
	if e.Match, err = p.stringMap(m["match"], "match"); err != nil {
		return nil, err
	}
	for path, re := range e.Match {
		if !varRef.MatchString(re) {
			if _, err := regexp.Compile(re); err != nil {
				return nil, p.errf(m["match"], "match %s: %v", path, err)
			}
		}
	}
	if n := m["absent"]; n != nil {
		if n.Kind != yaml.SequenceNode || n.Decode(&e.Absent) != nil {
			return nil, p.errf(n, "absent is a list of paths, like  [data.approvalNo]")
		}
	}
	if n := m["within"]; n != nil {
		if e.Within, err = p.duration(n, "within"); err != nil {
			return nil, err
		}
	}
	if n := m["clock"]; n != nil {
		if n.Value != "wall" && n.Value != "virtual" {
			return nil, p.errf(n, "clock: %q is not wall or virtual", n.Value)
		}
		e.Virtual = n.Value == "virtual"
		if e.Virtual && e.Within == 0 {
			return nil, p.errf(n, "clock: virtual needs within: (how much virtual time may pass)")
		}
	}
	if e.Capture, err = p.stringMap(m["capture"], "capture"); err != nil {
		return nil, err
	}
	return e, nil
}

func (p *parser) stringMap(n *yaml.Node, what string) (map[string]string, error) {
	if n == nil {
		return nil, nil
	}
	var out map[string]string
	if n.Kind != yaml.MappingNode || n.Decode(&out) != nil {
		return nil, p.errf(n, "%s maps names to text", what)
	}
	return out, nil
}

func (p *parser) capture(st *Step, v *yaml.Node) error {
	var err error
	if st.Capture, err = p.stringMap(v, "capture"); err != nil {
		return err
	}
	if on, ok := st.Capture["on"]; ok {
		st.On = on
		delete(st.Capture, "on")
	}
	if len(st.Capture) == 0 {
		return p.errf(v, "capture names at least one variable, like  approvalNo: data.approvalNo")
	}
	return nil
}

// query is a shorthand: send 990001 (what: last) or 050099 (what:
// summary, from, to) and expect its answer. await is the same, asked again
// until the answer matches; it may also send any code: and body:.
func (p *parser) query(st *Step, v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		v = &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "what"}, v}}
	}
	if v.Kind != yaml.MappingNode {
		return p.errf(v, "%s: give what: last or what: summary", st.Kind)
	}
	req := map[string]*yaml.Node{}
	rest := &yaml.Node{Kind: yaml.MappingNode, Line: v.Line}
	for i := 0; i+1 < len(v.Content); i += 2 {
		switch k, val := v.Content[i], v.Content[i+1]; k.Value {
		case "what", "from", "to", "code", "body":
			req[k.Value] = val
		default:
			rest.Content = append(rest.Content, k, val)
		}
	}
	e, err := p.expectation(st, rest, false)
	if err != nil {
		return err
	}
	st.Expect = e
	switch what := req["what"]; {
	case what != nil && what.Value == "last":
		st.Code = "990001"
	case what != nil && what.Value == "summary":
		if req["from"] == nil || req["to"] == nil {
			return p.errf(v, "%s: summary needs from: and to: (yyyyMMdd, or ${today})", st.Kind)
		}
		st.Code = "050099"
		st.Body = map[string]any{"from": req["from"].Value, "to": req["to"].Value}
	case what == nil && st.Kind == KindAwait && req["code"] != nil:
		send := &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "code"}, req["code"]}}
		if b := req["body"]; b != nil {
			send.Content = append(send.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "body"}, b)
		}
		if err := p.send(st, send); err != nil {
			return err
		}
	default:
		return p.errf(v, "%s: what: is last (990001) or summary (050099)", st.Kind)
	}
	e.Code = st.Code
	return nil
}
