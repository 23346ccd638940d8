package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/app/internal/bench/bare"
)

// benchWriter is a reusable http.ResponseWriter that keeps nothing, so that the benchmarks measure
// the handlers rather than a recorder.
type benchWriter struct {
	header http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) WriteHeader(status int)      { w.status = status }
func (w *benchWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// BenchmarkHandlers compares the API's full stack (Gin, request ID, JSON access log, recovery,
// body limit, the handler) with the bare net/http handler serving the same JSON. The access log is
// on: JSON lines formatted and written to io.Discard.
func BenchmarkHandlers(b *testing.B) {
	cfg := testConfig(b, env{"TRUSTED_PROXIES": "10.0.0.0/16"})
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"app", NewServer(newLogger(io.Discard, cfg), cfg, readTaskMetadata("", 0), time.Now)},
		{"bare", bare.Handler()},
	}
	for _, target := range []string{"/healthz", "/api/v1/hello?name=bench"} {
		for _, tt := range handlers {
			b.Run(strings.TrimPrefix(strings.ReplaceAll(target, "/", "_"), "_")+"/"+tt.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.RemoteAddr = "10.0.1.5:40000"
				req.Header.Set("X-Forwarded-For", "203.0.113.7")
				w := &benchWriter{header: http.Header{}}
				want := 0
				b.ReportAllocs()
				for b.Loop() {
					clear(w.header)
					w.n = 0
					req.Body = http.NoBody // the body limit wraps the body: undo it
					tt.h.ServeHTTP(w, req)
					if want == 0 {
						want = w.n
					}
					if w.n != want || w.n == 0 {
						b.Fatalf("wrote %d bytes, want %d", w.n, want)
					}
				}
			})
		}
	}
}
