package emulator

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestSeedReceiptPictures: the seed's job, read back from the encoder's
// bytes, as text, SVG and HTML. The SVG is a picture to open and look at
// (rsvg-convert turns it into a PNG); go test -update rewrites them.
func TestSeedReceiptPictures(t *testing.T) {
	p := NewPrinter(42)
	p.Write(encodeSeed(t))
	jobs := p.Jobs()
	if len(jobs) != 2 {
		t.Fatalf("%d receipts, want 2 (the tear line cuts)", len(jobs))
	}
	for i, j := range jobs {
		base := filepath.Join("testdata", fmt.Sprintf("seed-900091-%d", i+1))
		golden(t, base+".txt", []byte(j.Text))
		golden(t, base+".svg", []byte(j.SVG(42)))
		golden(t, base+".html", []byte(j.HTML()))
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s", path, got)
	}
}
