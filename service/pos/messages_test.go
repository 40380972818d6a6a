package pos

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/termd/termd/protocol"
)

// forPeople checks a resultMessage a POS receives against SPEC §3.2: fixed
// text for the cashier and the POS developer, or text naming a request
// field. It must not carry a file path, a chain of Go errors ("a: b: c") or
// an English word from inside termd; the only English allowed is a field
// name or the seed's own phrases.
func forPeople(msg string) error {
	if msg == "" {
		return fmt.Errorf("empty")
	}
	if strings.ContainsAny(msg, `/\`) {
		return fmt.Errorf("looks like a path")
	}
	if strings.Count(msg, ": ") > 1 || strings.Contains(msg, "%!") {
		return fmt.Errorf("looks like a Go error chain")
	}
	for _, w := range asciiWord.FindAllString(msg, -1) {
		if !allowedWords[w] {
			return fmt.Errorf("English word %q", w)
		}
	}
	return nil
}

var asciiWord = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]+`)

// allowedWords: request field names and the seed's English result texts.
var allowedWords = map[string]bool{
	"token": true, "body": true, "EUC": true, "KR": true, // fields and the charset's name
	"end": true, "of": true, "transmission": true, "unable": true, "to": true, "proceed": true, // seed texts
}

// TestForPeopleCatchesLeaks: the rule itself fails on what used to leak.
func TestForPeopleCatchesLeaks(t *testing.T) {
	for _, leak := range []string{
		"store: open /var/lib/termd/journal.log: no space left on device",
		`bad frame header "00x6990001": length "00x6" is not a digit`,
		"frame did not complete within 10s of its first byte",
		"too many clients",
		`token: send 000001 {"token":"…"} first`,
		"C:\\ProgramData\\termd",
	} {
		if forPeople(leak) == nil {
			t.Errorf("forPeople(%q) passed", leak)
		}
	}
}

// TestMessagesForPeople walks every answer this package writes itself —
// broken and over-long frames, late frames, bad EUC-KR, authentication,
// full slots — and checks each resultMessage with forPeople.
func TestMessagesForPeople(t *testing.T) {
	seen := map[string]string{} // message → the path that produced it
	note := func(path string, f protocol.Frame) {
		t.Helper()
		var h protocol.ResultHeader
		if err := json.Unmarshal(f.Body, &h); err != nil {
			t.Fatalf("%s: answer %q: %v", path, f.Body, err)
		}
		seen[h.ResultMessage] = path
	}

	s, _ := start(t, Config{FrameTimeout: 50 * time.Millisecond, MaxClients: 1}, newHolder(t))
	for _, broken := range []string{"00x6990001", "0006ab0001", "0005990001"} {
		c := dialTCP(t, s)
		c.write(broken)
		note("tcp header "+broken, c.read())
		c.conn.Close()
	}
	c := dialTCP(t, s)
	c.write("0010")
	note("tcp late frame", c.read())
	c.conn.Close()

	ws := dialWS(t, s, nil)
	ws.WriteMessage(websocket.TextMessage, []byte("nonsense"))
	note("ws header", wsRead(t, ws))
	ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("9", protocol.MaxFrame+1)))
	note("ws too long", wsRead(t, ws))
	ws.Close()

	// Full slots: the newcomer evicts the idle one, then is refused when
	// the one slot is busy.
	h := s.h.(*holder)
	idle := dialTCP(t, s)
	idle.write(ping)
	idle.read()
	busy := dialTCP(t, s)
	note("evicted", idle.read())
	busy.write(ping)
	busy.read()
	h.hold()
	note("refused", dialTCP(t, s).read())

	euc, _ := start(t, Config{Charset: protocol.EUCKR}, newRecorder(t))
	e := dialTCP(t, euc)
	e.write(frame(protocol.CodePrint, "{\"x\":\"\xff\xff\"}"))
	note("bad EUC-KR", e.read())

	auth, _ := start(t, Config{Token: "0123456789abcdef"}, newRecorder(t), func(s *Server) { s.policy.Trusted = untrusted })
	a := dialTCP(t, auth)
	a.write(frame(protocol.CodeAuth, `{"token":"0123456789abcdef"}`))
	note("auth ok", a.read())
	a2 := dialTCP(t, auth)
	a2.write(frame(protocol.CodeAuth, `{"token":"wrong"}`))
	note("auth wrong", a2.read())
	a3 := dialTCP(t, auth)
	a3.write(ping)
	note("auth missing", a3.read())

	if len(seen) < 8 {
		t.Errorf("only %d distinct messages seen: %v", len(seen), seen)
	}
	for msg, path := range seen {
		if err := forPeople(msg); err != nil {
			t.Errorf("%s answers %q: %v", path, msg, err)
		}
	}
}
