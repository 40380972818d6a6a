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
		acked := killChild(t, "TestHelperJournalWriter", "TERMD_STORE_CHILD_DIR", dir, 20+round*37) // a different point each round
		s := open(t, dir, Options{})
		for i := 0; i <= acked; i++ {
			if _, ok := s.Get(fmt.Sprint("k", i)); !ok {
				t.Fatalf("round %d: record k%d was acknowledged before the kill but is missing", round, i)
			}
		}
		s.Close()
	}
}

// TestHelperCompactingWriter is the child of TestKillDuringCompactionLosesNothing:
// it writes new versions of fifty records while another goroutine compacts
// the journal without pause, and prints each version once Put returned.
func TestHelperCompactingWriter(t *testing.T) {
	dir := os.Getenv("TERMD_STORE_COMPACT_DIR")
	if dir == "" {
		t.Skip("run by TestKillDuringCompactionLosesNothing")
	}
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	go func() {
		for {
			if _, err := s.Compact(); err != nil {
				fmt.Println("compact:", err)
				os.Exit(1)
			}
		}
	}()
	for i := 0; ; i++ {
		batch := make([]*Record, 0, 25) // a frame of 25 versions: rewrites come often
		for j := range 25 {
			batch = append(batch, approved(fmt.Sprint("k", (i*25+j)%50), "1", "20261124", int64(i), "01"))
		}
		if err := s.Put(batch...); err != nil {
			fmt.Println("put:", err)
			os.Exit(1)
		}
		fmt.Println(i)
	}
}

// A kill at any moment of a compaction (rewriting, swapping, reindexing)
// loses no acknowledged version: the journal reopens with every record at
// the version last acknowledged, or the one after it.
func TestKillDuringCompactionLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for round := range 4 {
		dir := t.TempDir()
		acked := killChild(t, "TestHelperCompactingWriter", "TERMD_STORE_COMPACT_DIR", dir, 100+round*113) // past a few rewrites
		s := open(t, dir, Options{})
		for j := range 50 {
			// k{j} was written by Put i when (i*25+j')%50 == j: every other Put
			last := acked
			if (acked*25)%50 != (j/25)*25 {
				last--
			}
			r, ok := s.Get(fmt.Sprint("k", j))
			if !ok || r.ApprovalAmt < int64(last) {
				t.Fatalf("round %d: k%d is %+v after the kill, want version %d or the next", round, j, r, last)
			}
		}
		s.Close()
	}
}

// killChild runs the test helper as a child process writing into dir (named
// by the environment variable env), reads the numbers it prints once each
// Put returned, kills it with SIGKILL once it printed stopAt, and returns
// the last number it printed: the last Put acknowledged.
func killChild(t *testing.T, helper, env, dir string, stopAt int) (acked int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$")
	cmd.Env = append(os.Environ(), env+"="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked = -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("the child says %q", sc.Text())
		}
		if acked = n; n >= stopAt {
			cmd.Process.Kill()
			break
		}
	}
	cmd.Wait()
	return acked
}
