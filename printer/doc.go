// Package printer turns a POS print job (900091) into what a receipt
// printer prints: rows of text with a size and an alignment, rules, a logo,
// cuts. The layout is pure and knows the paper's width in columns, where a
// Korean character takes two; printer/escpos encodes the rows as ESC/POS
// bytes and printer/driver sends them down a serial port.
//
// The errors a printer can report (no reply, paper out, cover open) are
// defined here, with the fixed text a POS is shown for each.
package printer
