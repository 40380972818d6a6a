package config

import (
	"flag"
	"strings"
)

// RegisterFlags adds one flag per key, named like the key, with the current
// values as defaults. Call it after Load and before fs.Parse so that flags
// override the file.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.RegisterEmulatorFlags(fs)
	fs.StringVar(&c.Listen.TCP, "listen.tcp", c.Listen.TCP, `TCP address for POS clients ("" disables)`)
	fs.StringVar(&c.Listen.WS, "listen.ws", c.Listen.WS, `WebSocket address for POS clients, path /ws ("" disables)`)
	fs.Func("listen.wsOrigins", "extra allowed WebSocket Origins, comma-separated", func(s string) error {
		c.Listen.WSOrigins = splitList(s)
		return nil
	})
	fs.IntVar(&c.Listen.MaxClients, "listen.maxClients", c.Listen.MaxClients, "most POS connections at once")
	fs.StringVar(&c.Listen.Charset, "listen.charset", c.Listen.Charset, "TCP body encoding: utf-8 or euc-kr (legacy POS)")
	fs.StringVar(&c.Auth.Token, "auth.token", c.Auth.Token, "token POS clients must present when listening beyond loopback")
	fs.StringVar(&c.Device.Kind, "device.kind", c.Device.Kind, `terminal: emulator or serial ("" = serial if device.port is set)`)
	fs.StringVar(&c.Device.Port, "device.port", c.Device.Port, "terminal serial port (/dev/ttyUSB0, COM3) or USB id VID:PID")
	fs.IntVar(&c.Device.Baud, "device.baud", c.Device.Baud, "terminal baud rate (8N1)")
	fs.StringVar(&c.Printer.Kind, "printer.kind", c.Printer.Kind, `receipt printer: emulator, serial or none ("" = automatic)`)
	fs.StringVar(&c.Printer.Port, "printer.port", c.Printer.Port, "receipt printer serial port (/dev/ttyUSB1, COM4) or USB id VID:PID")
	fs.IntVar(&c.Printer.Baud, "printer.baud", c.Printer.Baud, "receipt printer baud rate (8N1)")
	fs.StringVar(&c.Printer.Buzzer, "printer.buzzer", c.Printer.Buzzer, "hex bytes that sound the printer's buzzer for a job with alert")
	fs.DurationVar(&c.Timeouts.Read, "timeouts.read", c.Timeouts.Read, "wait this long for a card, QR or keyed number")
	fs.DurationVar(&c.Timeouts.Signature, "timeouts.signature", c.Timeouts.Signature, "wait this long for a signature (30s; change only for tests)")
	fs.DurationVar(&c.Timeouts.Confirm, "timeouts.confirm", c.Timeouts.Confirm, "a successful result must be confirmed (980001) within this")
	fs.DurationVar(&c.Timeouts.Drain, "timeouts.drain", c.Timeouts.Drain, "at shutdown, wait this long for a payment to finish and its 980001")
	fs.StringVar(&c.Confirm.Policy, "confirm.policy", c.Confirm.Policy, "unconfirmed results: reverse, hold or off")
	fs.BoolVar(&c.Emulator.Manual, "emulator.manual", c.Emulator.Manual, "emulated card and signature wait for the control panel")
	fs.StringVar(&c.Emulator.Control, "emulator.control", c.Emulator.Control, `emulator control panel address ("" disables)`)
	fs.StringVar(&c.Emulator.Books, "emulator.books", c.Emulator.Books, `file of the emulated terminal's books ("" = emulator-books.json in dataDir)`)
	fs.StringVar(&c.DataDir, "dataDir", c.DataDir, "where the journal and logs live")
	fs.IntVar(&c.Journal.RetentionDays, "journal.retentionDays", c.Journal.RetentionDays, "keep settled transactions this many days")
	fs.StringVar(&c.Log.File, "log.file", c.Log.File, `JSON log file ("" = dataDir/termd.log, "-" = none)`)
	fs.IntVar(&c.Log.MaxSizeMB, "log.maxSizeMB", c.Log.MaxSizeMB, "rotate the log file at this size")
	fs.IntVar(&c.Log.MaxBackups, "log.maxBackups", c.Log.MaxBackups, "rotated log files to keep")
	fs.BoolVar(&c.Log.Console, "log.console", c.Log.Console, "readable log lines on the console")
}

// RegisterEmulatorFlags adds the flags an emulated terminal uses, on its
// own (termd emulate) or inside termd.
func (c *Config) RegisterEmulatorFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Device.Model, "device.model", c.Device.Model, "terminal model: T650P or P3MIX (decides the tax-refund body)")
	fs.IntVar(&c.Printer.Columns, "printer.columns", c.Printer.Columns, "receipt width in characters (Korean counts two)")
	fs.DurationVar(&c.Emulator.CardDelay, "emulator.cardDelay", c.Emulator.CardDelay, "emulated customer presents the card after this")
	fs.DurationVar(&c.Emulator.SignDelay, "emulator.signDelay", c.Emulator.SignDelay, "emulated customer signs after this")
	fs.DurationVar(&c.Emulator.AuthDelay, "emulator.authDelay", c.Emulator.AuthDelay, "emulated card company answers after this")
	fs.StringVar(&c.Emulator.Clock, "emulator.clock", c.Emulator.Clock, "wall, or virtual: timeouts and emulated delays wait for POST /api/clock/advance (QA scenarios)")
	fs.StringVar(&c.Log.Level, "log.level", c.Log.Level, "debug, info, warn or error (debug logs every frame)")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
