package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// SerialConfig names the terminal's serial port.
type SerialConfig struct {
	// Port is a port name (/dev/ttyUSB0, COM3) or a USB id "VID:PID"
	// (hex, with or without 0x), since COM numbers change when a terminal
	// is plugged into another USB socket.
	Port string
	Baud int // default 115200; always 8N1
}

// SerialOpener opens the terminal's serial port, 8N1, and wraps it in the
// link layer with wrap. It resolves a VID:PID every time it opens, so the
// terminal is found again on whatever port it reappears.
func SerialOpener(cfg SerialConfig, wrap func(io.ReadWriteCloser) FrameConn) Opener {
	return func(ctx context.Context) (FrameConn, error) {
		port, err := cfg.Open()
		if err != nil {
			return nil, err
		}
		return wrap(port), nil
	}
}

// Open resolves the port (a VID:PID is looked up now, wherever the device
// is plugged in) and opens it, 8N1.
func (cfg SerialConfig) Open() (serial.Port, error) {
	name, err := ResolvePort(cfg.Port)
	if err != nil {
		return nil, err
	}
	return OpenSerial(name, cfg.Baud)
}

// OpenSerial opens a serial port at baud, 8N1, with no modem-line
// requirements (pseudo-terminals and many USB adapters have none).
func OpenSerial(name string, baud int) (serial.Port, error) {
	if baud <= 0 {
		baud = 115200
	}
	port, err := serial.Open(name, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("device: open %s: %w", name, describe(err))
	}
	return port, nil
}

// describe turns go.bug.st/serial's PortError (which has no Unwrap) into
// an error that says what to do.
func describe(err error) error {
	var pe *serial.PortError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code() {
	case serial.PortNotFound:
		return fmt.Errorf("port not found (is the device plugged in, and is this its port? see termd ports): %w", err)
	case serial.PortBusy:
		return fmt.Errorf("port busy (another program holds it): %w", err)
	case serial.PermissionDenied:
		return fmt.Errorf("permission denied (on Linux add the service user to the dialout group): %w", err)
	}
	return err
}

// PortInfo describes one serial port of this machine.
type PortInfo struct {
	Name         string
	USB          bool
	VID, PID     string
	SerialNumber string
	Product      string
}

// Ports lists the serial ports with their USB ids.
func Ports() ([]PortInfo, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("device: list ports: %w", err)
	}
	out := make([]PortInfo, 0, len(list))
	for _, p := range list {
		out = append(out, PortInfo{Name: p.Name, USB: p.IsUSB, VID: p.VID, PID: p.PID, SerialNumber: p.SerialNumber, Product: p.Product})
	}
	return out, nil
}

// ResolvePort returns the port name for spec: spec itself, or the port of
// the USB device whose VID:PID it names.
func ResolvePort(spec string) (string, error) {
	vid, pid, ok := parseUSBID(spec)
	if !ok {
		return spec, nil
	}
	ports, err := Ports()
	if err != nil {
		return "", err
	}
	return findUSB(ports, vid, pid, spec)
}

func findUSB(ports []PortInfo, vid, pid, spec string) (string, error) {
	for _, p := range ports {
		if p.USB && strings.EqualFold(p.VID, vid) && strings.EqualFold(p.PID, pid) {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("device: no serial port with USB id %s (is the device plugged in? see termd ports)", spec)
}

// parseUSBID reads "1234:abcd" or "0x1234:0xABCD" as four-digit hex ids.
func parseUSBID(s string) (vid, pid string, ok bool) {
	v, p, found := strings.Cut(s, ":")
	if !found {
		return "", "", false
	}
	v, p = strings.TrimPrefix(strings.ToLower(v), "0x"), strings.TrimPrefix(strings.ToLower(p), "0x")
	if !isHex4(v) || !isHex4(p) {
		return "", "", false
	}
	return v, p, true
}

func isHex4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
