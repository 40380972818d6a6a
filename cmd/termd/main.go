// Command termd is the terminal-side payment daemon: it owns the card
// terminal and receipt printer and lets POS programs pay through them.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	fmt.Fprintf(os.Stdout, "termd %s\n", version)
}
