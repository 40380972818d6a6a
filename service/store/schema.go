package store

import (
	"encoding/binary"
	"fmt"

	"github.com/hashicorp/go-memdb"
)

const table = "tx"

// schema indexes records by ptxid (idempotency), by arrival (990001), by
// approval number and day (cancels) and by day (050099). The indexers read
// the Record's fields directly: memdb's reflective field indexers cost a
// dozen allocations per record, which start-up pays for every record of
// the journal. The keys are encoded as memdb's own indexers encode them.
var schema = &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
	table: {
		Name: table,
		Indexes: map[string]*memdb.IndexSchema{
			"id":       {Name: "id", Unique: true, Indexer: stringIndex(func(r *Record) string { return r.Ptxid })},
			"seq":      {Name: "seq", Unique: true, Indexer: seqIndex{}},
			"approval": {Name: "approval", AllowMissing: true, Indexer: approvalIndex{}},
			"day":      {Name: "day", AllowMissing: true, Indexer: stringIndex(func(r *Record) string { return r.Day })},
		},
	},
}}

// stringIndex indexes one string field: the string and a 0 byte; an empty
// string is not indexed.
type stringIndex func(*Record) string

var _ memdb.Indexer = stringIndex(nil)

func (f stringIndex) FromObject(obj any) (bool, []byte, error) {
	s := f(obj.(*Record))
	if s == "" {
		return false, nil, nil
	}
	return true, append([]byte(s), 0), nil
}

func (f stringIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("store: index wants one argument, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("store: index wants a string, got %T", args[0])
	}
	return append([]byte(s), 0), nil
}

// seqIndex indexes Seq big endian, so the index is in arrival order.
type seqIndex struct{}

func (seqIndex) FromObject(obj any) (bool, []byte, error) {
	return true, binary.BigEndian.AppendUint64(nil, obj.(*Record).Seq), nil
}

func (seqIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("store: index wants one argument, got %d", len(args))
	}
	n, ok := args[0].(uint64)
	if !ok {
		return nil, fmt.Errorf("store: seq index wants a uint64, got %T", args[0])
	}
	return binary.BigEndian.AppendUint64(nil, n), nil
}

// approvalIndex indexes an approval by code, approval number and day; a
// record without an approval number or a day is not indexed.
type approvalIndex struct{}

func (approvalIndex) FromObject(obj any) (bool, []byte, error) {
	r := obj.(*Record)
	if r.Code == "" || r.ApprovalNo == "" || r.Day == "" {
		return false, nil, nil
	}
	return true, approvalKey(string(r.Code), r.ApprovalNo, r.Day), nil
}

func (approvalIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("store: approval index wants code, approval number and day, got %d arguments", len(args))
	}
	var s [3]string
	for i, a := range args {
		v, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("store: approval index wants strings, got %T", a)
		}
		s[i] = v
	}
	return approvalKey(s[0], s[1], s[2]), nil
}

func approvalKey(code, approvalNo, day string) []byte {
	b := make([]byte, 0, len(code)+len(approvalNo)+len(day)+3)
	b = append(append(b, code...), 0)
	b = append(append(b, approvalNo...), 0)
	return append(append(b, day...), 0)
}
