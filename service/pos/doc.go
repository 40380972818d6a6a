// Package pos is the daemon's door for POS programs: a local TCP listener
// and a WebSocket endpoint (path /ws) that carry the same 전문 frames.
//
// The package is transport only. It cuts byte streams and WebSocket messages
// into frames, enforces the connection rules (loopback by default, the auth
// token for other peers, the WebSocket Origin allow-list, the client limit,
// the 10-second frame deadline, EUC-KR bodies on legacy TCP clients) and
// hands every intact frame to a Handler — the transaction engine — which
// answers through Client.Send. It never decodes bodies; the only answers it
// writes itself are for frames that never reach the Handler: broken headers
// and late frames (code 000000), authentication (000001), the client limit,
// and bodies that are not valid EUC-KR.
//
// Each connection has exactly one reader goroutine, which also calls the
// Handler, and a bounded outgoing queue, so a slow client is disconnected
// instead of blocking the engine. Answers sent while the Handler runs on
// the reader are written by the reader right after it returns. Others, to
// an idle TCP client on Unix, are written by the sender in one write that
// never waits; what the socket does not take at once, and every other
// answer, goes to a writer goroutine that lives only while frames are
// queued. An idle connection is one goroutine and a small read buffer.
// Server.Serve owns every goroutine and waits for all of them before it
// returns.
package pos
