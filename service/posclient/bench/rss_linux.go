package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// rss is a process's resident memory in bytes: VmRSS of /proc/PID/status.
func rss(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: memory of process %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: memory of process %d: VmRSS %q: %w", pid, v, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("bench: memory of process %d: no VmRSS", pid)
}
