// Package daemon wires termd together: the journal, the terminal (emulated
// or on a serial port), the printer, the transaction engine and the POS
// listeners, started in dependency order and stopped in the reverse one.
package daemon
