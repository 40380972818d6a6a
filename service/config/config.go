package config

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. YAML keys are the field names in
// lowerCamelCase, as in scripts/termd.example.yaml.
type Config struct {
	Listen   Listen   `yaml:"listen"`
	Auth     Auth     `yaml:"auth"`
	Device   Device   `yaml:"device"`
	Printer  Printer  `yaml:"printer"`
	Timeouts Timeouts `yaml:"timeouts"`
	Confirm  Confirm  `yaml:"confirm"`
	Emulator Emulator `yaml:"emulator"`
	DataDir  string   `yaml:"dataDir"`
	Journal  Journal  `yaml:"journal"`
	Log      Log      `yaml:"log"`
}

type Listen struct {
	TCP        string   `yaml:"tcp"`
	WS         string   `yaml:"ws"`
	WSOrigins  []string `yaml:"wsOrigins"`
	MaxClients int      `yaml:"maxClients"`
	Charset    string   `yaml:"charset"`
}

type Auth struct {
	Token string `yaml:"token"`
}

type Device struct {
	Kind  string `yaml:"kind"`
	Port  string `yaml:"port"`
	Baud  int    `yaml:"baud"`
	Model string `yaml:"model"`
}

type Printer struct {
	Kind    string `yaml:"kind"`
	Port    string `yaml:"port"`
	Baud    int    `yaml:"baud"`
	Columns int    `yaml:"columns"`
	// Buzzer is the hex of the bytes that sound the buzzer for a job with
	// alert: true; spaces are allowed ("1B4203 02").
	Buzzer string `yaml:"buzzer"`
}

// BuzzerBytes decodes printer.buzzer.
func (p Printer) BuzzerBytes() ([]byte, error) {
	b, err := hex.DecodeString(strings.Join(strings.Fields(p.Buzzer), ""))
	if err != nil || len(b) == 0 || len(b) > 32 {
		return nil, keyErr("printer.buzzer", "%q is not 1 to 32 bytes of hex (as 1B420302)", p.Buzzer)
	}
	return b, nil
}

type Timeouts struct {
	Read      time.Duration `yaml:"read"`
	Signature time.Duration `yaml:"signature"`
	Confirm   time.Duration `yaml:"confirm"`
	Drain     time.Duration `yaml:"drain"`
}

type Confirm struct {
	Policy string `yaml:"policy"`
}

type Emulator struct {
	CardDelay time.Duration `yaml:"cardDelay"`
	SignDelay time.Duration `yaml:"signDelay"`
	AuthDelay time.Duration `yaml:"authDelay"`
	Manual    bool          `yaml:"manual"`
	Control   string        `yaml:"control"`
	// Books is where the emulated terminal keeps its books ("" = in
	// dataDir). A real terminal's books are not on the PC's disk; tests of
	// a full dataDir put them elsewhere, as a real terminal would.
	Books string `yaml:"books"`
	// Clock is wall (real time) or virtual: every timeout and emulated
	// delay then waits until the control panel advances the clock.
	Clock string `yaml:"clock"`
}

type Journal struct {
	RetentionDays int `yaml:"retentionDays"`
}

// Retention is RetentionDays as a duration.
func (j Journal) Retention() time.Duration { return time.Duration(j.RetentionDays) * 24 * time.Hour }

type Log struct {
	Level      string `yaml:"level"`
	File       string `yaml:"file"`
	MaxSizeMB  int    `yaml:"maxSizeMB"`
	MaxBackups int    `yaml:"maxBackups"`
	Console    bool   `yaml:"console"`
}

// Default is the configuration with no file and no flags: an emulated
// terminal on loopback ports, ready for a POS developer's first approval.
func Default() Config {
	return Config{
		Listen:   Listen{TCP: "127.0.0.1:9931", WS: "127.0.0.1:9932", MaxClients: 32, Charset: "utf-8"},
		Device:   Device{Baud: 115200, Model: "T650P"},
		Printer:  Printer{Baud: 9600, Columns: 42, Buzzer: "1B4203 02"},
		Timeouts: Timeouts{Read: 60 * time.Second, Signature: 30 * time.Second, Confirm: 30 * time.Second, Drain: 10 * time.Second},
		Confirm:  Confirm{Policy: "reverse"},
		Emulator: Emulator{CardDelay: time.Second, SignDelay: 2 * time.Second, AuthDelay: 500 * time.Millisecond, Control: "127.0.0.1:9933", Clock: "wall"},
		DataDir:  DefaultDataDir(),
		Journal:  Journal{RetentionDays: 400},
		Log:      Log{Level: "info", MaxSizeMB: 20, MaxBackups: 10, Console: true},
	}
}

// DefaultDataDir is where the journal lives when dataDir is not set: the
// machine's data directory for a service, the user's for a developer.
func DefaultDataDir() string {
	if runtime.GOOS == "windows" {
		if pd := os.Getenv("ProgramData"); pd != "" {
			return filepath.Join(pd, "termd")
		}
		return `C:\ProgramData\termd`
	}
	if os.Geteuid() == 0 {
		return "/var/lib/termd"
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "termd")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "termd")
	}
	return "termd-data"
}

// Load reads the file at path over the defaults. Unknown keys are errors,
// so a misspelt key is never silently ignored.
func Load(path string) (Config, error) {
	cfg := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("config: %s: %s", path, explain(err, b))
	}
	return cfg, nil
}

// keyAt finds the dotted key whose value sits on line, so an error can name
// it ("timeouts.signature") rather than only the line.
func keyAt(n *yaml.Node, line int, prefix string) string {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return keyAt(n.Content[0], line, prefix)
	}
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if prefix != "" {
			name = prefix + "." + k.Value
		}
		if k.Line == line || (v.Kind == yaml.ScalarNode && v.Line == line) {
			return name
		}
		if found := keyAt(v, line, name); found != "" {
			return found
		}
	}
	return ""
}

var lineRef = regexp.MustCompile(`line (\d+): `)

// explain rewrites yaml.v3's messages about durations, the commonest
// mistake, into advice.
func explain(err error, src []byte) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	var root yaml.Node
	if yaml.Unmarshal(src, &root) == nil {
		msg = lineRef.ReplaceAllStringFunc(msg, func(m string) string {
			line, _ := strconv.Atoi(lineRef.FindStringSubmatch(m)[1])
			if key := keyAt(&root, line, ""); key != "" {
				return m + key + ": "
			}
			return m
		})
	}
	if strings.Contains(msg, "time.Duration") {
		msg += ` (durations are written like "30s", "500ms", "2m")`
	}
	return msg
}

// LogFile is the log file path: log.file, or termd.log in the data
// directory; "" when logging to a file is off ("-").
func (c Config) LogFile() string {
	switch c.Log.File {
	case "-":
		return ""
	case "":
		return filepath.Join(c.DataDir, "termd.log")
	}
	return c.Log.File
}

// DeviceKind resolves device.kind: serial when a port is set, else the emulator.
func (c Config) DeviceKind() string {
	if c.Device.Kind != "" {
		return c.Device.Kind
	}
	if c.Device.Port != "" {
		return "serial"
	}
	return "emulator"
}

// PrinterKind resolves printer.kind: the emulated printer beside an
// emulated terminal, a serial printer when a port is set, else none.
func (c Config) PrinterKind() string {
	switch {
	case c.Printer.Kind != "":
		return c.Printer.Kind
	case c.Printer.Port != "":
		return "serial"
	case c.DeviceKind() == "emulator":
		return "emulator"
	}
	return "none"
}

// EmulatorBooks is the emulated terminal's books file.
func (c Config) EmulatorBooks() string {
	if c.Emulator.Books != "" {
		return c.Emulator.Books
	}
	return filepath.Join(c.DataDir, "emulator-books.json")
}
