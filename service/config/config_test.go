package config

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "termd.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreValidAndUseTheEmulator(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DeviceKind() != "emulator" || c.PrinterKind() != "emulator" {
		t.Fatalf("kinds %s/%s", c.DeviceKind(), c.PrinterKind())
	}
	if c.Timeouts.Signature != 30*time.Second || c.Timeouts.Read != time.Minute || c.Listen.TCP != "127.0.0.1:9931" {
		t.Fatalf("defaults %+v", c)
	}
}

func TestExampleFileIsTheDefaults(t *testing.T) {
	c, err := Load("../../scripts/termd.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.Listen.WSOrigins = nil // [] in the file
	if want := Default(); !reflect.DeepEqual(c, want) {
		t.Fatalf("example file differs from defaults:\n%+v\n%+v", c, want)
	}
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"devise:\n  port: COM3\n", `field devise not found`},
		{"timeouts:\n  signature: 30\n", "timeouts"},
		{"timeouts:\n  signature: thirty\n", `durations are written like "30s"`},
		{"listen:\n  maxClients: many\n", "maxClients"},
	}
	for _, c := range cases {
		_, err := Load(write(t, c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to mention %q", c.yaml, err, c.want)
		}
	}
	if _, err := Load(write(t, "devise: 1\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("unknown key error should give the line: %v", err)
	}
}

func TestFlagsOverrideTheFile(t *testing.T) {
	c, err := Load(write(t, "timeouts:\n  confirm: 45s\ndevice:\n  model: P3MIX\n"))
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--timeouts.confirm=5s", "--listen.wsOrigins=https://a.example, https://b.example"}); err != nil {
		t.Fatal(err)
	}
	if c.Timeouts.Confirm != 5*time.Second {
		t.Fatalf("confirm %v, want the flag's 5s", c.Timeouts.Confirm)
	}
	if c.Device.Model != "P3MIX" {
		t.Fatalf("model %q, want the file's P3MIX", c.Device.Model)
	}
	if !reflect.DeepEqual(c.Listen.WSOrigins, []string{"https://a.example", "https://b.example"}) {
		t.Fatalf("origins %q", c.Listen.WSOrigins)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	cases := []struct {
		key    string
		change func(*Config)
	}{
		{"listen.tcp", func(c *Config) { c.Listen.TCP = "9931" }},
		{"listen.tcp", func(c *Config) { c.Listen.TCP = "0.0.0.0:9931" }},
		{"listen.ws", func(c *Config) { c.Listen.WS = "192.168.0.10:9932" }},
		{"listen.maxClients", func(c *Config) { c.Listen.MaxClients = 0 }},
		{"listen.charset", func(c *Config) { c.Listen.Charset = "latin1" }},
		{"device.kind", func(c *Config) { c.Device.Kind = "usb" }},
		{"device.port", func(c *Config) { c.Device.Kind = "serial" }},
		{"device.baud", func(c *Config) { c.Device.Baud = 12345 }},
		{"device.model", func(c *Config) { c.Device.Model = "X1" }},
		{"printer.kind", func(c *Config) { c.Printer.Kind = "laser" }},
		{"printer.port", func(c *Config) { c.Printer.Kind = "serial" }},
		{"printer.columns", func(c *Config) { c.Printer.Columns = 10 }},
		{"printer.baud", func(c *Config) { c.Printer.Baud = 9601 }},
		{"printer.buzzer", func(c *Config) { c.Printer.Buzzer = "1B42 0" }},
		{"printer.buzzer", func(c *Config) { c.Printer.Buzzer = "beep" }},
		{"timeouts.signature", func(c *Config) { c.Timeouts.Signature = 0 }},
		{"timeouts.signature", func(c *Config) { c.Timeouts.Signature = time.Hour }},
		{"timeouts.read", func(c *Config) { c.Timeouts.Read = -time.Second }},
		{"timeouts.confirm", func(c *Config) { c.Timeouts.Confirm = 11 * time.Minute }},
		{"confirm.policy", func(c *Config) { c.Confirm.Policy = "maybe" }},
		{"emulator.cardDelay", func(c *Config) { c.Emulator.CardDelay = -1 }},
		{"emulator.control", func(c *Config) { c.Emulator.Control = "panel" }},
		{"emulator.clock", func(c *Config) { c.Emulator.Clock = "fast" }},
		{"emulator.clock", func(c *Config) { c.Emulator.Clock, c.Emulator.Control = "virtual", "" }},
		{"emulator.clock", func(c *Config) { c.Emulator.Clock, c.Device.Port = "virtual", "/dev/ttyUSB0" }},
		{"dataDir", func(c *Config) { c.DataDir = "" }},
		{"journal.retentionDays", func(c *Config) { c.Journal.RetentionDays = 0 }},
		{"log.level", func(c *Config) { c.Log.Level = "loud" }},
	}
	for _, tc := range cases {
		c := Default()
		tc.change(&c)
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), "config: "+tc.key+":") {
			t.Errorf("%s: got %v", tc.key, err)
		}
	}
	c := Default()
	c.Listen.TCP, c.Auth.Token = "0.0.0.0:9931", "s3cret-s3cret-16"
	if err := c.Validate(); err != nil {
		t.Fatalf("non-loopback with a token: %v", err)
	}
}

// TestTokenLength: a token shorter than 16 characters stops start-up,
// naming auth.token, whatever the listen addresses; 16 is enough.
func TestTokenLength(t *testing.T) {
	for token, ok := range map[string]bool{
		"a": false, "s3cret": false, "123456789012345": false, "비밀번호비밀번호비밀번호비밀": false, // 15 characters, 45 bytes
		"1234567890123456": true, "비밀번호비밀번호비밀번호비밀번호": true,
	} {
		c := Default()
		c.Listen.TCP, c.Auth.Token = "0.0.0.0:9931", token
		err := c.Validate()
		if ok != (err == nil) {
			t.Errorf("token of %d characters: %v", len([]rune(token)), err)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "config: auth.token:") || (len(token) > 5 && strings.Contains(err.Error(), token))) {
			t.Errorf("error %q should name auth.token and not show the token", err)
		}
	}
}

// TestPanelBeyondLoopbackNeedsToken: the control panel (it can pull the
// terminal's cable) follows the POS listeners' rule.
func TestPanelBeyondLoopbackNeedsToken(t *testing.T) {
	c := Default()
	c.Emulator.Control = "0.0.0.0:9933"
	if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "config: emulator.control:") {
		t.Errorf("panel on 0.0.0.0 without a token: %v", err)
	}
	c.Auth.Token = "0123456789abcdef"
	if err := c.Validate(); err != nil {
		t.Errorf("panel on 0.0.0.0 with a token: %v", err)
	}
}

func TestRedactedHidesTheToken(t *testing.T) {
	c := Default()
	c.Auth.Token = "s3cret"
	out := c.Redacted()
	if strings.Contains(out, "s3cret") || !strings.Contains(out, "***") {
		t.Fatalf("redacted:\n%s", out)
	}
	if !strings.Contains(out, "signature: 30s") {
		t.Fatalf("durations should print as Go durations:\n%s", out)
	}
}

func TestBuzzerBytes(t *testing.T) {
	b, err := Default().Printer.BuzzerBytes()
	if err != nil || string(b) != "\x1bB\x03\x02" {
		t.Fatalf("default buzzer %x, %v: want ESC B 3 2", b, err)
	}
	b, err = Printer{Buzzer: " 1b 28 41 "}.BuzzerBytes()
	if err != nil || string(b) != "\x1b(A" {
		t.Fatalf("spaced hex %x, %v", b, err)
	}
}
