package link

import (
	"bytes"
	"testing"
)

func FuzzScan(f *testing.F) {
	good, _ := Append(nil, sample)
	f.Add(good, uint8(1))
	f.Add(append([]byte("noise\x03"), good...), uint8(3))
	f.Add(append(good[:9:9], good...), uint8(7))
	f.Add([]byte{ACK, NAK, ENQ, STX, ETX, 0}, uint8(2))
	bad := bytes.Clone(good)
	bad[4] ^= 1
	f.Add(bad, uint8(64))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		u, n := Scan(data)
		if n < 0 || n > len(data) || u.Skipped > n {
			t.Fatalf("n=%d skipped=%d of %d", n, u.Skipped, len(data))
		}
		if u.Kind == Packet {
			if bytes.IndexByte(u.Frame, STX) >= 0 || bytes.IndexByte(u.Frame, ETX) >= 0 {
				t.Fatalf("frame holds a control byte: %q", u.Frame)
			}
			if LRC(u.Frame)^ETX != data[n-1] {
				t.Fatal("packet accepted with a wrong LRC")
			}
		}
		// Arrival in pieces never changes what is found.
		size := int(chunk%32) + 1
		wk, wf := scanAll(data, func() int { return len(data) })
		ck, cf := scanAll(data, func() int { return size })
		if !equalKinds(wk, ck) || len(wf) != len(cf) {
			t.Fatalf("whole %v, in chunks of %d %v", wk, size, ck)
		}
		for i := range wf {
			if !bytes.Equal(wf[i], cf[i]) {
				t.Fatalf("frame %d differs", i)
			}
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(sample)
	f.Add([]byte{})
	f.Add([]byte("\x05\x06\x15"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		p, err := Append(nil, frame)
		if err != nil {
			if bytes.IndexByte(frame, STX) < 0 && bytes.IndexByte(frame, ETX) < 0 && len(frame) <= MaxPacket-3 {
				t.Fatalf("refused a carriable frame: %v", err)
			}
			return
		}
		u, n := Scan(p)
		// Control bytes inside a frame are not special, so any carriable
		// frame comes back whole.
		if u.Kind != Packet || n != len(p) || !bytes.Equal(u.Frame, frame) {
			t.Fatalf("got %v n=%d frame %q", u.Kind, n, u.Frame)
		}
	})
}
