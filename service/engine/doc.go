// Package engine is termd's transaction state machine (SPEC §4). One
// goroutine, Run, owns every piece of transaction state: the running
// transaction and its phase, the result awaiting 980001, the terminal's link
// state and the chores of recovery. POS connections hand it frames; the
// terminal hands it events; timers fire into the same loop. Nothing else
// changes that state, so every rule of §4 is decided in one place.
//
// Queries (990001, 050099, 081008) and bad requests are answered on the
// caller's goroutine from the store, so they never wait for the terminal.
package engine
