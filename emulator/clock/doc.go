// Package clock is where termd and its emulated terminal get their time.
//
// Wall is real time, what production uses. Virtual is a clock that moves
// only when told to (Advance, AdvanceToNext), so the 30 s signature and
// 60 s read windows can be exercised in milliseconds by QA scenarios, with
// every timer firing at exactly its deadline. The daemon passes one clock
// to both its engine and the emulated terminal, so the two agree on time.
//
// The package imports nothing of termd: the emulator may use it, and so may
// the daemon.
package clock
