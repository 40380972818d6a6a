package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/termd/termd/device"
)

// listPorts prints the serial ports with their USB ids, so a shop can find
// its terminal and name it in device.port by VID:PID.
func listPorts(stdout, stderr io.Writer) int {
	ports, err := device.Ports()
	if err != nil {
		fmt.Fprintf(stderr, "termd: %v\n", err)
		return 1
	}
	if len(ports) == 0 {
		fmt.Fprintln(stdout, "no serial ports found")
		return 0
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PORT\tUSB ID\tPRODUCT\tSERIAL")
	for _, p := range ports {
		id := "-"
		if p.USB {
			id = p.VID + ":" + p.PID
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, id, orDash(p.Product), orDash(p.SerialNumber))
	}
	w.Flush()
	fmt.Fprintln(stdout, "\nSet device.port to the PORT, or to the USB ID, which stays the same when the terminal moves to another USB socket.")
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
