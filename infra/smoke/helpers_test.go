package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// standIn is a stand-in for the deployed API: the health path, the info
// endpoint reporting version, and the app's JSON 404 carrying the request ID.
func standIn(version string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /api/v1/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"service":"gin-fargate","version":%q,"uptime":"1m2s","task":{"availabilityZone":"us-east-1a"}}`, version))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		w.Header().Set("X-Request-ID", id)
		writeJSON(w, http.StatusNotFound, fmt.Sprintf(`{"error":{"code":"not_found","message":"no route for %s","requestId":%q}}`, r.URL.Path, id))
	})
	return mux
}

// loadBalancer404 answers like the ALB's fixed-response default action.
func loadBalancer404(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, `{"error":{"code":"not_found","message":"Not found"}}`)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// serve starts an HTTP server for h, closed when the test ends.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// serveTLS starts an HTTPS server for h and returns it with a pool that trusts its certificate.
func serveTLS(t *testing.T, h http.Handler) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are what some tests want
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return ts, pool
}

// testClient is the smoke client with roots, a short request timeout, and
// every connection dialled to addr when addr is not empty (so a URL can carry
// any host name).
func testClient(roots *x509.CertPool, addr string) *http.Client {
	c := newClient(roots, 2*time.Second, "smoke-test")
	if addr != "" {
		tr := c.Transport.(*requestIDTransport).next.(*http.Transport)
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	}
	return c
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u
}
