// Package store keeps termd's books: every transaction, journaled to disk
// (an append-only file, one frame and one sync per Put) before the engine
// answers the POS. In memory it keeps only an index (where each record's
// latest version lies in the file, and the little the scans need) and reads
// records back from the file when asked, so memory does not grow with
// bodies. The index is rebuilt from the journal at Open, so a crash loses
// nothing that was answered.
package store
