//go:build !windows

package access

import "syscall"

// errAddrInUse is the error a bind to a taken port fails with.
const errAddrInUse = syscall.EADDRINUSE
