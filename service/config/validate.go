package config

import (
	"fmt"
	"net"
	"slices"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Validate checks every key; the first problem is returned naming its key.
func (c *Config) Validate() error {
	for _, check := range []func() error{c.checkListen, c.checkDevice, c.checkTimeouts, c.checkRest} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func keyErr(key, format string, args ...any) error {
	return fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...))
}

// MinTokenLen is the shortest auth.token accepted: a token is the only
// thing between the network and the card terminal, so it must not be
// guessable (SPEC §5).
const MinTokenLen = 16

func (c *Config) checkListen() error {
	if n := utf8.RuneCountInString(c.Auth.Token); n > 0 && n < MinTokenLen {
		return keyErr("auth.token", "%d characters is too short to be safe; use at least %d", n, MinTokenLen)
	}
	for _, l := range []struct{ key, addr string }{{"listen.tcp", c.Listen.TCP}, {"listen.ws", c.Listen.WS}, {"emulator.control", c.Emulator.Control}} {
		if l.addr == "" {
			continue
		}
		host, _, err := net.SplitHostPort(l.addr)
		if err != nil {
			return keyErr(l.key, "%q is not host:port", l.addr)
		}
		if !loopback(host) && c.Auth.Token == "" {
			return keyErr(l.key, "%q is reachable from other machines: set auth.token so only those who know it get in", l.addr)
		}
	}
	if c.Listen.MaxClients < 1 || c.Listen.MaxClients > 1024 {
		return keyErr("listen.maxClients", "%d is not between 1 and 1024", c.Listen.MaxClients)
	}
	return oneOf("listen.charset", c.Listen.Charset, "utf-8", "euc-kr")
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var bauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}

func (c *Config) checkDevice() error {
	if err := oneOf("device.kind", c.Device.Kind, "", "emulator", "serial"); err != nil {
		return err
	}
	if c.DeviceKind() == "serial" && c.Device.Port == "" {
		return keyErr("device.port", "required with device.kind serial (see termd ports)")
	}
	if !slices.Contains(bauds, c.Device.Baud) {
		return keyErr("device.baud", "%d is not a standard rate (%v)", c.Device.Baud, bauds)
	}
	if err := oneOf("device.model", c.Device.Model, "T650P", "P3MIX"); err != nil {
		return err
	}
	if err := oneOf("printer.kind", c.Printer.Kind, "", "emulator", "serial", "none"); err != nil {
		return err
	}
	if c.PrinterKind() == "serial" && c.Printer.Port == "" {
		return keyErr("printer.port", "required with printer.kind serial")
	}
	if !slices.Contains(bauds, c.Printer.Baud) {
		return keyErr("printer.baud", "%d is not a standard rate", c.Printer.Baud)
	}
	if c.Printer.Columns < 24 || c.Printer.Columns > 80 {
		return keyErr("printer.columns", "%d is not between 24 and 80", c.Printer.Columns)
	}
	_, err := c.Printer.BuzzerBytes()
	return err
}

func (c *Config) checkTimeouts() error {
	for _, d := range []struct {
		key    string
		v, max time.Duration
	}{
		{"timeouts.read", c.Timeouts.Read, 10 * time.Minute},
		{"timeouts.signature", c.Timeouts.Signature, 5 * time.Minute},
		{"timeouts.confirm", c.Timeouts.Confirm, 10 * time.Minute},
		{"timeouts.drain", c.Timeouts.Drain, 10 * time.Minute},
	} {
		if d.v <= 0 || d.v > d.max {
			return keyErr(d.key, "%v must be above 0 and at most %v", d.v, d.max)
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"emulator.cardDelay", c.Emulator.CardDelay}, {"emulator.signDelay", c.Emulator.SignDelay}, {"emulator.authDelay", c.Emulator.AuthDelay}} {
		if d.v < 0 {
			return keyErr(d.key, "%v must not be negative", d.v)
		}
	}
	return oneOf("confirm.policy", c.Confirm.Policy, "reverse", "hold", "off")
}

func (c *Config) checkRest() error {
	if c.Emulator.Control != "" {
		if _, _, err := net.SplitHostPort(c.Emulator.Control); err != nil {
			return keyErr("emulator.control", "%q is not host:port", c.Emulator.Control)
		}
	}
	if c.Emulator.Clock != "" { // "" is wall, for a Config built in code
		if err := oneOf("emulator.clock", c.Emulator.Clock, "wall", "virtual"); err != nil {
			return err
		}
	}
	if c.Emulator.Clock == "virtual" && c.DeviceKind() != "emulator" {
		return keyErr("emulator.clock", "virtual needs the emulated terminal (device.kind emulator): a real terminal keeps real time")
	}
	if c.Emulator.Clock == "virtual" && c.Emulator.Control == "" {
		return keyErr("emulator.clock", "virtual needs emulator.control: the clock moves only through the control panel")
	}
	if c.DataDir == "" {
		return keyErr("dataDir", "required")
	}
	if c.Journal.RetentionDays < 1 {
		return keyErr("journal.retentionDays", "%d must be at least 1", c.Journal.RetentionDays)
	}
	if err := oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error"); err != nil {
		return err
	}
	if c.Log.MaxSizeMB < 1 || c.Log.MaxBackups < 0 {
		return keyErr("log.maxSizeMB", "log rotation needs maxSizeMB ≥ 1 and maxBackups ≥ 0")
	}
	return nil
}

func oneOf(key, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return keyErr(key, "%q is not one of %q", v, allowed)
}

// Redacted renders the effective configuration as YAML for the start-up
// log, with the token hidden.
func (c Config) Redacted() string {
	if c.Auth.Token != "" {
		c.Auth.Token = "***"
	}
	b, _ := yaml.Marshal(c)
	return string(b)
}
