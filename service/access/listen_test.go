package access

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
)

// A taken port is reported by its configuration key with the likely cause
// and the fix, without the socket error's chain in the text.
func TestListenPortInUseNamesTheKey(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	addr := held.Addr().String()
	_, err = Listen("listen.tcp", addr, New("", nil))
	want := "listen.tcp " + addr + " is in use: is another termd running? stop it or set listen.tcp"
	if err == nil || err.Error() != want {
		t.Fatalf("Listen on a taken port: %v\nwant: %s", err, want)
	}
	var inUse *InUseError
	if !errors.As(err, &inUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("the error must be an *InUseError wrapping EADDRINUSE: %#v", err)
	}
	if strings.Count(err.Error(), addr) != 1 {
		t.Fatalf("the address is repeated: %v", err)
	}
}

func TestListenNonLoopbackNamesTheKey(t *testing.T) {
	_, err := Listen("listen.ws", "0.0.0.0:0", New("", nil))
	if !errors.Is(err, ErrTokenRequired) || !strings.HasPrefix(err.Error(), "listen.ws 0.0.0.0:0: ") {
		t.Fatalf("%v", err)
	}
}
