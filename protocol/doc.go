// Package protocol owns the POS message format of termd (전문): the frame
// (4-digit length + 6-digit code + optional JSON body), the catalogue of
// message codes, the typed request and response bodies, their validation and
// the result codes.
//
// The package is pure: it does no I/O beyond the io.Reader it is handed,
// starts no goroutine and logs nothing, so the daemon, the emulator, the
// serial driver and the POS tool all share one codec.
package protocol
