package printer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/termd/termd/protocol"
)

func TestSizeOf(t *testing.T) {
	for px, want := range map[int]int{0: 1, 10: 1, 19: 1, 20: 2, 29: 2, 30: 3, 100: 3} {
		if got := SizeOf(px); got != want {
			t.Errorf("SizeOf(%d) = %d, want %d", px, got, want)
		}
	}
}

func TestWidthFollowsCP949(t *testing.T) {
	for s, want := range map[string]int{"abc": 3, "가나": 4, "합계 1원": 8, "½": 2, "😀": 1, "\x1b": 1, "": 0} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestCleanTurnsCommandsIntoSpaces(t *testing.T) {
	if got := CleanString("a\x1bp\x00\x19\x7f\u0085z😀"); got != "a p   ?z?" {
		t.Errorf("CleanString = %q", got)
	}
	if s := "영수증 OK"; CleanString(s) != s {
		t.Errorf("clean text changed: %q", CleanString(s))
	}
}

func TestWrapNeverSplitsAPairNorExceeds(t *testing.T) {
	for _, cols := range []int{1, 2, 3, 7, 14, 21, 42} {
		for _, s := range []string{"A" + strings.Repeat("한", 30), strings.Repeat("가a", 40), "", "x"} {
			rows := Wrap(s, cols)
			if strings.Join(rows, "") != s {
				t.Errorf("Wrap(%q, %d) lost text: %q", s, cols, rows)
			}
			for _, r := range rows {
				if Width(r) > cols && utf8.RuneCountInString(r) > 1 || !utf8.ValidString(r) {
					t.Errorf("Wrap(%q, %d): row %q is %d wide", s, cols, r, Width(r))
				}
			}
		}
	}
}

func TestLayoutRowsFitEverySize(t *testing.T) {
	long := strings.Repeat("영수증 test ", 20)
	req := &protocol.PrintRequest{Commands: []protocol.PrintCommand{
		{Command: "left", Message: []string{long}}, {Command: "right", FontSize: 25, Message: []string{long}},
		{Command: "left", FontSize: 40, Message: []string{long}}, {Command: "text2", FontSize: 35, Message: []string{long, long}},
		{Command: "text3", Message: []string{long, long, long}}, {Command: "line"}, {Command: "cuttingLine"},
	}}
	for _, cols := range []int{24, 32, 42, 48, 80} {
		job := Layout(req, cols)
		for _, r := range job.Rows {
			if w := Width(r.Text) * r.Size; w > cols {
				t.Errorf("cols %d: row %q at size %d is %d wide", cols, r.Text, r.Size, w)
			}
		}
		if got := job.Rows[len(job.Rows)-1]; got.Kind != TearLine || Width(got.Text) > cols || Width(got.Text) < cols-1 {
			t.Errorf("cols %d: tear line %+v", cols, got)
		}
	}
}

func TestCellsPlacesColumns(t *testing.T) {
	cases := []struct {
		parts []string
		cols  int
		want  string
	}{
		{[]string{"one", "two"}, 10, "one    two"},
		{[]string{"a", "b", "c"}, 9, "a   b   c"},
		{[]string{"아메리카노", "4,500"}, 12, "아메리 4,500"},
		{[]string{"가", "나", "다"}, 7, "가나 다"},
		{[]string{"가", "나", "다"}, 8, "가나  다"},
	}
	for _, c := range cases {
		if got := Cells(c.parts, c.cols); got != c.want || Width(got) > c.cols {
			t.Errorf("Cells(%q, %d) = %q, want %q", c.parts, c.cols, got, c.want)
		}
	}
}

func TestMessage(t *testing.T) {
	for err, want := range map[error]string{ErrPaperOut: "용지 없음", ErrCoverOpen: "프린터 덮개 열림", ErrNoReply: "프린터 응답 없음", ErrOffline: "프린터 응답 없음"} {
		if got := Message(err); got != want {
			t.Errorf("Message(%v) = %q, want %q", err, got, want)
		}
	}
}
