package link

import (
	"bytes"
	"errors"
	"testing"

	"github.com/termd/termd/protocol"
)

var sample = []byte(`0037010010{"priceAmt":1000,"ptxid":"p-1"}`)

func packet(t testing.TB, frame []byte) []byte {
	t.Helper()
	p, err := Append(nil, frame)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAppendLayout(t *testing.T) {
	if _, err := protocol.Parse(sample); err != nil {
		t.Fatalf("the sample is no frame: %v", err)
	}
	p := packet(t, sample)
	if p[0] != STX || p[len(p)-2] != ETX || !bytes.Equal(p[1:len(p)-2], sample) {
		t.Fatalf("packet % x", p)
	}
	var x byte
	for _, c := range p[1 : len(p)-1] { // after STX, through ETX
		x ^= c
	}
	if p[len(p)-1] != x {
		t.Fatalf("LRC %#x, want %#x", p[len(p)-1], x)
	}
}

func TestAppendRefusesControlBytes(t *testing.T) {
	for _, b := range []byte{STX, ETX} {
		if _, err := Append(nil, append([]byte("0011000000"), b)); !errors.Is(err, ErrUnframeable) {
			t.Errorf("byte %#x: err %v", b, err)
		}
	}
}

func TestScan(t *testing.T) {
	good := packet(t, sample)
	bad := bytes.Clone(good)
	bad[5] ^= 0x10
	cases := []struct {
		name    string
		in      []byte
		kind    Kind
		n       int
		skipped int
	}{
		{"empty", nil, None, 0, 0},
		{"ack", []byte{ACK}, Ack, 1, 0},
		{"nak", []byte{NAK}, Nak, 1, 0},
		{"enq", []byte{ENQ}, Enq, 1, 0},
		{"packet", good, Packet, len(good), 0},
		{"packet then more", append(bytes.Clone(good), ACK), Packet, len(good), 0},
		{"noise before", append([]byte("zz\x03\xff"), good...), Packet, 4 + len(good), 4},
		{"flipped bit", bad, Bad, len(bad), 0},
		{"half a packet", good[:10], None, 0, 0},
		{"all but the LRC", good[:len(good)-1], None, 0, 0},
		{"noise only", []byte("garbage"), None, 7, 7},
		{"noise then half", append([]byte("xy"), good[:8]...), None, 2, 2},
		{"cut short by a new packet", append(bytes.Clone(good[:9]), good...), Packet, 9 + len(good), 9},
	}
	for _, tc := range cases {
		u, n := Scan(tc.in)
		if u.Kind != tc.kind || n != tc.n || u.Skipped != tc.skipped {
			t.Errorf("%s: got %v n=%d skipped=%d, want %v n=%d skipped=%d", tc.name, u.Kind, n, u.Skipped, tc.kind, tc.n, tc.skipped)
		}
		if tc.kind == Packet && !bytes.Equal(u.Frame, sample) {
			t.Errorf("%s: frame %q", tc.name, u.Frame)
		}
	}
}

func TestScanOverlongPacketIsDropped(t *testing.T) {
	in := append([]byte{STX}, bytes.Repeat([]byte("9"), MaxPacket)...)
	u, n := Scan(in)
	if u.Kind != None || n != len(in) || u.Skipped != len(in) {
		t.Fatalf("got %v n=%d skipped=%d of %d", u.Kind, n, u.Skipped, len(in))
	}
}

// scanAll feeds data to Scan in chunks of the given sizes, as a reader
// would, and returns the kinds and frames it found.
func scanAll(data []byte, sizes func() int) (kinds []Kind, frames [][]byte) {
	var buf []byte
	for len(data) > 0 {
		k := min(sizes(), len(data))
		buf = append(buf, data[:k]...)
		data = data[k:]
		for {
			u, n := Scan(buf)
			if u.Kind == Packet {
				frames = append(frames, bytes.Clone(u.Frame))
			}
			buf = buf[n:]
			if u.Kind == None {
				break
			}
			kinds = append(kinds, u.Kind)
		}
	}
	return kinds, frames
}

func TestScanByteByByteMatchesWhole(t *testing.T) {
	var stream []byte
	stream = append(stream, "noise"...)
	stream = append(stream, packet(t, sample)...)
	stream = append(stream, ACK, ENQ)
	stream = append(stream, packet(t, []byte(`0006990001`))...)
	stream = append(stream, NAK)
	whole, wf := scanAll(stream, func() int { return len(stream) })
	one, of := scanAll(stream, func() int { return 1 })
	want := []Kind{Packet, Ack, Enq, Packet, Nak}
	if !equalKinds(whole, want) || !equalKinds(one, want) {
		t.Fatalf("whole %v, byte by byte %v, want %v", whole, one, want)
	}
	if len(wf) != 2 || len(of) != 2 || !bytes.Equal(wf[1], of[1]) {
		t.Fatalf("frames %q / %q", wf, of)
	}
}

func equalKinds(a, b []Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
