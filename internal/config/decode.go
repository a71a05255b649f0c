package config

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// decoder copies the merged settings into the typed Config, naming the key and the file
// that set it when a value has the wrong type, and collecting unknown keys as warnings.
type decoder struct {
	origins  map[string]string
	errs     []error
	warnings []Warning
}

// originOf names where key was set: the file, or the environment variable, that set it or
// its nearest parent.
func (d *decoder) originOf(key string) string {
	for k := key; k != ""; {
		if o, ok := d.origins[k]; ok {
			return o
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return "defaults"
}

func (d *decoder) fail(key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.originOf(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// structFields decodes m into the struct that ptr points to; prefix is the key of m.
func (d *decoder) structFields(m map[string]any, prefix string, ptr any) {
	rv := reflect.ValueOf(ptr).Elem()
	rt := rv.Type()
	names := map[string]bool{}
	for i := range rt.NumField() {
		name := yamlKey(rt.Field(i))
		if name == "" {
			continue
		}
		names[name] = true
		if val, ok := m[name]; ok && val != nil {
			d.value(val, joinKey(prefix, name), rv.Field(i))
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if names[k] {
			continue
		}
		key := joinKey(prefix, k)
		if msg, ok := obsoleteKeys[key]; ok {
			d.warnings = append(d.warnings, Warning{File: d.originOf(key), Key: key, Message: msg, Obsolete: true})
			continue
		}
		d.warnings = append(d.warnings, Warning{File: d.originOf(key), Key: key,
			Message: "unknown key, ignored (misspelt or outdated?)"})
	}
}

func yamlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// value decodes one YAML value into dst, by dst's kind.
func (d *decoder) value(val any, key string, dst reflect.Value) {
	switch dst.Kind() {
	case reflect.Struct:
		m, ok := val.(map[string]any)
		if !ok {
			d.fail(key, "expected a mapping of keys to values, got %s", describe(val))
			return
		}
		d.structFields(m, key, dst.Addr().Interface())
	case reflect.String:
		s, ok := scalarString(val)
		if !ok {
			d.fail(key, "expected a text value, got %s", describe(val))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := boolValue(val)
		if !ok {
			d.fail(key, "expected true or false, got %s", describe(val))
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, ok := intValue(val)
		if !ok {
			d.fail(key, "expected a whole number, got %s", describe(val))
			return
		}
		dst.SetInt(n)
	case reflect.Float64:
		f, ok := floatValue(val)
		if !ok {
			d.fail(key, "expected a number, got %s", describe(val))
			return
		}
		dst.SetFloat(f)
	case reflect.Slice:
		list, ok := val.([]any)
		if !ok {
			d.fail(key, "expected a list, got %s", describe(val))
			return
		}
		out := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, item := range list {
			if item == nil {
				d.fail(fmt.Sprintf("%s[%d]", key, i), "expected a value, got nothing")
				continue
			}
			d.value(item, fmt.Sprintf("%s[%d]", key, i), out.Index(i))
		}
		dst.Set(out)
	case reflect.Map:
		m, ok := val.(map[string]any)
		if !ok {
			d.fail(key, "expected a mapping of keys to values, got %s", describe(val))
			return
		}
		dst.Set(reflect.ValueOf(m))
	default:
		panic(fmt.Sprintf("config: no decoder for %s (%s)", key, dst.Type()))
	}
}

func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v), true
	}
	return "", false
}

// boolValue accepts YAML 1.2 booleans and the YAML 1.1 words PyYAML read as booleans, so
// files written for the Django grouprise keep their meaning.
func boolValue(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "true", "yes", "on", "y":
			return true, true
		case "false", "no", "off", "n":
			return false, true
		}
	}
	return false, false
}

func intValue(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func floatValue(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

func describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return strconv.Quote(v)
	default:
		return fmt.Sprint(v)
	}
}

// knownKeys lists every key of Config, nested keys with dots; environment variables may
// override exactly these.
func knownKeys() map[string]bool {
	keys := map[string]bool{}
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for i := range t.NumField() {
			name := yamlKey(t.Field(i))
			if name == "" {
				continue
			}
			key := joinKey(prefix, name)
			keys[key] = true
			if t.Field(i).Type.Kind() == reflect.Struct {
				walk(key, t.Field(i).Type)
			}
		}
	}
	walk("", reflect.TypeFor[Config]())
	return keys
}
