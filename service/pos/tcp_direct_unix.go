//go:build unix

package pos

import "syscall"

// canTry reports whether the connection is a socket tryWrite can reach.
func (l *tcpLink) canTry() bool {
	_, ok := l.conn.(syscall.Conn)
	return ok
}

// tryWrite writes once on the non-blocking socket and never waits: n is
// what the kernel took, 0 when its send buffer is full or the write
// failed. The error is the link's to report later, through the writer.
func (l *tcpLink) tryWrite(frame []byte) (n int, err error) {
	sc, ok := l.conn.(syscall.Conn)
	if !ok {
		return 0, errNoDirect
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	werr := rc.Write(func(fd uintptr) bool {
		n, err = syscall.Write(int(fd), frame)
		return true // done either way: a would-block goes to the writer
	})
	if werr != nil {
		return 0, werr
	}
	if err != nil || n < 0 {
		return 0, err
	}
	return n, nil
}
