//go:build !linux

package main

import "testing"

const serialLines = false

func startSerialDaemon(t *testing.T, flags ...string) (*proc, any, *proc) {
	t.Skip("the serial-line tests use Linux pseudo-terminals")
	return nil, nil, nil
}
