package engine

// Phase is where the running transaction stands.
type Phase int

const (
	// Reading: waiting for card, QR or keyed number. Read-cancel and abort stop it.
	Reading Phase = iota + 1
	// Signing: waiting for the customer's signature, at most SignTimeout.
	Signing
	// Authorizing: the card company is deciding; nothing can stop it.
	Authorizing
)

func (p Phase) String() string {
	switch p {
	case Reading:
		return "READING"
	case Signing:
		return "SIGNING"
	case Authorizing:
		return "AUTHORIZING"
	}
	return "IDLE"
}

// Stoppable reports whether a read-cancel or abort can still end the transaction.
func (p Phase) Stoppable() bool { return p == Reading || p == Signing }

// nextPhase computes the phase after the terminal reports report while in p.
// Phases only move forward: a late or repeated report never moves a
// transaction back (a terminal that says "reading" after "authorizing" is
// ignored), so a signature timer cannot restart once authorization began.
func nextPhase(p Phase, report string) Phase {
	var to Phase
	switch report {
	case "reading":
		to = Reading
	case "signing":
		to = Signing
	case "authorizing":
		to = Authorizing
	default:
		return p
	}
	return max(p, to)
}
