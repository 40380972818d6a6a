package emulator

// Books lines written as the tests need them: unmarked, as books written
// before saves were marked, so every whole line counts.

// appendLines appends one JSON line per entry.
func appendLines(buf []byte, entries []*entry) []byte {
	for _, e := range entries {
		buf, _ = appendLine(buf, e)
	}
	return buf
}

// appendSynced appends buf to the file at path and waits until it is on
// the disk.
func appendSynced(path string, buf []byte) error {
	_, err := appendFile(path, buf, true)
	return err
}
