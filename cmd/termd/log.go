package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/termd/termd/service/config"
)

// newLogger builds the one logger of the process: readable lines on the
// console in the foreground, JSON to a rotating file for the record.
func newLogger(cfg config.Config, console io.Writer) (*zap.Logger, func(), error) {
	level, err := zapcore.ParseLevel(cfg.Log.Level)
	if err != nil {
		return nil, nil, err
	}
	var cores []zapcore.Core
	if cfg.Log.Console {
		enc := zap.NewDevelopmentEncoderConfig()
		enc.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		cores = append(cores, zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(console), level))
	}
	closeFile := func() {}
	if file := cfg.LogFile(); file != "" {
		if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
			return nil, nil, fmt.Errorf("cannot create the folder of the log file (log.file, by default in dataDir): %w", err)
		}
		lj := &lumberjack.Logger{Filename: file, MaxSize: cfg.Log.MaxSizeMB, MaxBackups: cfg.Log.MaxBackups, Compress: true}
		closeFile = func() { lj.Close() }
		cores = append(cores, zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(lj), level))
	}
	log := zap.New(zapcore.NewTee(cores...))
	return log, func() { log.Sync(); closeFile() }, nil
}
