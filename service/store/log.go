package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// The journal is one append-only file, journal.log: a magic line, then
// frames. A frame is what one Put journals, written with one write and
// made durable with one fdatasync, so each durable step of a payment costs
// exactly one sync (bbolt, used before, cost two per commit):
//
//	length  uint32, big endian: bytes of the payload
//	crc     uint32, big endian: CRC-32C of the payload
//	hcrc    uint32, big endian: CRC-32C of length and crc
//	payload uvarint count, then count records, each a uvarint length and
//	        the record (codec.go; it carries its own CRC as well)
//
// Reading it back, the latest version of each ptxid wins. Only the last
// frame can be torn (a power cut during its write, before its sync, so
// before anything was answered): a last frame cut short, or whole but
// failing its CRC, or zeros where it should be, is cut off and its bytes
// are kept aside in journal.log.torn. Anything else that fails a check is
// damage, not a torn write: Open refuses the file and leaves it as it is.
// The header's own CRC is what tells the two apart: a damaged length field
// cannot pass for a frame running past the end of the file.

const (
	logName   = "journal.log"
	logMagic  = "termd journal 1\n"
	frameHead = 12
	// maxFrame bounds a frame: a Put of a few records of at most a few
	// kilobytes each. A larger length field is damage or a torn write.
	maxFrame = 1 << 20
)

var errBadFrame = errors.New("bad frame")

// errZeros is a frame header of zeros: the preallocated tail past the last
// frame if only zeros follow, else a write torn by a power cut (a bad
// frame).
var errZeros = fmt.Errorf("%w: zeros", errBadFrame)

// journalFile is the file the store appends to. The real one is an
// *os.File; tests put a layer between that fails on command.
type journalFile interface {
	io.WriterAt
	Truncate(size int64) error
	Sync() error
	Close() error
}

var _ journalFile = (*os.File)(nil)

// appendFrame appends a frame holding the encoded records raws to b, and
// to at where each record's encoding starts in b.
func appendFrame(b []byte, raws [][]byte, at []int) ([]byte, []int) {
	start := len(b)
	b = append(b, make([]byte, frameHead)...)
	b = binary.AppendUvarint(b, uint64(len(raws)))
	for _, raw := range raws {
		b = binary.AppendUvarint(b, uint64(len(raw)))
		at = append(at, len(b))
		b = append(b, raw...)
	}
	payload := b[start+frameHead:]
	binary.BigEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(payload, castagnoli))
	binary.BigEndian.PutUint32(b[start+8:], crc32.Checksum(b[start:start+8], castagnoli))
	return b, at
}

// frameReader reads frames from the journal, counting the offset of the
// end of the last good one.
type frameReader struct {
	r    *bufio.Reader
	good int64 // end of the last whole, valid frame
	size int64 // of the file
	buf  []byte
	last int64 // the size of the frame next returned
	// reach is where the bad frame would end by its length field (-1 when
	// the length is unreadable or implausible).
	reach int64
}

// next returns the payload of the next frame (valid until the next call),
// io.EOF at a clean end, or errBadFrame for a frame that is incomplete or
// fails its checks. advance moves past a frame whose records were good.
func (fr *frameReader) next() ([]byte, error) {
	var head [frameHead]byte
	fr.reach = -1
	n, err := io.ReadFull(fr.r, head[:])
	if err == io.EOF {
		return nil, io.EOF
	}
	if head == [frameHead]byte{} {
		// Zeros, whole or cut short by the file's end: a chunk's last
		// frame can end fewer than frameHead bytes before the chunk does.
		return nil, errZeros
	}
	if err != nil {
		fr.reach = fr.size // a header cut short is at the very end
		return nil, fmt.Errorf("%w: %d bytes of a frame header", errBadFrame, n)
	}
	if crc32.Checksum(head[:8], castagnoli) != binary.BigEndian.Uint32(head[8:]) {
		return nil, fmt.Errorf("%w: header checksum mismatch", errBadFrame)
	}
	size := binary.BigEndian.Uint32(head[:4])
	if size == 0 || size > maxFrame {
		return nil, fmt.Errorf("%w: length %d", errBadFrame, size)
	}
	fr.reach = fr.good + frameHead + int64(size)
	if cap(fr.buf) < int(size) {
		fr.buf = make([]byte, size)
	}
	payload := fr.buf[:size]
	if n, err := io.ReadFull(fr.r, payload); err != nil {
		return nil, fmt.Errorf("%w: %d of %d bytes", errBadFrame, n, size)
	}
	if crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(head[4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadFrame)
	}
	fr.last = frameHead + int64(size)
	return payload, nil
}

func (fr *frameReader) advance() { fr.good += fr.last }

// eachRecord calls fn with each record of a frame's payload and where it
// starts in the payload. A payload that passed its CRC but does not split
// into records is damage written by us, never a torn write.
func eachRecord(p []byte, fn func(off int, raw []byte) error) error {
	count, k := binary.Uvarint(p)
	if k <= 0 || count == 0 || count > uint64(len(p)) {
		return errors.New("frame: bad record count")
	}
	off := k
	for range count {
		n, k := binary.Uvarint(p[off:])
		if k <= 0 || n > uint64(len(p)-off-k) {
			return errShort
		}
		off += k
		if err := fn(off, p[off:off+int(n)]); err != nil {
			return err
		}
		off += int(n)
	}
	if off != len(p) {
		return errors.New("frame: trailing bytes")
	}
	return nil
}

// torn reports whether the bad frame just read can be a torn last write:
// it reaches the end of the file (cut short, or whole with bytes that never
// reached the disk), or no valid frame follows it anywhere. A power cut
// may keep some pages of the last write and lose others, in any order, so
// what follows a torn header can be zeros or the write's own payload, but
// never a frame that passes both its checksums: that would be a frame
// written after the bad one, so the bad one is damage. rest reads the
// bytes after the good frames.
func (fr *frameReader) torn(rest func() ([]byte, error)) bool {
	if fr.reach >= fr.size {
		return true
	}
	b, err := rest()
	if err != nil {
		return false
	}
	return !hasFrame(b[1:])
}

// hasFrame reports whether a whole frame that passes both checksums starts
// anywhere in b.
func hasFrame(b []byte) bool {
	for i := 0; i+frameHead <= len(b); i++ {
		h := b[i : i+frameHead]
		if crc32.Checksum(h[:8], castagnoli) != binary.BigEndian.Uint32(h[8:]) {
			continue
		}
		size := int(binary.BigEndian.Uint32(h[:4]))
		if size == 0 || size > maxFrame || i+frameHead+size > len(b) {
			continue
		}
		if crc32.Checksum(b[i+frameHead:i+frameHead+size], castagnoli) == binary.BigEndian.Uint32(h[4:8]) {
			return true
		}
	}
	return false
}
