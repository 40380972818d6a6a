// Package posclient is the POS side of termd's wire: it connects over TCP
// or WebSocket, sends frames and reads them back. termctl and the
// end-to-end tests use it; a Go POS program could too.
package posclient
