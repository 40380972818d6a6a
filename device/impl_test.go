package device

import (
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/protocol/link"
)

// The links the driver runs over: a serial link (with ENQ probes) and a
// plain stream (the emulator in-process). Checked here, where the
// interfaces live, so that neither silently stops fitting.
var (
	_ FrameConn = (*link.Conn)(nil)
	_ Pinger    = (*link.Conn)(nil)
	_ FrameConn = (*protocol.Conn)(nil)
)
