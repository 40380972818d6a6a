package emulator

import (
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/protocol/link"
)

// The links the emulated terminal serves: in-process and over a serial line.
var (
	_ FrameConn = (*protocol.Conn)(nil)
	_ FrameConn = (*link.Conn)(nil)
	_ FrameConn = (*crashConn)(nil)
)
