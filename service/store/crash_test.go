package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"go.uber.org/zap"
)

// TestHelperJournalWriter is the child of TestKillDuringPutsLosesNothing:
// it journals records as fast as it can and prints each seq once Put has
// returned — the moment the engine would answer the POS.
func TestHelperJournalWriter(t *testing.T) {
	dir := os.Getenv("TERMD_STORE_CHILD_DIR")
	if dir == "" {
		t.Skip("run by TestKillDuringPutsLosesNothing")
	}
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		r := approved(fmt.Sprint("k", i), fmt.Sprint(i), "20261124", 1000, "01")
		if err := s.Put(r); err != nil {
			fmt.Println("put:", err)
			os.Exit(1)
		}
		fmt.Println(i)
	}
}

func TestKillDuringPutsLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for round := range 3 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperJournalWriter$")
		cmd.Env = append(os.Environ(), "TERMD_STORE_CHILD_DIR="+dir)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := -1
		sc := bufio.NewScanner(out)
		stopAt := 20 + round*37 // kill at a different point each round
		for sc.Scan() {
			n, err := strconv.Atoi(sc.Text())
			if err != nil {
				continue
			}
			acked = n
			if n >= stopAt {
				cmd.Process.Kill()
				break
			}
		}
		cmd.Wait()
		s := open(t, dir, Options{})
		for i := 0; i <= acked; i++ {
			if _, ok := s.Get(fmt.Sprint("k", i)); !ok {
				t.Fatalf("round %d: record k%d was acknowledged before the kill but is missing", round, i)
			}
		}
		s.Close()
	}
}
