package main

import (
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// smoke runs the smoke test with args and returns what it printed and how it ended. A failing
// check is retried for 100ms unless args say otherwise.
func smoke(t *testing.T, args ...string) (stdout, stderr, ended string) {
	t.Helper()
	var out, errOut strings.Builder
	fast := []string{"-timeout", "100ms", "-interval", "5ms", "-request-timeout", "1s"}
	err := run(t.Context(), append(fast, args...), &out, &errOut, nil)
	ended = "passed"
	if err != nil {
		ended = err.Error()
	}
	return out.String(), errOut.String(), ended
}

// startsLines reports the lines of want that start no line of out, in a message; "" when all do.
func startsLines(out string, want ...string) string {
	var missing []string
	for _, w := range want {
		found := false
		for line := range strings.Lines(out) {
			found = found || strings.HasPrefix(line, w)
		}
		if !found {
			missing = append(missing, w)
		}
	}
	if missing == nil {
		return ""
	}
	return fmt.Sprintf("no line starts with %q in:\n%s", missing, out)
}

// healthyAfter answers the health path 503 for the first failures requests, then like api.
func healthyAfter(failures int32, version string) http.Handler {
	var requests atomic.Int32
	healthy := api(version)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == contract.HealthPath && requests.Add(1) <= failures {
			respond(http.StatusServiceUnavailable, `{"status":"starting"}`)(w, r)
			return
		}
		healthy.ServeHTTP(w, r)
	})
}

func TestRun(t *testing.T) {
	stalled := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })

	for _, tt := range []struct {
		name    string
		handler http.Handler
		args    []string
		ended   string
		lines   []string // each starts a line of the report
	}{
		{
			name: "healthy API", handler: api("v1"), args: []string{"-version", "v1"}, ended: "passed",
			lines: []string{
				"smoke: checking URL (from the -url flag); request IDs smoke-",
				`smoke: expecting version "v1" (from the -version flag)`,
				`PASS healthz   200 {"status":"ok"}`,
				`PASS info      200 service "gin-fargate" version "v1" uptime 1m2s`,
				`PASS not-found 404 JSON from the API (code "not_found", requestId "smoke-`,
				"SKIP tls       the URL is http:// (no domain configured)",
				"SKIP redirect  the URL is http:// (no domain configured)",
				"smoke: 3 passed, 0 failed, 2 skipped",
			},
		},
		{
			name: "wrong version", handler: api("v1"), args: []string{"-version", "v2"}, ended: "1 of 5 checks failed",
			lines: []string{"FAIL info      GET /api/v1/info: ", "smoke: 2 passed, 1 failed, 2 skipped"},
		},
		{
			name: "no version to compare", handler: api("v1"), ended: "passed",
			lines: []string{
				`PASS info      200 service "gin-fargate" version "v1" uptime 1m2s (not compared)`,
				"SKIP version   no expected version: -url was given without -version (pass -version)",
				"smoke: 3 passed, 0 failed, 3 skipped",
			},
		},
		{
			name: "healthy after a few tries", handler: healthyAfter(2, "v1"), args: []string{"-version", "v1", "-timeout", "1m"}, ended: "passed",
			lines: []string{`PASS healthz   200 {"status":"ok"} (attempt 3)`},
		},
		{
			name: "no answers", handler: stalled, args: []string{"-version", "v1", "-request-timeout", "20ms"}, ended: "3 of 5 checks failed",
			lines: []string{"FAIL healthz   GET URL/healthz: no answer within the request timeout (20ms)", "smoke: 0 passed, 3 failed, 2 skipped"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, tt.handler)
			stdout, _, ended := smoke(t, append([]string{"-url", ts.URL}, tt.args...)...)
			stdout = strings.ReplaceAll(stdout, ts.URL, "URL")
			if ended != tt.ended {
				t.Errorf("run ended %q, want %q\n%s", ended, tt.ended, stdout)
			}
			if msg := startsLines(stdout, tt.lines...); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestRunAnnouncesRetries(t *testing.T) {
	_, stderr, _ := smoke(t, "-url", serve(t, healthyAfter(1, "v1")).URL, "-timeout", "1m")
	if want := `smoke: healthz: attempt 1 failed, retrying in 5ms: GET /healthz: 503 {"status":"starting"}`; !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr = %q, want it to start with %q", stderr, want)
	}
}

func TestRunWithDomain(t *testing.T) {
	ts, _ := serveTLS(t, api("v1"))
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	port80 := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, ts.URL+r.URL.Path, http.StatusMovedPermanently)
	}))
	stdout, _, ended := smoke(t, "-url", ts.URL, "-version", "v1", "-ca-file", caFile, "-http-url", port80.URL)
	stdout = strings.NewReplacer(ts.URL, "HTTPS", port80.URL, "HTTP").Replace(stdout)
	if msg := startsLines(stdout,
		"PASS healthz ", "PASS info ", "PASS not-found ",
		"PASS tls       certificate valid for 127.0.0.1, issued by O=Acme Co",
		"PASS redirect  HTTP/ answers 301 to HTTPS/",
		"smoke: 5 passed, 0 failed, 0 skipped",
	); msg != "" || ended != "passed" {
		t.Errorf("run ended %q; %s", ended, msg)
	}
}

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string // the code and what it printed
	}{
		{nil, "0 "},
		{flag.ErrHelp, "0 "},
		{fmt.Errorf("%w: -timeout must be positive", errUsage), "2 "},
		{errors.New("1 of 5 checks failed"), "1 smoke: 1 of 5 checks failed\n"},
	} {
		var stderr strings.Builder
		if got := fmt.Sprintf("%d %s", exitCode(tt.err, &stderr), &stderr); got != tt.want {
			t.Errorf("exitCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
