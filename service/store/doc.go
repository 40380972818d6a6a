// Package store keeps termd's books: every transaction, journaled to disk
// (an append-only file, one frame and one sync per Put) before the engine
// answers the POS, and indexed in memory (go-memdb) for the queries the
// engine and the POS make. The index is rebuilt from the journal at Open,
// so a crash loses nothing that was answered.
package store
