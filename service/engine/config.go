package engine

import (
	"fmt"
	"time"

	"github.com/termd/termd/protocol"
)

// Policy says what happens to a 0000 result nobody confirmed in time.
type Policy string

const (
	// PolicyReverse reverses an unconfirmed approval on the terminal (망취소);
	// an unconfirmed cancel is kept and marked unconfirmed.
	PolicyReverse Policy = "reverse"
	// PolicyHold keeps every unconfirmed result, marked unconfirmed.
	PolicyHold Policy = "hold"
	// PolicyOff tracks no confirmation: the terminal is free at once.
	PolicyOff Policy = "off"
)

// ParsePolicy reads a configuration value.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case PolicyReverse, PolicyHold, PolicyOff:
		return p, nil
	}
	return "", fmt.Errorf("engine: unknown confirm policy %q (want reverse, hold or off)", s)
}

// Config holds the engine's rules. Zero durations take the defaults.
type Config struct {
	ReadTimeout    time.Duration // READING → 9999 after this (60 s)
	SignTimeout    time.Duration // SIGNING → 9999 서명시간초과 after this (30 s)
	ConfirmTimeout time.Duration // a 0000 must be confirmed within this (30 s)
	Policy         Policy        // reverse (default), hold, off
	Model          protocol.Model
	// DrainTimeout bounds how long shutdown waits for a transaction that
	// can no longer be stopped (AUTHORIZING) to finish (10 s).
	DrainTimeout time.Duration
	// AuthTimeout is how long an authorization may take before the
	// terminal is asked what became of it (90 s): a final answer lost on
	// a live link must not hold the terminal for ever.
	AuthTimeout time.Duration
	// ChoreTimeout bounds the wait for the terminal's answer to a
	// reversal or an outcome question (15 s); then it is asked again.
	ChoreTimeout time.Duration
	// JournalRetry is how often writes a failing journal owes are tried
	// again (5 s).
	JournalRetry time.Duration
	// Clock runs every timeout above (the wall clock when nil).
	Clock Clock
}

func (c *Config) fill() {
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 60 * time.Second
	}
	if c.SignTimeout <= 0 {
		c.SignTimeout = 30 * time.Second
	}
	if c.ConfirmTimeout <= 0 {
		c.ConfirmTimeout = 30 * time.Second
	}
	if c.Policy == "" {
		c.Policy = PolicyReverse
	}
	if c.Model == "" {
		c.Model = protocol.ModelT650P
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = 90 * time.Second
	}
	if c.ChoreTimeout <= 0 {
		c.ChoreTimeout = 15 * time.Second
	}
	if c.JournalRetry <= 0 {
		c.JournalRetry = 5 * time.Second
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
}
