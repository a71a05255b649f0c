package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"

	"grouprise.org/grouprise/internal/config"
)

func runSettings(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: grouprise settings get KEY | set KEY [--file FILE] < VALUE | dump")
	}
	switch args[0] {
	case "get":
		return settingsGet(e, args[1:])
	case "set":
		return settingsSet(e, args[1:])
	case "dump":
		return settingsDump(e, args[1:])
	}
	return usagef("unknown settings command %q; expected get, set or dump", args[0])
}

// settingsGet prints the effective value of a key as YAML; an unset text prints nothing.
func settingsGet(e *env, args []string) error {
	pos, err := parse(e.flags("settings get", "KEY"), args, 1, 1)
	if err != nil {
		return err
	}
	cfg, _, err := e.loadConfig()
	if err != nil {
		return err
	}
	v, err := cfg.Lookup(pos[0])
	if err != nil {
		return err
	}
	if s, ok := v.(string); ok {
		if s != "" {
			fmt.Fprintln(e.stdout, s)
		}
		return nil
	}
	return writeYAML(e.stdout, v)
}

func settingsDump(e *env, args []string) error {
	if _, err := parse(e.flags("settings dump", ""), args, 0, 0); err != nil {
		return err
	}
	cfg, _, err := e.loadConfig()
	if err != nil {
		return err
	}
	for _, f := range cfg.Sources {
		fmt.Fprintf(e.stdout, "# read from %s\n", f)
	}
	return writeYAML(e.stdout, cfg.Map())
}

// settingsSet reads a YAML value from stdin and stores it under KEY in one file (by default
// 800-local.yaml of the configuration directory). The file is written only if the whole
// configuration is valid with the change.
func settingsSet(e *env, args []string) error {
	flags := e.flags("settings set", "KEY [--file FILE] < VALUE")
	file := flags.String("file", "", "the file to change (default: 800-local.yaml in the configuration directory)")
	pos, err := parse(flags, args, 1, 1)
	if err != nil {
		return err
	}
	opts := e.options()
	target := *file
	if target == "" {
		target = opts.WritableFile()
	}
	input, err := io.ReadAll(e.stdin)
	if err != nil {
		return fmt.Errorf("read the value: %w", err)
	}
	var value any
	if err := yaml.Unmarshal(input, &value); err != nil {
		return usagef("the value on stdin is not YAML: %v", err)
	}
	old, err := os.ReadFile(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data, err := config.SetValue(target, old, pos[0], value)
	if err != nil {
		return err
	}
	opts.Overlay = map[string][]byte{target: data}
	if _, err := config.Load(opts); err != nil {
		return err
	}
	return config.WriteFile(target, data)
}

func writeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}
