//go:build !linux

package bench

import "errors"

// rss is not measured where there is no /proc: the figures are left out.
func rss(int) (int64, error) { return 0, errors.New("bench: process memory is measured on Linux only") }
