package access

import "syscall"

// errAddrInUse is Winsock's WSAEADDRINUSE; syscall.EADDRINUSE on Windows
// is an invented number that no socket call returns.
const errAddrInUse = syscall.Errno(10048)
