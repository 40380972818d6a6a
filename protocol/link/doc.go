// Package link is the serial link layer between termd and a payment
// terminal: each 전문 frame travels as STX frame ETX LRC, the receiver
// answers ACK or NAK, the sender retries, and ENQ probes an idle line.
//
// The codec (Append, Scan) is pure. Conn runs it over a byte stream such as
// a serial port: one goroutine reads the port, writes are serialised, and a
// sender waits for the acknowledgement of one packet at a time.
//
// The link has no sequence numbers, so a packet whose ACK is lost arrives
// twice. Conn delivers both copies rather than guess: every frame termd and
// its terminal exchange is idempotent at the receiver (requests carry a
// ptxid, queries have no effect, a final answer for a finished transaction
// is ignored). Dropping a "duplicate" could instead lose a legitimate repeat.
package link
