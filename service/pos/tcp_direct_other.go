//go:build !unix

package pos

// Elsewhere (Windows) every write goes through the writer goroutine.
func (l *tcpLink) canTry() bool { return false }

func (l *tcpLink) tryWrite([]byte) (int, error) { return 0, errNoDirect }
