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

// decode reads a record. Start-up decodes every version in the journal,
// so it allocates three times per record, not once per field: the string
// fields share one string, Request and Final one byte slice.
func decode(v []byte) (*Record, error) {
	if len(v) < 5 || v[0] != formatVersion {
		return nil, errors.New("unknown record format")
	}
	if crc32.Checksum(v[5:], castagnoli) != binary.BigEndian.Uint32(v[1:5]) {
		return nil, errors.New("checksum mismatch")
	}
	d := decoder{b: v[5:]}
	var f [12][]byte // the fields, in encoding order; 4 and 6 are Request and Final
	small := 0
	for i := range f {
		f[i] = d.bytes()
		if i != 4 && i != 6 {
			small += len(f[i])
		}
	}
	seq := uint64(d.num())
	amt, bal := d.num(), d.num()
	created, updated := d.num(), d.num()
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errors.New("trailing bytes")
	}
	var buf [256]byte
	joined := buf[:0]
	if small > len(buf) {
		joined = make([]byte, 0, small)
	}
	var str [12]string
	for i := range f {
		if i != 4 && i != 6 {
			joined = append(joined, f[i]...)
		}
	}
	all, off := string(joined), 0
	for i := range f {
		if i != 4 && i != 6 {
			str[i], off = all[off:off+len(f[i])], off+len(f[i])
		}
	}
	bodies := make([]byte, len(f[4])+len(f[6]))
	copy(bodies, f[4])
	copy(bodies[len(f[4]):], f[6])
	r := &Record{
		Ptxid: str[0], Code: protocol.Code(str[1]), Status: Status(str[2]), Confirm: Confirmation(str[3]),
		Request: nilIfEmpty(bodies[:len(f[4]):len(f[4])]), ResultCode: str[5], Final: nilIfEmpty(bodies[len(f[4]):]),
		ApprovalNo: str[7], TransactionNo: str[8], Day: str[9], IssuerCode: str[10], OrigPtxid: str[11],
		Seq: seq, ApprovalAmt: amt, Balance: bal, Created: time.Unix(0, created), Updated: time.Unix(0, updated),
	}
	if r.Ptxid == "" || r.Seq == 0 {
		return nil, errors.New("record without ptxid or seq")
	}
	return r, nil
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
