package scenario

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Line is the one line a scenario gets in the output.
func (r Result) Line() string {
	verdict := "ok  "
	if r.Failure != nil {
		verdict = "FAIL"
	}
	return fmt.Sprintf("%s %s: %s (%s)", verdict, r.Scenario.File, r.Scenario.Name, r.Duration.Round(time.Millisecond))
}

// Details is a failure's report: the step at file:line, what was expected,
// what came, the last frames of each connection and the end of termd's log.
func (r Result) Details() string {
	f := r.Failure
	if f == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "at %s:%d (%s)\n", r.Scenario.File, f.Line, f.Step)
	fmt.Fprintf(&b, "expected: %s\n", f.Expected)
	fmt.Fprintf(&b, "got:      %s\n", strings.ReplaceAll(f.Got, "\n", "\n          "))
	for _, c := range f.Frames {
		fmt.Fprintf(&b, "last frames on %s:\n", c.Conn)
		for _, line := range c.Frames {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	if f.Log != "" {
		fmt.Fprintf(&b, "termd's log (last lines):\n  %s\n", strings.ReplaceAll(f.Log, "\n", "\n  "))
	}
	return b.String()
}

// JUnit XML, the subset CI systems read.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// JUnit writes the results as JUnit XML: one testsuite per file, one
// testcase per scenario, a failure's message naming the step and its body
// the whole report.
func JUnit(w io.Writer, results []Result) error {
	var out junitSuites
	index := map[string]int{}
	totals := map[string]time.Duration{}
	for _, r := range results {
		file := r.Scenario.File
		i, ok := index[file]
		if !ok {
			i = len(out.Suites)
			index[file] = i
			out.Suites = append(out.Suites, junitSuite{Name: file})
		}
		s := &out.Suites[i]
		c := junitCase{Name: r.Scenario.Name, Classname: file, Time: seconds(r.Duration)}
		if f := r.Failure; f != nil {
			c.Failure = &junitFailure{
				Message: fmt.Sprintf("%s:%d %s: expected %s", file, f.Line, f.Step, f.Expected),
				Type:    f.Step,
				Body:    r.Details(),
			}
			s.Failures++
		}
		s.Tests++
		totals[file] += r.Duration
		s.Time = seconds(totals[file])
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("scenario: junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("scenario: junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
