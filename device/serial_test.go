package device

import "testing"

func TestParseUSBID(t *testing.T) {
	cases := []struct {
		in       string
		vid, pid string
		ok       bool
	}{
		{"1234:abcd", "1234", "abcd", true},
		{"0x1234:0xABCD", "1234", "abcd", true},
		{"/dev/ttyUSB0", "", "", false},
		{"COM3", "", "", false},
		{"12345:abcd", "", "", false},
		{"12g4:abcd", "", "", false},
	}
	for _, c := range cases {
		vid, pid, ok := parseUSBID(c.in)
		if vid != c.vid || pid != c.pid || ok != c.ok {
			t.Errorf("parseUSBID(%q) = %q %q %v, want %q %q %v", c.in, vid, pid, ok, c.vid, c.pid, c.ok)
		}
	}
}

func TestFindUSB(t *testing.T) {
	ports := []PortInfo{
		{Name: "/dev/ttyS0"},
		{Name: "/dev/ttyUSB0", USB: true, VID: "0403", PID: "6001"},
		{Name: "/dev/ttyACM0", USB: true, VID: "1234", PID: "ABCD"},
	}
	if got, err := findUSB(ports, "1234", "abcd", "1234:abcd"); err != nil || got != "/dev/ttyACM0" {
		t.Fatalf("got %q %v", got, err)
	}
	if _, err := findUSB(ports, "ffff", "0001", "ffff:0001"); err == nil {
		t.Fatal("found a device that is not there")
	}
}
