package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kardianos/service"
	"go.uber.org/zap"

	"github.com/termd/termd/service/config"
)

const serviceUsage = `Usage: termd service install [--config FILE] [--dry-run]
       termd service uninstall|start|stop|status

Installs termd as a system service (a Windows service, or systemd / SysV init
on Linux) that runs "termd run" at boot with the configuration file given at
install time, and restarts it if it fails. install and uninstall need an
administrator (root) shell; --dry-run shows what would be installed.
`

// serviceCmd manages termd as a system service through kardianos/service.
func serviceCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, serviceUsage)
		return 2
	}
	action, args := args[0], args[1:]
	switch action {
	case "install", "uninstall", "start", "stop", "status":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, serviceUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "termd: unknown service action %q\n\n%s", action, serviceUsage)
		return 2
	}
	fs := flag.NewFlagSet("termd service "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), serviceUsage) }
	configFile := fs.String("config", "", "YAML configuration file the service runs with")
	dryRun := fs.Bool("dry-run", false, "show what install would do, and do nothing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || (action != "install" && (*configFile != "" || *dryRun)) {
		fs.Usage()
		return 2
	}
	sc, err := serviceConfig(*configFile)
	if err == nil && action == "install" {
		err = checkInstallConfig(*configFile)
	}
	if err == nil && action == "install" {
		err = prepareInstall(sc)
	}
	if err != nil {
		fmt.Fprintf(stderr, "termd: %v\n", err)
		return 1
	}
	if *dryRun {
		dryRunInstall(stdout, sc)
		return 0
	}
	svc, err := service.New(nil, sc)
	if err == nil {
		err = control(svc, action, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "termd: service %s: %v\n", action, err)
		return 1
	}
	return 0
}

func control(svc service.Service, action string, stdout io.Writer) error {
	switch action {
	case "status":
		st, err := svc.Status()
		switch {
		case errors.Is(err, service.ErrNotInstalled):
			fmt.Fprintln(stdout, "not installed")
		case err != nil:
			return fmt.Errorf("the service manager cannot tell (%w); is termd installed?", err)
		case st == service.StatusRunning:
			fmt.Fprintln(stdout, "running")
		default:
			fmt.Fprintln(stdout, "stopped")
		}
		return nil
	}
	if err := service.Control(svc, action); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "termd service: %s done\n", action)
	return nil
}

// prepareInstall refuses a binary that goes away and puts the files termd
// writes itself (see service_files.go) into the install options.
func prepareInstall(sc *service.Config) error {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return fmt.Errorf("service install: cannot tell where this termd is: %w", err)
	}
	if why := temporaryBuild(exe); why != "" {
		return fmt.Errorf("service install: %s is a temporary build (%s) and would be gone after a reboot: "+
			"build a release first (scripts/release.sh, or go build -trimpath -o /usr/local/bin/termd ./cmd/termd) "+
			"and run service install from that binary", exe, why)
	}
	sc.Executable = exe
	path, content, err := serviceFiles(hostSystem(), exe, sc)
	if err != nil {
		return fmt.Errorf("service install: %w", err)
	}
	switch path {
	case systemdUnitPath:
		sc.Option["SystemdScript"] = content
	case sysvScriptPath:
		sc.Option["SysvScript"] = content
	}
	return nil
}

// checkInstallConfig wants a configuration file that names the terminal:
// without device.port termd plays an emulated terminal, and a service
// that approves every card on a shop PC is never what was meant.
func checkInstallConfig(configFile string) error {
	const fix = "set device.port to the card terminal's port (termd ports lists them), or device.kind: emulator to install an emulator on purpose"
	if configFile == "" {
		return errors.New("service install needs --config FILE: create it first from termd.example.yaml, and " + fix)
	}
	cfg, err := config.Load(configFile)
	if err != nil {
		return err // serviceConfig has reported it already
	}
	if cfg.DeviceKind() == "emulator" && cfg.Device.Kind != "emulator" {
		return fmt.Errorf("service install: %s sets no device.port, so termd would emulate the terminal: %s", configFile, fix)
	}
	return nil
}

// dryRunInstall prints what install would write or register.
func dryRunInstall(out io.Writer, sc *service.Config) {
	system := hostSystem()
	fmt.Fprintf(out, "termd service install would do this (%s), and does nothing now:\n\n", system)
	switch content, _ := sc.Option["SystemdScript"].(string); {
	case content != "":
		fmt.Fprintf(out, "write %s:\n\n%s\nthen: systemctl enable termd; systemctl daemon-reload\n", systemdUnitPath, content)
	case sc.Option["SysvScript"] != nil:
		fmt.Fprintf(out, "write %s (mode 755):\n\n%s\nthen link it into /etc/rc*.d to start at boot\n", sysvScriptPath, sc.Option["SysvScript"])
	case strings.HasPrefix(system, "windows"):
		fmt.Fprintf(out, "register the Windows service:\n%s", windowsSettings(sc.Executable, sc))
	default:
		fmt.Fprintf(out, "register service %q with the service manager's own file, running:\n  %s %s\n",
			sc.Name, sc.Executable, strings.Join(sc.Arguments, " "))
	}
}

func hostSystem() string {
	if service.ChosenSystem() == nil {
		return "no service manager found"
	}
	return service.ChosenSystem().String()
}

// serviceConfig describes termd to the service manager. The configuration
// file is checked now, so a typo fails the install rather than every boot,
// and made absolute, since services start in another directory.
func serviceConfig(configFile string) (*service.Config, error) {
	args := []string{"run"}
	if configFile != "" {
		abs, err := filepath.Abs(configFile)
		if err != nil {
			return nil, err
		}
		cfg, err := config.Load(abs)
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			return nil, fmt.Errorf("service config %s: %w", abs, err)
		}
		args = append(args, "--config", abs)
	}
	return &service.Config{
		Name:        "termd",
		DisplayName: "termd payment terminal daemon",
		Description: "Owns the card terminal and receipt printer and lets POS programs pay through them.",
		Arguments:   args,
		// No Dependencies: on Windows they name services, and a systemd
		// "After=" there would stop the service from ever starting. The
		// systemd unit termd writes says After=network.target itself.
		Option: service.KeyValue{
			"OnFailure":              "restart", // Windows
			"OnFailureDelayDuration": "5s",
		},
	}, nil
}

// program runs the daemon under a service manager.
type program struct {
	run    func(ctx context.Context) error
	cancel context.CancelFunc
	done   chan struct{}
	log    *zap.Logger
}

func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		if err := p.run(ctx); err != nil {
			// The manager restarts a service that exits in error.
			p.log.Error("termd failed", zap.Error(err))
			p.log.Sync()
			os.Exit(1)
		}
	}()
	return nil
}

func (p *program) Stop(service.Service) error {
	p.cancel()
	<-p.done
	return nil
}

// runService serves under the service manager until it says stop.
func runService(cfg config.Config, stderr io.Writer) int {
	log, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "termd: %v\n", err)
		return 1
	}
	defer closeLog()
	p := &program{log: log, run: func(ctx context.Context) error { return serve(ctx, nil, cfg, log) }}
	svc, err := service.New(p, &service.Config{Name: "termd"})
	if err == nil {
		err = svc.Run()
	}
	if err != nil {
		log.Error("termd service failed", zap.Error(err))
		return 1
	}
	return 0
}
