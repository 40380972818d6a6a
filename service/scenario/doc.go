// Package scenario runs QA scenarios against termd: YAML files of steps
// that play one or more POS connections (send a frame, expect one), the
// customer and the cable (through the emulator's control panel) and the
// virtual clock, and report pass or fail per scenario with the step that
// failed, what was expected, what came, and the last frames of each
// connection.
//
// The format is documented in scripts/scenarios/README.md. Parse reads a
// file (errors carry file:line); Runner runs its scenarios against a
// Target: a termd the runner starts per scenario (Process) or one already
// running (Fixed). Report and JUnit write the results.
//
// The package speaks to termd only as a POS and a person would: frames
// through service/posclient and HTTP to the control panel. It never
// imports the engine, the store or the daemon.
package scenario
