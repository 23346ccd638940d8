package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// configReader reads typed values and collects every problem instead of stopping at the first.
// Every key has its default in Pulumi.yaml, which the Pulumi CLI passes on, so a key that is
// missing is an error, not a reason to fall back to a value of the program's own.
type configReader struct {
	src  configSource
	errs []error
	// unread are keys whose value could not be read; each has its error already, and checks of
	// the zero value read in its place would only repeat it.
	unread map[string]bool
}

func (r *configReader) key(name string) string { return r.src.project + ":" + name }

func (r *configReader) fail(name, format string, args ...any) {
	if r.unread[name] {
		return
	}
	r.errs = append(r.errs, fmt.Errorf("%s: %s", r.key(name), fmt.Sprintf(format, args...)))
}

// failRead reports a value that could not be read and keeps its later checks quiet.
func (r *configReader) failRead(name, format string, args ...any) {
	r.fail(name, format, args...)
	if r.unread == nil {
		r.unread = map[string]bool{}
	}
	r.unread[name] = true
}

func (r *configReader) raw(name string) (string, bool) {
	return r.src.lookup(r.key(name))
}

// value is the key's raw value, or "" and false when the CLI did not pass it.
func (r *configReader) value(name string) (string, bool) {
	v, ok := r.raw(name)
	if !ok {
		r.failRead(name, "is not set; allowed: a value, or the default Pulumi.yaml declares for it, which the "+
			"Pulumi CLI passes to the program (run it through pulumi preview or pulumi up)")
	}
	return v, ok
}

func (r *configReader) str(name string) string {
	v, _ := r.value(name)
	return strings.TrimSpace(v)
}

func (r *configReader) integer(name string) int {
	v, ok := r.value(name)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		r.failRead(name, "%q is not an integer", v)
	}
	return n
}

func (r *configReader) boolean(name string) bool {
	v, ok := r.value(name)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		r.failRead(name, "%q is not a boolean; allowed: true or false", v)
	}
	return b
}

func (r *configReader) strings(name string) []string {
	v, ok := r.value(name)
	if !ok {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		r.failRead(name, "%q is not a list of strings", v)
		return nil
	}
	return out
}

// object reads a JSON object of string values. The value itself never appears in an error,
// because the object may hold secrets.
func (r *configReader) object(name string) map[string]string {
	v, ok := r.value(name)
	if !ok || strings.TrimSpace(v) == "" {
		return map[string]string{}
	}
	var generic map[string]any
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil || generic == nil {
		r.failRead(name, "is not an object of NAME: value pairs")
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
