package scenario

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"regexp"

	"gopkg.in/yaml.v3"

	"github.com/termd/termd/protocol"
)

// check reports how f fails e ("" when it matches).
func (e *Expectation) check(f protocol.Frame, v vars) string {
	if e.Code != "" && string(f.Code) != e.Code {
		return fmt.Sprintf("code %s, want %s", f.Code, e.Code)
	}
	doc, err := decode(f.Body)
	if err != nil {
		return fmt.Sprintf("the body is not JSON: %v", err)
	}
	if e.ResultCode != "" {
		if why := scalarDiff(doc, "resultCode", v.text(e.ResultCode)); why != "" {
			return why
		}
	}
	if e.ResultMessage != "" {
		if why := scalarDiff(doc, "resultMessage", v.text(e.ResultMessage)); why != "" {
			return why
		}
	}
	for path, want := range e.Fields {
		if why := nodeDiff(doc, path, want, v); why != "" {
			return why
		}
	}
	for path, pattern := range e.Match {
		got, ok := lookup(doc, path)
		if !ok {
			return fmt.Sprintf("%s is absent, want it to match /%s/", path, pattern)
		}
		re, err := regexp.Compile(v.text(pattern))
		if err != nil {
			return fmt.Sprintf("match %s: %v", path, err)
		}
		if !re.MatchString(show(got)) {
			return fmt.Sprintf("%s is %q, want it to match /%s/", path, show(got), re)
		}
	}
	for _, path := range e.Absent {
		if got, ok := lookup(doc, path); ok {
			return fmt.Sprintf("%s is %s, want it absent", path, show(got))
		}
	}
	return ""
}

func scalarDiff(doc any, path, want string) string {
	got, ok := lookup(doc, path)
	if !ok {
		return fmt.Sprintf("%s is absent, want %q", path, want)
	}
	if !sameScalar(got, want) {
		return fmt.Sprintf("%s is %q, want %q", path, show(got), want)
	}
	return ""
}

// nodeDiff compares a value in the body with one written in the scenario.
// Scalars compare by their text (so 60000 matches the number 60000 and
// "0000" the string "0000"); mappings and lists compare as JSON values.
func nodeDiff(doc any, path string, want *yaml.Node, v vars) string {
	got, ok := lookup(doc, path)
	if want.Kind == yaml.ScalarNode {
		text := v.text(want.Value)
		if want.Tag == "!!null" {
			if ok && got != nil {
				return fmt.Sprintf("%s is %s, want null", path, show(got))
			}
			return ""
		}
		if !ok {
			return fmt.Sprintf("%s is absent, want %q", path, text)
		}
		if !sameScalar(got, text) {
			return fmt.Sprintf("%s is %q, want %q", path, show(got), text)
		}
		return ""
	}
	var w any
	if err := want.Decode(&w); err != nil {
		return fmt.Sprintf("%s: %v", path, err)
	}
	wb, _ := json.Marshal(v.value(w))
	wantDoc, _ := decode(wb)
	if !ok || !reflect.DeepEqual(normal(got), normal(wantDoc)) {
		return fmt.Sprintf("%s is %s, want %s", path, show(got), wb)
	}
	return ""
}

func sameScalar(got any, want string) bool {
	if n, ok := got.(json.Number); ok {
		a, okA := new(big.Float).SetString(n.String())
		b, okB := new(big.Float).SetString(want)
		return okA && okB && a.Cmp(b) == 0
	}
	return show(got) == want
}

// normal turns json.Numbers into their text, so 1 and 1.0 differ only
// where the scenario wrote them differently.
func normal(x any) any {
	b, _ := json.Marshal(x)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
