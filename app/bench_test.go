package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// discardWriter is an http.ResponseWriter that keeps only the status, so that the benchmark
// measures the handlers rather than a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkHandlers measures the API's full stack in process, without the network (Gin, request
// ID, the JSON access log written to io.Discard, recovery, body limit, the handler), per route:
// where a request's time and allocations go. `just bench` measures it on loopback.
func BenchmarkHandlers(b *testing.B) {
	cfg := testConfig(b, env{"TRUSTED_PROXIES": "10.0.0.0/16"})
	srv := NewServer(newLogger(io.Discard, cfg), cfg, readTaskMetadata("", 0), time.Now)
	for _, target := range []string{"/healthz", "/api/v1/hello?name=bench"} {
		b.Run(target, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.RemoteAddr = "10.0.1.5:40000"
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				w.status = 0
				srv.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("GET %s: status %d", target, w.status)
				}
			}
		})
	}
}
