package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// SystemDir is where the Debian package keeps the configuration.
const SystemDir = "/etc/grouprise/conf.d"

// LocalFile is the file `grouprise settings set` writes into a configuration directory.
const LocalFile = "800-local.yaml"

// Options tell Load where to look; the zero value looks nowhere but SystemDir.
type Options struct {
	// Env holds the process environment ("KEY=value"): GROUPRISE_CONFIG and the
	// GROUPRISE_<KEY> overrides are read from it.
	Env []string
	// WorkDir and HomeDir are searched for grouprise.yaml, grouprise.conf.d and
	// ~/.config/grouprise/conf.d, as the Django grouprise did; empty skips them.
	WorkDir, HomeDir string
	// SystemDir replaces /etc/grouprise/conf.d (tests).
	SystemDir string
	// Overlay replaces the content of files (by path) or adds files, so that a change can be
	// validated before it is written.
	Overlay map[string][]byte
}

// Warning is something in the configuration that works but deserves a look.
type Warning struct {
	File, Key, Message string
	// Obsolete marks keys of the Django grouprise that have no effect here.
	Obsolete bool
}

func (w Warning) String() string {
	return fmt.Sprintf("%s: %s: %s", w.File, w.Key, w.Message)
}

// Error is an invalid configuration: one line naming the file, the key and what is expected.
type Error struct {
	File, Key, Msg string
	err            error // the cause, if a system call failed
}

// Unwrap returns the cause, so that errors.Is finds fs.ErrPermission in a file nobody may read.
func (e *Error) Unwrap() error { return e.err }

func (e *Error) Error() string {
	parts := []string{"config"}
	if e.File != "" {
		parts = append(parts, e.File)
	}
	if e.Key != "" {
		parts = append(parts, e.Key)
	}
	return strings.Join(append(parts, e.Msg), ": ")
}

// NotFoundError says that no configuration file was found and where Load looked.
type NotFoundError struct {
	Looked []string
}

func (e *NotFoundError) Error() string {
	return "config: no configuration found; looked in " + strings.Join(e.Looked, ", ") +
		" (set GROUPRISE_CONFIG to a file or directory)"
}

// obsoleteKeys are keys of the Django grouprise that the Go grouprise accepts and ignores.
var obsoleteKeys = map[string]string{
	"cache_storage":                   "the Go grouprise keeps no cache; ignored",
	"task_handler":                    "jobs are kept in the database; ignored",
	"debug_toolbar_clients":           "there is no Django debug toolbar; ignored",
	"extra_django_settings_filenames": "Django settings files have no effect; ignored",
}

var yamlName = regexp.MustCompile(`^[A-Za-z0-9_-]+\.yaml$`)

// Load finds the configuration, merges its files and the environment over the defaults,
// and validates the result. Errors are *Error or *NotFoundError.
func Load(opts Options) (*Config, error) {
	files, dir, err := opts.find()
	if err != nil {
		return nil, err
	}
	return opts.load(files, dir)
}

// LoadFiles reads exactly the given files, in order, without searching (tests, `--config`).
func LoadFiles(opts Options, files ...string) (*Config, error) {
	return opts.load(files, "")
}

func (o Options) load(files []string, dir string) (*Config, error) {
	v := viper.New()
	origins := map[string]string{}
	for _, f := range files {
		m, err := o.readYAML(f)
		if err != nil {
			return nil, err
		}
		m = lowerKeys(m)
		recordOrigins(origins, "", m, f)
		if err := v.MergeConfigMap(m); err != nil {
			return nil, &Error{File: f, Msg: err.Error()}
		}
	}
	known := knownKeys()
	for _, kv := range o.Env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "GROUPRISE_") {
			continue
		}
		key := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, "GROUPRISE_")), "__", ".")
		if !known[key] {
			continue
		}
		var parsed any
		if err := yaml.Unmarshal([]byte(value), &parsed); err != nil || parsed == nil {
			parsed = value
		}
		v.Set(key, parsed)
		origins[key] = "environment variable " + name
	}

	cfg := defaults()
	d := decoder{origins: origins}
	d.structFields(v.AllSettings(), "", &cfg)
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	cfg.resolve()
	if err := cfg.validate(d.originOf); err != nil {
		return nil, err
	}
	cfg.Location() // loaded now, so that concurrent readers find it
	cfg.Sources = files
	cfg.Dir = dir
	if len(cfg.ExtraAllowedHosts) > 0 {
		// Django refused requests for other host names; here every link and address is built
		// from domain, never from a request's Host header, so there is nothing to allow.
		d.warnings = append(d.warnings, Warning{File: d.originOf("extra_allowed_hosts"), Key: "extra_allowed_hosts", Obsolete: true,
			Message: "has no effect: links are built from domain, never from a request's Host header"})
	}
	slices.SortFunc(d.warnings, func(a, b Warning) int { return strings.Compare(a.Key, b.Key) })
	cfg.Warnings = d.warnings
	return &cfg, nil
}

// find returns the files of the first candidate location that holds any.
func (o Options) find() (files []string, dir string, err error) {
	var candidates []string
	if p := o.getenv("GROUPRISE_CONFIG"); p != "" {
		candidates = []string{p}
	} else {
		if o.WorkDir != "" {
			candidates = append(candidates,
				filepath.Join(o.WorkDir, "grouprise.yaml"),
				filepath.Join(o.WorkDir, "grouprise.conf.d"))
		}
		if o.HomeDir != "" {
			candidates = append(candidates, filepath.Join(o.HomeDir, ".config", "grouprise", "conf.d"))
		}
		sys := o.SystemDir
		if sys == "" {
			sys = SystemDir
		}
		candidates = append(candidates, sys)
	}
	for _, c := range candidates {
		isDir, exists := o.stat(c)
		if !exists {
			continue
		}
		if !isDir {
			return []string{c}, "", nil
		}
		files, err := o.scan(c, 0)
		if err != nil {
			return nil, "", err
		}
		if len(files) > 0 {
			return files, c, nil
		}
	}
	return nil, "", &NotFoundError{Looked: candidates}
}

func (o Options) getenv(name string) string {
	for _, kv := range o.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func (o Options) stat(path string) (isDir, exists bool) {
	if _, ok := o.Overlay[path]; ok {
		return false, true
	}
	fi, err := os.Stat(path)
	if err != nil {
		// A directory that exists only through the overlay still counts.
		for p := range o.Overlay {
			if filepath.Dir(p) == path {
				return true, true
			}
		}
		return false, false
	}
	return fi.IsDir(), true
}

// scan lists the YAML files below dir in name order, descending into subdirectories where
// they sort, at most ten levels deep, as the Django grouprise did.
func (o Options) scan(dir string, depth int) ([]string, error) {
	if depth > 10 {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{File: dir, Msg: fmt.Sprintf("cannot read directory: %v", err)}
	}
	type entry struct {
		name  string
		isDir bool
	}
	var list []entry
	for _, e := range entries {
		list = append(list, entry{e.Name(), e.IsDir()})
	}
	for p := range o.Overlay {
		if filepath.Dir(p) == dir && !slices.ContainsFunc(list, func(e entry) bool { return e.name == filepath.Base(p) }) {
			list = append(list, entry{filepath.Base(p), false})
		}
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var files []string
	for _, e := range list {
		p := filepath.Join(dir, e.name)
		switch {
		case e.isDir:
			sub, err := o.scan(p, depth+1)
			if err != nil {
				return nil, err
			}
			files = append(files, sub...)
		case yamlName.MatchString(e.name):
			files = append(files, p)
		}
	}
	return files, nil
}

func (o Options) readYAML(path string) (map[string]any, error) {
	data, ok := o.Overlay[path]
	if !ok {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read: %v", err), err: err}
		}
	}
	return parseYAML(path, data)
}

func parseYAML(path string, data []byte) (map[string]any, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: path, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	switch m := doc.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return m, nil
	default:
		return nil, &Error{File: path, Msg: "expected a mapping of keys to values at the top level"}
	}
}

// lowerKeys makes keys case-insensitive, as the Django grouprise did.
func lowerKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = lowerKeys(sub)
		}
		out[strings.ToLower(k)] = v
	}
	return out
}

func recordOrigins(origins map[string]string, prefix string, m map[string]any, file string) {
	for k, v := range m {
		key := joinKey(prefix, k)
		origins[key] = file
		if sub, ok := v.(map[string]any); ok {
			recordOrigins(origins, key, sub, file)
		}
	}
}

func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// WritableFile is the file `grouprise settings set` changes unless told otherwise:
// 800-local.yaml in the configuration directory that Load finds (or would create), or the
// single file named by GROUPRISE_CONFIG.
func (o Options) WritableFile() string {
	if files, dir, err := o.find(); err == nil {
		if dir == "" {
			return files[0]
		}
		return filepath.Join(dir, LocalFile)
	}
	if p := o.getenv("GROUPRISE_CONFIG"); p != "" {
		if strings.HasSuffix(p, ".yaml") {
			return p
		}
		return filepath.Join(p, LocalFile)
	}
	sys := o.SystemDir
	if sys == "" {
		sys = SystemDir
	}
	return filepath.Join(sys, LocalFile)
}
