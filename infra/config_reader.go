package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// configReader reads typed values and collects every problem instead of stopping at the first.
type configReader struct {
	src  configSource
	errs []error
}

func (r *configReader) key(name string) string { return r.src.project + ":" + name }

func (r *configReader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", r.key(name), fmt.Sprintf(format, args...)))
}

func (r *configReader) raw(name string) (string, bool) {
	v, ok := r.src.lookup(r.key(name))
	return v, ok
}

func (r *configReader) str(name, def string) string {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	return strings.TrimSpace(v)
}

func (r *configReader) integer(name string, def int) int {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		r.fail(name, "%q is not an integer", v)
		return def
	}
	return n
}

func (r *configReader) boolean(name string, def bool) bool {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		r.fail(name, "%q is not a boolean; allowed: true or false", v)
		return def
	}
	return b
}

func (r *configReader) strings(name string, def []string) []string {
	v, ok := r.raw(name)
	if !ok {
		return slices.Clone(def)
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		r.fail(name, "%q is not a list of strings", v)
		return slices.Clone(def)
	}
	return out
}

// object reads a JSON object of string values. The value itself never appears in an error,
// because the object may hold secrets.
func (r *configReader) object(name string) map[string]string {
	v, ok := r.raw(name)
	if !ok || strings.TrimSpace(v) == "" {
		return map[string]string{}
	}
	var generic map[string]any
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil || generic == nil {
		r.fail(name, "is not an object of NAME: value pairs")
		return map[string]string{}
	}
	out := make(map[string]string, len(generic))
	for k, val := range generic {
		switch x := val.(type) {
		case string:
			out[k] = x
		case bool, json.Number:
			out[k] = fmt.Sprint(x)
		default:
			r.fail(name, "value of %s must be a string, number or boolean", k)
		}
	}
	return out
}
