package link

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/termd/termd/protocol"
)

// Control bytes of the link.
const (
	STX byte = 0x02 // start of a packet
	ETX byte = 0x03 // end of a packet's frame; the LRC follows
	ENQ byte = 0x05 // are you there?
	ACK byte = 0x06 // packet (or ENQ) received
	NAK byte = 0x15 // packet damaged: send it again
)

// MaxPacket is the longest packet: STX, the longest frame, ETX, LRC.
const MaxPacket = 1 + protocol.LenDigits + 9999 + 1 + 1

// ErrUnframeable: the frame holds an STX or ETX byte, which the link cannot
// carry. JSON never does (control characters are escaped).
var ErrUnframeable = errors.New("link: frame contains STX or ETX")

// LRC is the XOR of b.
func LRC(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// Append appends the packet carrying frame (an encoded 전문 frame) to dst.
func Append(dst, frame []byte) ([]byte, error) {
	if bytes.IndexByte(frame, STX) >= 0 || bytes.IndexByte(frame, ETX) >= 0 {
		return dst, ErrUnframeable
	}
	if len(frame) > MaxPacket-3 {
		return dst, fmt.Errorf("link: frame of %d bytes is too long", len(frame))
	}
	dst = append(dst, STX)
	dst = append(dst, frame...)
	dst = append(dst, ETX, LRC(frame)^ETX)
	return dst, nil
}

// Kind says what Scan found.
type Kind uint8

const (
	None   Kind = iota // nothing complete yet
	Packet             // a packet with a good LRC; Unit.Frame holds its frame
	Bad                // a complete packet with a wrong LRC: answer NAK
	Ack
	Nak
	Enq
)

func (k Kind) String() string {
	return [...]string{"none", "packet", "bad", "ack", "nak", "enq"}[k]
}

// Unit is one thing on the line.
type Unit struct {
	Kind  Kind
	Frame []byte // for Packet: the frame between STX and ETX (aliases the input)
	// Skipped counts the bytes thrown away before the unit: line noise, or
	// a packet cut short by a new STX or grown past MaxPacket.
	Skipped int
}

// Scan finds the first unit in data and returns it with the number of
// bytes it consumed. With Kind None, data holds no complete unit yet; n may
// still be positive, for noise that can be dropped. Scan never consumes a
// partial packet it might still complete.
func Scan(data []byte) (u Unit, n int) {
	for n < len(data) {
		switch data[n] {
		case ACK:
			u.Kind = Ack
			return u, n + 1
		case NAK:
			u.Kind = Nak
			return u, n + 1
		case ENQ:
			u.Kind = Enq
			return u, n + 1
		case STX:
			k, size := scanPacket(data[n:])
			switch k {
			case None:
				return u, n
			case Packet, Bad:
				u.Kind = k
				if k == Packet {
					u.Frame = data[n+1 : n+size-2]
				}
				return u, n + size
			}
			// Cut short or overlong: drop the STX and look again.
			u.Skipped++
			n++
		default:
			u.Skipped++
			n++
		}
	}
	return u, n
}

// scanPacket looks at a packet starting with STX. It returns None when more
// bytes are needed, Packet or Bad with the packet's size, or kind garbage
// when the packet can never complete (cut short by a new STX, or longer
// than MaxPacket).
func scanPacket(p []byte) (Kind, int) {
	const garbage Kind = 255
	body := p[1:min(len(p), MaxPacket-1)]
	end := bytes.IndexByte(body, ETX)
	if end < 0 {
		end = len(body)
	}
	switch {
	case bytes.IndexByte(body[:end], STX) >= 0:
		return garbage, 0 // a new packet begins: this one lost its end
	case end == len(body) && len(p) >= MaxPacket-1:
		return garbage, 0
	case end == len(body), end+2 >= len(p):
		return None, 0 // no ETX yet, or no LRC after it
	}
	size := end + 3 // STX, frame, ETX, LRC
	if LRC(p[1:size-1]) != p[size-1] {
		return Bad, size
	}
	return Packet, size
}
