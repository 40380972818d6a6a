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

func encode(r *Record) ([]byte, error) {
	b := make([]byte, 5, 256+len(r.Request)+len(r.Final))
	b[0] = formatVersion
	for _, s := range []string{r.Ptxid, string(r.Code), string(r.Status), string(r.Confirm), string(r.Request), r.ResultCode,
		string(r.Final), r.ApprovalNo, r.TransactionNo, r.Day, r.IssuerCode, r.OrigPtxid} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, n := range []int64{int64(r.Seq), r.ApprovalAmt, r.Balance, r.Created.UnixNano(), r.Updated.UnixNano()} {
		b = binary.AppendVarint(b, n)
	}
	binary.BigEndian.PutUint32(b[1:5], crc32.Checksum(b[5:], castagnoli))
	return b, nil
}

func decode(v []byte) (*Record, error) {
	if len(v) < 5 || v[0] != formatVersion {
		return nil, errors.New("unknown record format")
	}
	if crc32.Checksum(v[5:], castagnoli) != binary.BigEndian.Uint32(v[1:5]) {
		return nil, errors.New("checksum mismatch")
	}
	d := decoder{b: v[5:]}
	r := new(Record)
	r.Ptxid = d.str()
	r.Code = protocol.Code(d.str())
	r.Status = Status(d.str())
	r.Confirm = Confirmation(d.str())
	r.Request = d.raw()
	r.ResultCode = d.str()
	r.Final = d.raw()
	r.ApprovalNo, r.TransactionNo, r.Day, r.IssuerCode, r.OrigPtxid = d.str(), d.str(), d.str(), d.str(), d.str()
	r.Seq = uint64(d.num())
	r.ApprovalAmt, r.Balance = d.num(), d.num()
	r.Created, r.Updated = time.Unix(0, d.num()), time.Unix(0, d.num())
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errors.New("trailing bytes")
	}
	if r.Ptxid == "" || r.Seq == 0 {
		return nil, errors.New("record without ptxid or seq")
	}
	return r, nil
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

func (d *decoder) str() string { return string(d.bytes()) }

// raw copies, since the bytes belong to bbolt's memory map.
func (d *decoder) raw() []byte {
	b := d.bytes()
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
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
