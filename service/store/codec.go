package store

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"time"

	"github.com/termd/termd/protocol"
)

// A journaled record is: format version (1 byte), CRC-32C of the rest (4
// bytes, big endian), then the fields in a fixed order, each string as a
// uvarint length and its bytes, each number as a varint. A binary format
// rather than JSON because start-up decodes every record: 100,000 records
// decode in tens of milliseconds instead of half a second.

const formatVersion = 2

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errShort = errors.New("record truncated")

// appendRecord appends r, encoded, to b.
func appendRecord(b []byte, r *Record) []byte {
	start := len(b)
	b = append(b, formatVersion, 0, 0, 0, 0)
	for _, s := range [...]string{r.Ptxid, string(r.Code), string(r.Status), string(r.Confirm), string(r.Request), r.ResultCode,
		string(r.Final), r.ApprovalNo, r.TransactionNo, r.Day, r.IssuerCode, r.OrigPtxid} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, n := range [...]int64{int64(r.Seq), r.ApprovalAmt, r.Balance, r.Created.UnixNano(), r.Updated.UnixNano()} {
		b = binary.AppendVarint(b, n)
	}
	binary.BigEndian.PutUint32(b[start+1:start+5], crc32.Checksum(b[start+5:], castagnoli))
	return b
}

// fields is a record's encoding split up, without copying: the strings in
// encoding order (4 and 6 are Request and Final) and the numbers.
type fields struct {
	str [12][]byte
	num [5]int64 // Seq, ApprovalAmt, Balance, Created, Updated
}

// split checks a record's CRC and splits it into its fields.
func split(v []byte) (fields, error) {
	var f fields
	if len(v) < 5 || v[0] != formatVersion {
		return f, errors.New("unknown record format")
	}
	if crc32.Checksum(v[5:], castagnoli) != binary.BigEndian.Uint32(v[1:5]) {
		return f, errors.New("checksum mismatch")
	}
	d := decoder{b: v[5:]}
	for i := range f.str {
		f.str[i] = d.bytes()
	}
	for i := range f.num {
		f.num[i] = d.num()
	}
	if d.err != nil {
		return f, d.err
	}
	if len(d.b) != 0 {
		return f, errors.New("trailing bytes")
	}
	if len(f.str[0]) == 0 || f.num[0] == 0 {
		return f, errors.New("record without ptxid or seq")
	}
	return f, nil
}

// decode reads a record with three allocations, not one per field: the
// string fields share one string, Request and Final one byte slice.
func decode(v []byte) (*Record, error) {
	f, err := split(v)
	if err != nil {
		return nil, err
	}
	small := 0
	for i, b := range f.str {
		if i != 4 && i != 6 {
			small += len(b)
		}
	}
	var buf [256]byte
	joined := buf[:0]
	if small > len(buf) {
		joined = make([]byte, 0, small)
	}
	for i, b := range f.str {
		if i != 4 && i != 6 {
			joined = append(joined, b...)
		}
	}
	var str [12]string
	all, off := string(joined), 0
	for i, b := range f.str {
		if i != 4 && i != 6 {
			str[i], off = all[off:off+len(b)], off+len(b)
		}
	}
	req, fin := f.str[4], f.str[6]
	bodies := make([]byte, len(req)+len(fin))
	copy(bodies, req)
	copy(bodies[len(req):], fin)
	return &Record{
		Ptxid: str[0], Code: protocol.Code(str[1]), Status: Status(str[2]), Confirm: Confirmation(str[3]),
		Request: nilIfEmpty(bodies[:len(req):len(req)]), ResultCode: str[5], Final: nilIfEmpty(bodies[len(req):]),
		ApprovalNo: str[7], TransactionNo: str[8], Day: str[9], IssuerCode: str[10], OrigPtxid: str[11],
		Seq: uint64(f.num[0]), ApprovalAmt: f.num[1], Balance: f.num[2],
		Created: time.Unix(0, f.num[3]), Updated: time.Unix(0, f.num[4]),
	}, nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// decoder reads fields, checking every length before it slices.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) bytes() []byte {
	if d.err != nil {
		return nil
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.err = errShort
		return nil
	}
	out := d.b[k : k+int(n)]
	d.b = d.b[k+int(n):]
	return out
}

func (d *decoder) num() int64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Varint(d.b)
	if k <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[k:]
	return n
}
