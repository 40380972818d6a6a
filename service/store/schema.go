package store

import "github.com/hashicorp/go-memdb"

const table = "tx"

// schema indexes records by ptxid (idempotency), by arrival (990001), by
// approval number and day (cancels) and by day (050099).
var schema = &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
	table: {
		Name: table,
		Indexes: map[string]*memdb.IndexSchema{
			"id":  {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Ptxid"}},
			"seq": {Name: "seq", Unique: true, Indexer: &memdb.UintFieldIndex{Field: "Seq"}},
			"approval": {Name: "approval", AllowMissing: true, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
				&memdb.StringFieldIndex{Field: "Code"},
				&memdb.StringFieldIndex{Field: "ApprovalNo"},
				&memdb.StringFieldIndex{Field: "Day"},
			}}},
			"day": {Name: "day", AllowMissing: true, Indexer: &memdb.StringFieldIndex{Field: "Day"}},
		},
	},
}}
