package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"unicode/utf8"
)

// testFrames is a stream's worth of frames of every size class: header only,
// small, Korean text, and the largest body a frame can carry.
func testFrames(t testing.TB) []Frame {
	t.Helper()
	big := make([]byte, MaxBody)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	return []Frame{
		{Code: CodeConfirm},
		{Code: CodeCreditApproval, Body: []byte(`{"priceAmt":55000,"taxAmt":5000,"tipAmt":0,"taxFreeAmt":0,"installment":0,"ptxid":"p-1"}`)},
		{Code: CodeCardReadCancel},
		{Code: CodePrint, Body: []byte(`{"alert":true,"commands":[{"command":"left","message":["영수증 합계 55,000원"]}]}`)},
		{Code: CodeSalesSummary, Body: big},
		{Code: CodeAbort},
		{Code: CodeSalesSummary, Body: []byte(`{"from":"20240101","to":"20241231"}`)},
	}
}

func encodeAll(t testing.TB, frames []Frame) []byte {
	t.Helper()
	var stream []byte
	for _, f := range frames {
		var err error
		if stream, err = f.Append(stream); err != nil {
			t.Fatal(err)
		}
	}
	return stream
}

func sameFrames(t *testing.T, got, want []Frame) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Code != want[i].Code || !bytes.Equal(got[i].Body, want[i].Body) {
			t.Fatalf("frame %d: got %s %.40q…, want %s %.40q…", i, got[i].Code, got[i].Body, want[i].Code, want[i].Body)
		}
	}
}

// readAll reads frames until EOF.
func readAll(t *testing.T, r io.Reader) []Frame {
	t.Helper()
	fr := NewReader(r)
	var out []Frame
	for {
		f, err := fr.ReadFrame()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("ReadFrame after %d frames: %v", len(out), err)
		}
		out = append(out, f)
	}
}

// chunkReader hands out its data in pieces of random size, sometimes with
// an empty read in between (a serial port's timeout).
type chunkReader struct {
	data  []byte
	rng   *rand.Rand
	max   int
	empty bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	if c.empty && c.rng.IntN(4) == 0 {
		return 0, nil
	}
	n := min(1+c.rng.IntN(c.max), len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestAppendFrame(t *testing.T) {
	for _, tc := range []struct {
		code Code
		body string
		want string
	}{
		{CodeConfirm, "", "0006980001"},
		{CodeLastTransaction, "{}", "0008990001{}"},
		{CodeCreditApproval, `{"a":1}`, "0013010010{\"a\":1}"},
		// The length counts bytes, not characters: 완료 is six UTF-8 bytes.
		{CodeCardReadCancel, "완료", "0012910021완료"},
	} {
		got, err := AppendFrame([]byte("prefix"), tc.code, []byte(tc.body))
		if err != nil || string(got) != "prefix"+tc.want {
			t.Errorf("AppendFrame(%s, %q) = %q, %v; want %q", tc.code, tc.body, got, err, "prefix"+tc.want)
		}
	}

	max := bytes.Repeat([]byte("x"), MaxBody)
	got, err := AppendFrame(nil, CodeConfirm, max)
	if err != nil || len(got) != MaxFrame || string(got[:4]) != "9999" {
		t.Fatalf("largest frame: len %d, header %q, err %v", len(got), got[:min(len(got), 10)], err)
	}

	dst := []byte("keep")
	out, err := AppendFrame(dst, CodeConfirm, append(max, 'x'))
	var tl *TooLongError
	if !errors.As(err, &tl) || tl.Length != MaxLength+1 || string(out) != "keep" {
		t.Errorf("body of %d bytes: %q, %v; want dst unchanged and *TooLongError{%d}", MaxBody+1, out, err, MaxLength+1)
	}
	for _, c := range []Code{"", "98000", "9800011", "98000a", "-80001"} {
		out, err := AppendFrame(dst, c, nil)
		if err == nil || string(out) != "keep" {
			t.Errorf("code %q: %q, %v; want an error and dst unchanged", c, out, err)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   string
		n      int
		code   Code
		body   string
		header bool // want *HeaderError
	}{
		{name: "empty", data: ""},
		{name: "one digit", data: "0"},
		{name: "length only", data: "0006"},
		{name: "partial code", data: "000698000"},
		{name: "header only", data: "0006980001", n: 10, code: CodeConfirm},
		{name: "header only, more follows", data: "0006980001000", n: 10, code: CodeConfirm},
		{name: "partial body", data: "0008990001{"},
		{name: "body", data: "0008990001{}", n: 12, code: CodeLastTransaction, body: "{}"},
		{name: "body, next frame follows", data: "0008990001{}0006980001", n: 12, code: CodeLastTransaction, body: "{}"},
		{name: "bad body is not a framing error", data: "0009010010}{x", n: 13, code: CodeCreditApproval, body: "}{x"},
		{name: "letter in length", data: "00a6980001", header: true},
		{name: "letter at once", data: "x", header: true},
		{name: "space in length", data: " 006980001", header: true},
		{name: "sign in length", data: "+006980001", header: true},
		{name: "letter in code", data: "000698000x", header: true},
		{name: "letter in code, short", data: "00069x", header: true},
		{name: "STX before frame", data: "\x020006980001", header: true},
		{name: "length zero", data: "0000", header: true},
		{name: "length five", data: "0005980001", header: true},
		{name: "length five, alone", data: "0005", header: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n, err := Split([]byte(tc.data))
			if tc.header {
				var he *HeaderError
				if !errors.As(err, &he) || !errors.Is(err, ErrFraming) || n != 0 {
					t.Fatalf("Split(%q) = %d, %v; want n 0 and a *HeaderError", tc.data, n, err)
				}
				if len(he.Header) > HeaderSize || !strings.HasPrefix(tc.data, he.Header) {
					t.Errorf("HeaderError.Header %q is not the start of the data", he.Header)
				}
				if errors.Is(err, ErrInvalid) {
					t.Errorf("a framing error must not read as an invalid body")
				}
				return
			}
			if err != nil || n != tc.n || f.Code != tc.code || string(f.Body) != tc.body {
				t.Fatalf("Split(%q) = %s %q, %d, %v; want %s %q, %d", tc.data, f.Code, f.Body, n, err, tc.code, tc.body, tc.n)
			}
		})
	}
}

// TestBadBodyIsNotFraming: a frame whose header is right but whose body is
// garbage splits cleanly and fails only at decoding, with an error of a
// different kind than a broken header.
func TestBadBodyIsNotFraming(t *testing.T) {
	stream := []byte("0010010010nope0006980001")
	f, n, err := Split(stream)
	if err != nil || n != 14 {
		t.Fatalf("Split: %d, %v", n, err)
	}
	_, err = DecodeRequest(f.Code, f.Body, ModelT650P)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "body" || errors.Is(err, ErrFraming) {
		t.Fatalf("DecodeRequest(%q): %v; want a *FieldError for body, not a framing error", f.Body, err)
	}
	// The stream is still in step: the next frame is there.
	f, _, err = Split(stream[n:])
	if err != nil || f.Code != CodeConfirm {
		t.Fatalf("next frame: %v %v", f, err)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		ok   bool
		code Code
	}{
		{"0006980001", true, CodeConfirm},
		{"0008990001{}", true, CodeLastTransaction},
		{"", false, ""},
		{"0006", false, ""},
		{"000698000", false, ""},
		{"0008990001{", false, ""},          // shorter than its length
		{"0006980001{}", false, ""},         // longer than its length
		{"00069800010006980001", false, ""}, // two frames in one message
		{"0005980001", false, ""},
		{"abcd980001", false, ""},
	} {
		f, err := Parse([]byte(tc.msg))
		if tc.ok {
			if err != nil || f.Code != tc.code {
				t.Errorf("Parse(%q) = %v, %v", tc.msg, f, err)
			}
			continue
		}
		var he *HeaderError
		if !errors.As(err, &he) || !errors.Is(err, ErrFraming) {
			t.Errorf("Parse(%q) = %v, %v; want a *HeaderError", tc.msg, f, err)
		}
	}
}

// TestSplitIncremental drives Split the way a stream reader does: bytes are
// appended a piece at a time and Split is called after each piece.
func TestSplitIncremental(t *testing.T) {
	want := testFrames(t)
	stream := encodeAll(t, want)
	for _, maxChunk := range []int{1, 2, 7, 64, 5000, len(stream)} {
		t.Run(fmt.Sprint("chunks up to ", maxChunk), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(maxChunk)))
			var buf []byte
			var got []Frame
			for rest := stream; len(rest) > 0; {
				n := min(1+rng.IntN(maxChunk), len(rest))
				buf = append(buf, rest[:n]...)
				rest = rest[n:]
				for {
					f, used, err := Split(buf)
					if err != nil {
						t.Fatalf("Split: %v", err)
					}
					if used > len(buf) {
						t.Fatalf("Split used %d of %d bytes", used, len(buf))
					}
					if used == 0 {
						break
					}
					f.Body = bytes.Clone(f.Body)
					got = append(got, f)
					buf = buf[used:]
				}
			}
			if len(buf) != 0 {
				t.Fatalf("%d bytes left over", len(buf))
			}
			sameFrames(t, got, want)
		})
	}
}

func TestReaderWhole(t *testing.T) {
	want := testFrames(t)
	sameFrames(t, readAll(t, bytes.NewReader(encodeAll(t, want))), want)
}

func TestReaderOneByte(t *testing.T) {
	want := testFrames(t)
	sameFrames(t, readAll(t, iotest.OneByteReader(bytes.NewReader(encodeAll(t, want)))), want)
}

func TestReaderDataWithEOF(t *testing.T) {
	// The last read returns the final bytes together with io.EOF.
	want := testFrames(t)
	sameFrames(t, readAll(t, iotest.DataErrReader(bytes.NewReader(encodeAll(t, want)))), want)
}

func TestReaderRandomChunks(t *testing.T) {
	want := testFrames(t)
	stream := encodeAll(t, want)
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 0x7e5d))
		cr := &chunkReader{data: stream, rng: rng, max: 1 + rng.IntN(9000), empty: seed%2 == 0}
		t.Run(fmt.Sprintf("seed %d max %d", seed, cr.max), func(t *testing.T) {
			sameFrames(t, readAll(t, cr), want)
		})
	}
}

// TestReaderKeepsBodies: a returned body stays intact while later frames are
// read into the same buffer.
func TestReaderKeepsBodies(t *testing.T) {
	want := testFrames(t)
	fr := NewReader(iotest.HalfReader(bytes.NewReader(encodeAll(t, append(want, want...)))))
	var got []Frame
	for range 2 * len(want) {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f)
	}
	sameFrames(t, got, append(want, want...))
	if fr.Buffered() != 0 {
		t.Errorf("Buffered() = %d after the last frame", fr.Buffered())
	}
}

func TestReaderErrors(t *testing.T) {
	t.Run("clean EOF", func(t *testing.T) {
		_, err := NewReader(strings.NewReader("")).ReadFrame()
		if err != io.EOF {
			t.Fatalf("err %v, want io.EOF", err)
		}
	})
	t.Run("EOF inside the header", func(t *testing.T) {
		fr := NewReader(strings.NewReader("0006980001000"))
		if _, err := fr.ReadFrame(); err != nil {
			t.Fatal(err)
		}
		if _, err := fr.ReadFrame(); err != io.ErrUnexpectedEOF {
			t.Fatalf("err %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("EOF inside the body", func(t *testing.T) {
		_, err := NewReader(iotest.OneByteReader(strings.NewReader("0020010010{\"pri"))).ReadFrame()
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("err %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("read error passes through", func(t *testing.T) {
		boom := errors.New("port unplugged")
		r := io.MultiReader(strings.NewReader("0006980001"), iotest.ErrReader(boom))
		fr := NewReader(r)
		if f, err := fr.ReadFrame(); err != nil || f.Code != CodeConfirm {
			t.Fatal(f, err)
		}
		if _, err := fr.ReadFrame(); !errors.Is(err, boom) {
			t.Fatalf("err %v, want %v", err, boom)
		}
	})
	t.Run("broken header after good frames", func(t *testing.T) {
		fr := NewReader(iotest.OneByteReader(strings.NewReader("0006980001" + "0008990001{}" + "00x6555555" + "0006980001")))
		for _, want := range []Code{CodeConfirm, CodeLastTransaction} {
			if f, err := fr.ReadFrame(); err != nil || f.Code != want {
				t.Fatalf("ReadFrame = %v, %v; want %s", f, err, want)
			}
		}
		for range 2 { // the stream stays out of step
			_, err := fr.ReadFrame()
			var he *HeaderError
			if !errors.As(err, &he) || !errors.Is(err, ErrFraming) || he.Header != "00x" {
				t.Fatalf("err %v, want *HeaderError on \"00x\"", err)
			}
		}
	})
	t.Run("length below six", func(t *testing.T) {
		_, err := NewReader(strings.NewReader("0003abc")).ReadFrame()
		var he *HeaderError
		if !errors.As(err, &he) {
			t.Fatalf("err %v, want *HeaderError", err)
		}
	})
	t.Run("reader that never delivers", func(t *testing.T) {
		_, err := NewReader(zeroReader{}).ReadFrame()
		if !errors.Is(err, io.ErrNoProgress) {
			t.Fatalf("err %v, want io.ErrNoProgress", err)
		}
	})
	t.Run("empty reads are tolerated", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		want := testFrames(t)
		cr := &chunkReader{data: encodeAll(t, want), rng: rng, max: 3, empty: true}
		sameFrames(t, readAll(t, cr), want)
	})
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// TestReaderWaitsForPartialFrame: with half a frame on the wire ReadFrame
// blocks; the rest of the frame releases it. A broken header is reported as
// soon as its first bad byte arrives, without waiting for ten bytes.
func TestReaderWaitsForPartialFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		fr := NewReader(pr)
		type result struct {
			f   Frame
			err error
		}
		results := make(chan result, 4)
		go func() {
			for {
				f, err := fr.ReadFrame()
				results <- result{f, err}
				if err != nil {
					return
				}
			}
		}()
		frame := "0035010010" + `{"priceAmt":1000,"ptxid":"a"}`
		if len(frame) != 4+35 {
			t.Fatalf("test frame length %d", len(frame))
		}
		for _, piece := range []string{frame[:2], frame[2:9], frame[9:20], frame[20 : len(frame)-1]} {
			if _, err := pw.Write([]byte(piece)); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			select {
			case r := <-results:
				t.Fatalf("ReadFrame returned %v, %v before the frame was complete", r.f, r.err)
			default:
			}
		}
		if _, err := pw.Write([]byte(frame[len(frame)-1:] + "00")); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case r := <-results:
			if r.err != nil || r.f.Code != CodeCreditApproval || string(r.f.Body) != frame[10:] {
				t.Fatalf("ReadFrame = %v, %v", r.f, r.err)
			}
		default:
			t.Fatal("ReadFrame still blocked on a complete frame")
		}
		// "00" of the next frame is buffered; one bad byte ends it.
		synctest.Wait()
		select {
		case r := <-results:
			t.Fatalf("ReadFrame returned %v, %v on two bytes", r.f, r.err)
		default:
		}
		if _, err := pw.Write([]byte("z")); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case r := <-results:
			var he *HeaderError
			if !errors.As(r.err, &he) || he.Header != "00z" {
				t.Fatalf("ReadFrame = %v, %v; want *HeaderError on \"00z\"", r.f, r.err)
			}
		default:
			t.Fatal("a bad header byte did not end ReadFrame at once")
		}
		pw.Close()
	})
}

func TestCharset(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Charset
		ok   bool
	}{
		{"", UTF8, true}, {"utf-8", UTF8, true}, {"UTF-8", UTF8, true}, {"utf8", UTF8, true},
		{"euc-kr", EUCKR, true}, {"EUC-KR", EUCKR, true}, {"cp949", EUCKR, true}, {"CP949", EUCKR, true},
		{"latin1", 0, false}, {"ks_c_5601", 0, false},
	} {
		got, err := ParseCharset(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseCharset(%q) = %v, %v", tc.in, got, err)
		}
	}
	if UTF8.String() != "utf-8" || EUCKR.String() != "euc-kr" {
		t.Errorf("String: %s %s", UTF8, EUCKR)
	}
}

// TestEUCKRFrameRoundTrip: a Korean body sent by a legacy POS in EUC-KR: the
// frame length counts the EUC-KR bytes (two per Hangul syllable, not three),
// and the body comes back as the same UTF-8 text.
func TestEUCKRFrameRoundTrip(t *testing.T) {
	body := `{"resultCode":"0000","resultMessage":"프린트 정상 출력","data":{"codeName":"현금영수증"}}`
	hangul := 0
	for _, r := range body {
		if r >= 0xAC00 && r <= 0xD7A3 {
			hangul++
		}
	}
	enc, err := EUCKR.Encode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if want := len(body) - hangul; len(enc) != want {
		t.Fatalf("EUC-KR body is %d bytes, want %d (UTF-8 %d, %d syllables)", len(enc), want, len(body), hangul)
	}
	if bytes.Contains(enc, []byte("프린트")) || utf8.Valid(enc) {
		t.Fatal("Encode left the body in UTF-8")
	}
	frame, err := AppendFrame(nil, CodePrint, enc)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%04d", CodeDigits+len(enc)); string(frame[:4]) != want {
		t.Fatalf("length %q, want %s (encoded bytes)", frame[:4], want)
	}
	got := readAll(t, iotest.OneByteReader(bytes.NewReader(append(frame, frame...))))
	if len(got) != 2 {
		t.Fatalf("%d frames", len(got))
	}
	dec, err := EUCKR.Decode(got[0].Body)
	if err != nil || string(dec) != body {
		t.Fatalf("Decode = %q, %v; want %q", dec, err, body)
	}

	// ASCII is the same in both; UTF-8 passes through untouched.
	for _, cs := range []Charset{UTF8, EUCKR} {
		if b, err := cs.Encode([]byte(`{"a":1}`)); err != nil || string(b) != `{"a":1}` {
			t.Errorf("%s.Encode(ASCII) = %q, %v", cs, b, err)
		}
	}
	if b, err := UTF8.Decode([]byte(body)); err != nil || string(b) != body {
		t.Errorf("UTF8.Decode = %q, %v", b, err)
	}
}

func TestEUCKRBadInput(t *testing.T) {
	for _, b := range [][]byte{{0xb0}, {0xb0, 0xa1, 0xff, 0xff}, {'{', 0x80, '}'}} {
		_, err := EUCKR.Decode(b)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "body" {
			t.Errorf("Decode(% x) = %v; want a *FieldError for body", b, err)
		}
	}
	if _, err := EUCKR.Encode([]byte("결제 완료 😀")); err == nil {
		t.Error("Encode of an emoji succeeded; EUC-KR cannot carry it")
	}
}

// TestConnPipe: two Conns over net.Pipe exchange frames both ways at once,
// with several writers on one side.
func TestConnPipe(t *testing.T) {
	a, b := net.Pipe()
	ca, cb := NewConn(a), NewConn(b)
	defer ca.Close()
	defer cb.Close()

	want := testFrames(t)
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers+2)
	for w := range writers {
		wg.Go(func() {
			for _, f := range want {
				f.Body = append([]byte(fmt.Sprintf("w%d:", w)), f.Body...)
				if len(f.Body) > MaxBody {
					f.Body = f.Body[:MaxBody]
				}
				if err := ca.WriteFrame(f); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// The other direction, at the same time.
	wg.Go(func() {
		for _, f := range want {
			if err := cb.WriteFrame(f); err != nil {
				errs <- err
				return
			}
		}
	})
	var back []Frame
	wg.Go(func() {
		for range want {
			f, err := ca.ReadFrame()
			if err != nil {
				errs <- err
				return
			}
			back = append(back, f)
		}
	})

	// Frames of one writer arrive whole and in its order.
	next := make([]int, writers)
	for range writers * len(want) {
		f, err := cb.ReadFrame()
		if err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
		var w int
		if _, err := fmt.Sscanf(string(f.Body), "w%d:", &w); err != nil || w < 0 || w >= writers {
			t.Fatalf("frame %s %.20q… has no writer tag", f.Code, f.Body)
		}
		exp := want[next[w]]
		tag := fmt.Sprintf("w%d:", w)
		expBody := append([]byte(tag), exp.Body...)
		if len(expBody) > MaxBody {
			expBody = expBody[:MaxBody]
		}
		if f.Code != exp.Code || !bytes.Equal(f.Body, expBody) {
			t.Fatalf("writer %d frame %d: got %s, want %s (frames interleaved?)", w, next[w], f.Code, exp.Code)
		}
		next[w]++
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sameFrames(t, back, want)
}

func TestConnErrors(t *testing.T) {
	a, b := net.Pipe()
	ca, cb := NewConn(a), NewConn(b)

	// A frame that cannot be encoded is refused before anything is written.
	if err := ca.WriteFrame(Frame{Code: "abc"}); err == nil {
		t.Error("WriteFrame accepted a bad code")
	}
	if err := ca.WriteFrame(Frame{Code: CodePrint, Body: make([]byte, MaxBody+1)}); err == nil {
		t.Error("WriteFrame accepted an oversized body")
	}

	// Close ends a blocked ReadFrame.
	done := make(chan error, 1)
	go func() {
		_, err := cb.ReadFrame()
		done <- err
	}()
	if err := cb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("ReadFrame returned no error after Close")
	}
	// The peer sees the stream end.
	if err := ca.WriteFrame(Frame{Code: CodeConfirm}); err == nil {
		t.Error("WriteFrame to a closed peer succeeded")
	}
	if _, err := ca.ReadFrame(); err != io.EOF {
		t.Errorf("ReadFrame after the peer closed: %v, want io.EOF", err)
	}
	ca.Close()
}

// TestConnBrokenHeader: garbage from the peer surfaces as a framing error
// from ReadFrame, after the good frames that came before it.
func TestConnBrokenHeader(t *testing.T) {
	a, b := net.Pipe()
	cb := NewConn(b)
	defer cb.Close()
	go func() {
		a.Write([]byte("0006980001GET / HTTP/1.1\r\n"))
		a.Close()
	}()
	if f, err := cb.ReadFrame(); err != nil || f.Code != CodeConfirm {
		t.Fatalf("first frame: %v, %v", f, err)
	}
	_, err := cb.ReadFrame()
	if !errors.Is(err, ErrFraming) {
		t.Fatalf("err %v, want ErrFraming", err)
	}
}
