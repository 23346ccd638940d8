package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// newLogger returns the JSON logger every line of the API goes through. Each line carries the
// version, so logs from a rolling deployment tell the two task definitions apart.
func newLogger(w io.Writer, cfg config) *slog.Logger {
	return slog.New(newJSONHandler(w, cfg.logLevel)).With(slog.String("version", cfg.version))
}

// jsonHandler is a slog.Handler that writes each record as one line of JSON, in the format of
// slog.JSONHandler: "time" (RFC 3339, nanoseconds), "level", "msg", then the attributes, groups as
// nested objects. It exists for speed: every request logs a line, and appending it straight into
// a pooled buffer takes about two thirds of slog.JSONHandler's time (BenchmarkJSONHandler).
// It keeps slog's rules (testing/slogtest checks them): empty attributes and empty groups are
// left out, an empty group key inlines the group, LogValuers are resolved.
type jsonHandler struct {
	w     io.Writer
	mu    *sync.Mutex // shared by the handlers derived with WithAttrs and WithGroup, as is pool
	pool  *sync.Pool  // of *[]byte line buffers
	level slog.Leveler

	attrs  []byte   // attributes from WithAttrs, encoded, each preceded by its comma
	groups []string // groups from WithGroup, outermost first
	opened int      // how many of groups attrs has opened
}

func newJSONHandler(w io.Writer, level slog.Leveler) *jsonHandler {
	return &jsonHandler{
		w:     w,
		mu:    &sync.Mutex{},
		pool:  &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }},
		level: level,
	}
}

func (h *jsonHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

func (h *jsonHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	buf := slices.Clip(h.attrs)
	buf = openGroups(buf, h.groups[h.opened:])
	wrote := false
	for _, a := range attrs {
		var ok bool
		buf, ok = appendAttr(buf, a)
		wrote = wrote || ok
	}
	if !wrote {
		return h // nothing to add: the groups stay unopened, so that an empty group never shows
	}
	h2.attrs = buf
	h2.opened = len(h.groups)
	return &h2
}

func (h *jsonHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(slices.Clip(h.groups), name)
	return &h2
}

func (h *jsonHandler) Handle(_ context.Context, r slog.Record) error {
	bp := h.pool.Get().(*[]byte)
	buf := append((*bp)[:0], '{')
	if !r.Time.IsZero() {
		buf = append(buf, `"time":`...)
		buf = appendTime(buf, r.Time)
		buf = append(buf, ',')
	}
	buf = append(buf, `"level":`...)
	buf = appendString(buf, r.Level.String())
	buf = append(buf, `,"msg":`...)
	buf = appendString(buf, r.Message)
	buf = append(buf, h.attrs...)

	opened := h.opened
	if r.NumAttrs() > 0 {
		mark := len(buf)
		buf = openGroups(buf, h.groups[h.opened:])
		wrote := false
		r.Attrs(func(a slog.Attr) bool {
			var ok bool
			buf, ok = appendAttr(buf, a)
			wrote = wrote || ok
			return true
		})
		if wrote {
			opened = len(h.groups)
		} else {
			buf = buf[:mark]
		}
	}
	for range opened {
		buf = append(buf, '}')
	}
	buf = append(buf, '}', '\n')

	h.mu.Lock()
	_, err := h.w.Write(buf)
	h.mu.Unlock()
	if cap(buf) <= 64<<10 { // a rare huge line is not worth keeping
		*bp = buf
		h.pool.Put(bp)
	}
	return err
}

// openGroups starts a nested object for each group.
func openGroups(buf []byte, groups []string) []byte {
	for _, g := range groups {
		buf = appendKey(buf, g)
		buf = append(buf, '{')
	}
	return buf
}

// appendKey appends the separator and "key":.
func appendKey(buf []byte, key string) []byte {
	if len(buf) == 0 || buf[len(buf)-1] != '{' {
		buf = append(buf, ',')
	}
	buf = appendString(buf, key)
	return append(buf, ':')
}

// appendAttr appends a, reporting whether it wrote anything: empty attributes and groups without
// attributes are left out, and a group with an empty key is inlined.
func appendAttr(buf []byte, a slog.Attr) ([]byte, bool) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return buf, false
	}
	if a.Value.Kind() != slog.KindGroup {
		buf = appendKey(buf, a.Key)
		return appendValue(buf, a.Value), true
	}
	members := a.Value.Group()
	mark := len(buf)
	if a.Key != "" {
		buf = appendKey(buf, a.Key)
		buf = append(buf, '{')
	}
	wrote := false
	for _, m := range members {
		var ok bool
		buf, ok = appendAttr(buf, m)
		wrote = wrote || ok
	}
	if !wrote {
		return buf[:mark], false
	}
	if a.Key != "" {
		buf = append(buf, '}')
	}
	return buf, true
}

// appendValue appends v as slog.JSONHandler would.
func appendValue(buf []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(buf, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(buf, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(buf, v.Uint64(), 10)
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return appendString(buf, strconv.FormatFloat(f, 'g', -1, 64)) // JSON has no NaN or Inf
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(buf, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(buf, int64(v.Duration()), 10)
	case slog.KindTime:
		return appendTime(buf, v.Time())
	}
	val := v.Any()
	if err, ok := val.(error); ok {
		if _, isMarshaler := val.(json.Marshaler); !isMarshaler {
			return appendString(buf, err.Error())
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(val); err != nil {
		return appendString(buf, "!ERROR:"+err.Error())
	}
	return append(buf, bytes.TrimRight(out.Bytes(), "\n")...)
}

func appendTime(buf []byte, t time.Time) []byte {
	buf = append(buf, '"')
	buf = t.AppendFormat(buf, time.RFC3339Nano)
	return append(buf, '"')
}

// appendString appends s as a JSON string. Like slog.JSONHandler (and unlike encoding/json's
// default), it leaves < > & alone; invalid UTF-8 becomes U+FFFD.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' { // valid JSON, but they end lines in JavaScript
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
