// Package config is termd's configuration: one YAML file, every key of
// which is also a command-line flag that overrides it. Errors name the key.
package config
