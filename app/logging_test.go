package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

// TestJSONHandlerConformance runs the standard library's conformance suite for slog handlers.
func TestJSONHandlerConformance(t *testing.T) {
	var buf bytes.Buffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf.Reset()
		return newJSONHandler(&buf, slog.LevelDebug)
	}, func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", buf.String(), err)
		}
		return m
	})
}

type logValuer struct{ name string }

func (v logValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", v.name), slog.Int("len", len(v.name)))
}

type marshalingError struct{}

func (marshalingError) Error() string                { return "as error" }
func (marshalingError) MarshalJSON() ([]byte, error) { return []byte(`{"as":"json"}`), nil }

// TestJSONHandlerMatchesSlog logs the same records through this handler and slog.JSONHandler and
// wants the same JSON, value for value.
func TestJSONHandlerMatchesSlog(t *testing.T) {
	when := time.Date(2026, 11, 26, 1, 2, 3, 456789012, time.UTC)
	tests := map[string]struct {
		attrs  []slog.Attr
		with   []slog.Attr
		groups []string
	}{
		"access line": {attrs: []slog.Attr{
			slog.String("method", "GET"), slog.String("route", "/healthz"), slog.Int("status", 200),
			slog.Int64("latencyUs", 123), slog.Int("bytes", 15), slog.String("requestId", "abc"),
			slog.String("clientIp", "203.0.113.7"),
		}},
		"escapes": {attrs: []slog.Attr{
			slog.String("quote", `a"b\c`), slog.String("control", "a\x00b\x1fc\n\r\t"),
			slog.String("html", "<script>&</script>"), slog.String("unicode", "Zoë 😀 \u2028\u2029"),
			slog.String("invalid utf-8", "a\xffb\xc3"), slog.String(`key "with" \ quote`, "v"),
		}},
		"kinds": {attrs: []slog.Attr{
			slog.Int64("min", math.MinInt64), slog.Uint64("max", math.MaxUint64), slog.Bool("yes", true),
			slog.Float64("pi", math.Pi), slog.Float64("big", 1e21), slog.Float64("tiny", 1e-7), slog.Float64("zero", 0),
			slog.Duration("d", 1500*time.Millisecond), slog.Time("t", when),
			slog.Any("err", errors.New("boom")), slog.Any("marshaler", marshalingError{}),
			slog.Any("map", map[string]int{"a": 1}), slog.Any("nil", nil), slog.Any("slice", []string{"<a>"}),
			slog.Any("valuer", logValuer{"x"}),
		}},
		"groups": {
			with:   []slog.Attr{slog.String("version", "v1")},
			groups: []string{"outer", "inner"},
			attrs:  []slog.Attr{slog.Group("g", slog.Int("a", 1), slog.Group("empty")), slog.Group("", slog.Int("inlined", 2)), {}},
		},
		"empty group": {groups: []string{"unused"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var ours, theirs bytes.Buffer
			for _, out := range []struct {
				h   slog.Handler
				buf *bytes.Buffer
			}{{newJSONHandler(&ours, slog.LevelInfo), &ours}, {slog.NewJSONHandler(&theirs, nil), &theirs}} {
				h := out.h.WithAttrs(tt.with)
				for _, g := range tt.groups {
					h = h.WithGroup(g)
				}
				r := slog.NewRecord(when, slog.LevelWarn+1, "message \"quoted\"", 0)
				r.AddAttrs(tt.attrs...)
				if err := h.Handle(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.HasSuffix(ours.String(), "}\n") || strings.Count(ours.String(), "\n") != 1 {
				t.Errorf("line %q is not one line of JSON", ours.String())
			}
			var got, want any
			if err := json.Unmarshal(ours.Bytes(), &got); err != nil {
				t.Fatalf("our line %q is not JSON: %v", ours.String(), err)
			}
			if err := json.Unmarshal(theirs.Bytes(), &want); err != nil {
				t.Fatalf("slog's line %q is not JSON: %v", theirs.String(), err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("line differs from slog.JSONHandler's:\n got %s\nwant %s", ours.String(), theirs.String())
			}
		})
	}
}

func TestJSONHandlerSpecialFloats(t *testing.T) {
	var buf bytes.Buffer
	slog.New(newJSONHandler(&buf, slog.LevelInfo)).Info("m", "nan", math.NaN(), "inf", math.Inf(-1))
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("line %q is not JSON: %v", buf.String(), err)
	}
	if m["nan"] != "NaN" || m["inf"] != "-Inf" {
		t.Errorf("nan, inf = %v, %v, want the strings NaN, -Inf", m["nan"], m["inf"])
	}
}

func TestJSONHandlerLevel(t *testing.T) {
	var buf bytes.Buffer
	var level slog.LevelVar
	level.Set(slog.LevelWarn)
	logger := slog.New(newJSONHandler(&buf, &level))
	logger.Info("dropped")
	logger.Warn("kept")
	if got := strings.Count(buf.String(), "\n"); got != 1 || !strings.Contains(buf.String(), `"msg":"kept"`) {
		t.Errorf("at level WARN wrote %q, want only the warning", buf.String())
	}
}

// FuzzAppendString: any string encodes to a JSON string that decodes to what encoding/json's own
// encoding decodes to.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "\x00\x1f\x7f", "é😀", "\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		encoded := appendString(nil, s)
		var got string
		if err := json.Unmarshal(encoded, &got); err != nil {
			t.Fatalf("appendString(%q) = %s, not a JSON string: %v", s, encoded, err)
		}
		reference, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(reference, &want)
		if got != want {
			t.Errorf("appendString(%q) decodes to %q, want %q", s, got, want)
		}
	})
}

func BenchmarkJSONHandler(b *testing.B) {
	attrs := []slog.Attr{
		slog.String("method", "GET"), slog.String("route", "/healthz"), slog.Int("status", 200),
		slog.Int64("latencyUs", 123), slog.Int("bytes", 15), slog.String("requestId", "0b9c6c1e-7f3a-4c55-9d7e-0c5e7c2b1a11"),
		slog.String("clientIp", "203.0.113.7"),
	}
	for _, h := range []struct {
		name string
		h    slog.Handler
	}{
		{"app", newJSONHandler(discardWriter{}, slog.LevelInfo)},
		{"slog", slog.NewJSONHandler(discardWriter{}, nil)},
	} {
		b.Run(h.name, func(b *testing.B) {
			logger := slog.New(h.h).With(slog.String("version", "v1.2.3"))
			b.ReportAllocs()
			for b.Loop() {
				logger.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
			}
		})
	}
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
