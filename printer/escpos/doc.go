// Package escpos encodes a laid-out print job as the ESC/POS bytes Korean
// receipt printers (Bixolon SRP, Epson TM-T, Sewoo) understand, and reads
// their real-time status bytes. It is pure: append-style functions, no I/O.
//
// A job is: ESC @ (initialise), FS & (two-byte characters), the buzzer
// bytes if the job alerts, then each row with ESC a (alignment) and GS !
// (character size) where they change, text in CP949 ending with LF; a tear
// line ends with GS V 66 0 (feed to the cutter and cut). The job ends with
// ESC d 4 and a cut unless its last row already cut.
package escpos
