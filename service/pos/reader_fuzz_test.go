package pos

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// FuzzTCPReaderChunks delivers a byte stream in arbitrary pieces and checks
// that tcpReader finds exactly the frames (and the error) that protocol.Split
// finds in the whole stream at once.
func FuzzTCPReaderChunks(f *testing.F) {
	f.Add([]byte("0006990001"+"0008980001{}"), []byte{1, 2, 3})
	f.Add([]byte("0006990001xx"), []byte{0})
	f.Add([]byte("0010990"), []byte{4})
	f.Add([]byte("00059900010006990001"), []byte{7, 1})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		want, wantErr := splitAll(data)
		client, server := net.Pipe()
		defer client.Close()
		defer server.Close()
		go func() {
			defer client.Close()
			rest := data
			for i := 0; len(rest) > 0; i++ {
				n := len(rest)
				if len(cuts) > 0 {
					n = min(n, int(cuts[i%len(cuts)])+1)
				}
				if _, err := client.Write(rest[:n]); err != nil {
					return
				}
				rest = rest[n:]
			}
		}()
		r := &tcpReader{conn: server, buf: make([]byte, protocol.MaxFrame), timeout: time.Minute}
		for i := 0; ; i++ {
			got, err := r.next()
			if err != nil {
				if (wantErr == nil) != (err == nil) || !errors.Is(err, wantErr) && !sameKind(err, wantErr) {
					t.Fatalf("after %d frames: error %v, want %v (data %q cuts %v)", i, err, wantErr, data, cuts)
				}
				if i != len(want) {
					t.Fatalf("got %d frames before %v, want %d", i, err, len(want))
				}
				return
			}
			if i >= len(want) || got.String() != want[i].String() {
				t.Fatalf("frame %d = %q, want %v", i, got.String(), want)
			}
		}
	})
}

// splitAll cuts data in one go: the frames, then the error a stream reader
// must end with.
func splitAll(data []byte) ([]protocol.Frame, error) {
	var out []protocol.Frame
	for {
		f, n, err := protocol.Split(data)
		switch {
		case err != nil:
			return out, err
		case n == 0 && len(data) == 0:
			return out, io.EOF
		case n == 0:
			return out, io.ErrUnexpectedEOF
		}
		out = append(out, f)
		data = data[n:]
	}
}

func sameKind(a, b error) bool {
	var ha, hb *protocol.HeaderError
	return errors.As(a, &ha) && errors.As(b, &hb)
}
