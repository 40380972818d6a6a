package scenario

import (
	"time"

	"gopkg.in/yaml.v3"
)

// File is one scenario file.
type File struct {
	Path      string
	Scenarios []*Scenario
}

// Scenario is one named script.
type Scenario struct {
	File  string
	Name  string
	Line  int
	Conns []ConnSpec // in declaration order; the first is the default
	// Config is the termd configuration (file's, then the scenario's
	// keys over it) for a termd the runner starts.
	Config map[string]any
	Vars   map[string]any
	Steps  []*Step
}

// ConnSpec is one named POS connection.
type ConnSpec struct {
	Name      string
	Transport string // tcp or ws
}

// Step kinds.
const (
	KindSend       = "send"
	KindExpect     = "expect"
	KindCapture    = "capture"
	KindCustomer   = "customer"
	KindCable      = "cable"
	KindAdvance    = "advance"
	KindSilence    = "expectSilence"
	KindClosed     = "expectClosed"
	KindQuery      = "query"
	KindAwait      = "await"
	KindConnect    = "connect"
	KindDisconnect = "disconnect"
	KindShutdown   = "shutdown"
)

// Step is one line of a script.
type Step struct {
	Kind string
	Line int
	On   string // the connection ("" = the scenario's first)
	Only string // run only when the connection's transport is this

	// send
	Code string
	Body any    // a value to marshal as JSON after substitution, or nil
	Text string // a body given as text (JSON or not), substituted
	Raw  string // bytes sent as they are (no framing), substituted

	// expect (query reuses it, with Code set by the helper)
	Expect *Expectation

	// capture: variable name → path in the last frame received
	Capture map[string]string

	Action  string        // customer: card|sign|remove; cable: unplug|plug
	By      time.Duration // advance by this; 0 with ToNext
	ToNext  bool          // advance to the next pending deadline
	Silence time.Duration // expectSilence
}

// Expectation is what a received frame must be.
type Expectation struct {
	Code          string
	ResultCode    string
	ResultMessage string
	Fields        map[string]*yaml.Node // path → value
	Match         map[string]string     // path → regular expression (substituted, then compiled)
	Absent        []string
	Within        time.Duration // wall time by default
	Virtual       bool          // within counts virtual time, advancing the clock while waiting
	Capture       map[string]string
}
