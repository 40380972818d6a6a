package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// vars are a scenario's variables: vars:, captures, ${run}, ${today}.
type vars map[string]any

// text substitutes every ${name} in s.
func (v vars) text(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		val, ok := v[ref[2:len(ref)-1]]
		if !ok {
			return ref
		}
		return show(val)
	})
}

// value substitutes inside a decoded YAML value. A string that is exactly
// one ${name} becomes that variable's value with its type (a captured
// amount stays a number).
func (v vars) value(x any) any {
	switch t := x.(type) {
	case string:
		if m := varRef.FindStringSubmatch(t); m != nil && m[0] == t {
			if val, ok := v[m[1]]; ok {
				return val
			}
		}
		return v.text(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = v.value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = v.value(e)
		}
		return out
	}
	return x
}

// show renders a value as text: strings as they are, the rest as JSON.
func show(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case nil:
		return "null"
	}
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}

// decode reads a frame body for matching; numbers stay exact.
func decode(body []byte) (any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// lookup finds a dotted path (data.approvalNo, data.items.0) in a decoded body.
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
