// Package emulator plays the payment terminal, for POS developers without
// hardware and for QA's scripted scenarios. It is the device side of the
// daemon–terminal conversation: it speaks the same frames a real terminal
// does, over any frame link (an in-memory pipe, or a serial port), so the
// daemon drives it with the very driver that drives hardware. It imports
// nothing of the daemon.
//
// The emulator plays the customer and the card company: cards are presented
// and signatures given after configured delays (or on control events), and
// magic amounts (by their last two digits) produce declines, a silent host,
// a customer who never signs, or a card that never comes. The daemon, not
// the emulator, enforces the read and signature timeouts.
package emulator
