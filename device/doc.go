// Package device is the daemon's side of the payment terminal: the Terminal
// interface the transaction engine drives, and the Driver that implements it
// over any frame link — an in-memory pipe to the emulator, or a serial port
// with the STX/ETX link layer. One goroutine owns the link; it reopens the
// link with backoff when it breaks, and reports the link going down and up.
// Frames go through a writer goroutine, except over the in-process pipe
// (Options.DirectWrite), where a write never waits for the peer and Send
// writes the frame itself.
package device
