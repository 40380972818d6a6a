package emulator

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestLogMessagesDoNotRepeatTheLoggerName: the daemon names the loggers it
// passes here "emulator" and "panel", and zap prints the name before the
// message, so a message starting with it reads "emulator emulator: …".
func TestLogMessagesDoNotRepeatTheLoggerName(t *testing.T) {
	repeat := regexp.MustCompile(`\.(Debug|Info|Warn|Error)\("(emulator|panel): `)
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("panel/*.go")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("found only %d source files; the test proves nothing", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range repeat.FindAll(b, -1) {
			t.Errorf("%s: log message %q repeats the logger's name", f, m)
		}
	}
}
