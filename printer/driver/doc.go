// Package driver runs an ESC/POS receipt printer on a serial port (or any
// byte stream): one goroutine owns the port, asks the printer's real-time
// status (DLE EOT 1, 2, 4) before each job and every few seconds while
// idle, refuses a job the printer cannot print without sending any of it,
// and reopens a port that went away, with backoff.
package driver
