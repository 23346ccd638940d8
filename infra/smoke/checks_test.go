package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// api stands in for the deployed API: the health path, the info endpoint reporting version, and
// the API's 404 for everything else.
func api(version string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+contract.HealthPath, respond(http.StatusOK, `{"status":"ok"}`))
	mux.Handle("GET "+infoPath, respond(http.StatusOK, fmt.Sprintf(`{"service":"gin-fargate","version":%q,"uptime":"1m2s"}`, version)))
	mux.HandleFunc("/", api404)
	return mux
}

// api404 answers like the API for a path it does not route: the error body with the request ID.
func api404(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-ID")
	w.Header().Set("X-Request-ID", id)
	writeError(w, contract.ErrorBody{Code: contract.CodeNotFound, Message: "no route for " + r.URL.Path, RequestID: id})
}

// loadBalancer404 answers like the load balancer's fixed response: the error body without a request ID.
func loadBalancer404(w http.ResponseWriter, _ *http.Request) {
	writeError(w, contract.ErrorBody{Code: contract.CodeNotFound, Message: "Not found"})
}

func writeError(w http.ResponseWriter, e contract.ErrorBody) {
	body, _ := json.Marshal(contract.ErrorResponse{Error: e})
	respond(http.StatusNotFound, string(body))(w, nil)
}

// respond answers every request with status and a JSON body.
func respond(status int, body string) http.HandlerFunc {
	return respondAs(status, "application/json; charset=utf-8", body)
}

func respondAs(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// serve starts an HTTP server for h, closed when the test ends.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// serveTLS starts an HTTPS server for h with its own CA, and returns it with roots that trust it.
func serveTLS(t *testing.T, h http.Handler) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are what some tests want
	ts.StartTLS()
	t.Cleanup(ts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	return ts, roots
}

// testProber probes base, trusting roots (nil: the system roots), expecting version.
func testProber(t *testing.T, base, version string, roots *x509.CertPool) *prober {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return &prober{target: target{base: u, version: version}, client: newClient(roots, time.Second), runID: "smoke-test", now: time.Now}
}

// outcome is one probe's result as the report would show it: "PASS detail", "FAIL error" or "SKIP reason".
func outcome(detail string, err error) string {
	switch err.(type) {
	case nil:
		return "PASS " + detail
	case skipError:
		return "SKIP " + err.Error()
	}
	return "FAIL " + err.Error()
}

// probeCase is one answer of a stand-in and the start of the outcome a check gives it.
type probeCase struct {
	name    string
	handler http.Handler
	want    string
}

func TestHealthz(t *testing.T) {
	for _, tt := range []probeCase{
		{"healthy", api("v1"), `PASS 200 {"status":"ok"}`},
		{"unhealthy", respond(503, `{"status":"draining"}`), `FAIL GET /healthz: 503 {"status":"draining"}, want 200 {"status":"ok"}`},
		{"200 with another body", respondAs(200, "text/plain", "OK"), `FAIL GET /healthz: 200 OK, want 200 {"status":"ok"}`},
		{"not forwarded by the load balancer", http.HandlerFunc(loadBalancer404), "SKIP the load balancer answers 404 for /healthz"},
		{"the API's 404", http.HandlerFunc(api404), "FAIL GET /healthz: 404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assertOutcome(t, tt.want)(testProber(t, serve(t, tt.handler).URL, "", nil).healthz(t.Context()))
		})
	}
}

func TestInfo(t *testing.T) {
	for _, tt := range []struct {
		name, expect string
		handler      http.Handler
		want         string
	}{
		{"expected version", "3f2a9c1b", api("3f2a9c1b"), `PASS 200 service "gin-fargate" version "3f2a9c1b" uptime 1m2s`},
		{"wrong version", "0d1e2f3a", api("3f2a9c1b"), `FAIL GET /api/v1/info: version "3f2a9c1b", want "0d1e2f3a" (tasks of the previous deployment may still be serving)`},
		{"no expected version", "", api("dev"), `PASS 200 service "gin-fargate" version "dev" uptime 1m2s (not compared)`},
		{"no version", "v1", respond(200, `{"service":"gin-fargate"}`), `FAIL GET /api/v1/info: 200 "application/json; charset=utf-8" {"service":"gin-fargate"}, want 200 application/json with a version`},
		{"not JSON", "v1", respondAs(200, "text/html", "<html>hi</html>"), `FAIL GET /api/v1/info: 200 "text/html" <html>hi</html>, want`},
		{"JSON that does not decode", "v1", respond(200, `{"version":`), `FAIL GET /api/v1/info: 200 "application/json; charset=utf-8" {"version":, want`},
		{"server error", "v1", respond(500, `{"error":{"code":"internal","message":"boom"}}`), `FAIL GET /api/v1/info: 500`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assertOutcome(t, tt.want)(testProber(t, serve(t, tt.handler).URL, tt.expect, nil).info(t.Context()))
		})
	}
}

func TestNotFound(t *testing.T) {
	for _, tt := range []probeCase{
		{"the API answers", api("v1"), `PASS 404 JSON from the API (code "not_found", requestId "smoke-test-1")`},
		{"the load balancer answers", http.HandlerFunc(loadBalancer404), `PASS 404 JSON from the load balancer (code "not_found")`},
		{"text 404", http.NotFoundHandler(), `FAIL GET /_smoke/not-found: 404 "text/plain; charset=utf-8" 404 page not found, want 404 application/json {"error":{"code":"not_found","message":…}}`},
		{"JSON 404 in another shape", respond(404, `{"message":"Not Found"}`), `FAIL GET /_smoke/not-found: 404 "application/json; charset=utf-8" {"message":"Not Found"}`},
		{"another error code", respond(404, `{"error":{"code":"gone","message":"Gone"}}`), `FAIL GET /_smoke/not-found: 404`},
		{"answered 200", respond(200, `{"hello":"world"}`), `FAIL GET /_smoke/not-found: 200`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assertOutcome(t, tt.want)(testProber(t, serve(t, tt.handler).URL, "", nil).notFound(t.Context()))
		})
	}
}

func TestCertificate(t *testing.T) {
	ts, roots := serveTLS(t, api("v1"))
	host := strings.TrimPrefix(ts.URL, "https://")
	notAfter := ts.Certificate().NotAfter
	expires := "expires " + notAfter.UTC().Format(time.DateOnly)
	for _, tt := range []struct {
		name, base string
		roots      *x509.CertPool
		now        time.Time
		want       string
	}{
		{"trusted", ts.URL, roots, notAfter.Add(-100 * 24 * time.Hour), "PASS certificate valid for 127.0.0.1, issued by O=Acme Co, " + expires + " (in 100 days)"},
		{"expiring soon", ts.URL, roots, notAfter.Add(-10*24*time.Hour - time.Hour), "PASS certificate valid for 127.0.0.1, issued by O=Acme Co, " + expires + " (in 10 days); renew it soon"},
		{"unknown CA", ts.URL, nil, time.Now(), "FAIL TLS connection to " + host + ": "},
		{"issued for another host", strings.Replace(ts.URL, "127.0.0.1", "localhost", 1), roots, time.Now(), "FAIL TLS connection to localhost:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testProber(t, tt.base, "", tt.roots)
			p.now = func() time.Time { return tt.now }
			assertOutcome(t, tt.want)(p.certificate(t.Context()))
		})
	}
}

func TestRedirect(t *testing.T) {
	for _, tt := range []struct {
		name, location string
		status         int
		want           string // FROM stands for the plain-HTTP URL
	}{
		{"301 to https", "https://api.example.com/", 301, "PASS FROM answers 301 to https://api.example.com/"},
		{"301 to https on the default port", "https://API.example.com:443/", 301, "PASS FROM answers 301 to https://API.example.com:443/"},
		{"302 is not permanent", "https://api.example.com/", 302, `FAIL GET FROM: 302 to "https://api.example.com/", want 301 to https://api.example.com/`},
		{"301 to http", "http://api.example.com/", 301, `FAIL GET FROM: 301 to "http://api.example.com/"`},
		{"301 to another host", "https://www.example.com/", 301, `FAIL GET FROM: 301 to "https://www.example.com/"`},
		{"301 to another port", "https://api.example.com:8443/", 301, `FAIL GET FROM: 301 to "https://api.example.com:8443/"`},
		{"301 to another path", "https://api.example.com/login", 301, `FAIL GET FROM: 301 to "https://api.example.com/login"`},
		{"relative Location", "/", 301, `FAIL GET FROM: 301 to "/"`},
		{"no redirect", "", 200, `FAIL GET FROM: 200 to ""`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				w.WriteHeader(tt.status)
			}))
			p := testProber(t, "https://api.example.com", "", nil)
			p.redirectFrom, _ = url.Parse(ts.URL + "/")
			assertOutcome(t, strings.ReplaceAll(tt.want, "FROM", ts.URL+"/"))(p.redirect(t.Context()))
		})
	}
}

func TestRequestsCarryNumberedIDs(t *testing.T) {
	ids := make(chan string, 2)
	ts := serve(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		ids <- r.Header.Get("X-Request-ID")
	}))
	p := testProber(t, ts.URL, "", nil)
	for range 2 {
		if _, _, err := p.get(t.Context(), p.base); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := <-ids+" "+<-ids, "smoke-test-1 smoke-test-2"; got != want {
		t.Errorf("X-Request-ID = %q, want %q", got, want)
	}
}

func TestLoadRoots(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, want string }{
		{filepath.Join(dir, "missing.pem"), "read -ca-file: open " + filepath.Join(dir, "missing.pem")},
		{notPEM, "read -ca-file " + notPEM + ": no PEM certificate in it"},
	} {
		if _, err := loadRoots(tt.file); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("loadRoots(%s) error = %v, want %q", tt.file, err, tt.want)
		}
	}
}

// assertOutcome returns a function that fails the test unless a probe's outcome starts with want.
func assertOutcome(t *testing.T, want string) func(string, error) {
	t.Helper()
	return func(detail string, err error) {
		t.Helper()
		if got := outcome(detail, err); !strings.HasPrefix(got, want) {
			t.Errorf("outcome = %q\nwant it to start with %q", got, want)
		}
	}
}
