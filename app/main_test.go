package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	dir, err := os.MkdirTemp("", "gin-fargate-app-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBinDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// env is a fake getenv.
type env map[string]string

func (e env) get(key string) string { return e[key] }

// testConfig returns the configuration of a start with the given environment.
func testConfig(t testing.TB, e env) config {
	t.Helper()
	cfg, err := loadConfig([]string{"api"}, e.get, "test-version", io.Discard)
	if err != nil {
		t.Fatalf("loadConfig(%v): %v", e, err)
	}
	return cfg
}

// logBuffer collects log output written from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLine is one parsed JSON log line.
type logLine map[string]any

func (l logLine) str(key string) string {
	s, _ := l[key].(string)
	return s
}

// lines parses every line written so far; a line that is not a JSON object fails the test.
func (b *logBuffer) lines(t testing.TB) []logLine {
	t.Helper()
	var lines []logLine
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q is not a JSON object: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// find returns the lines whose msg is msg.
func (b *logBuffer) find(t testing.TB, msg string) []logLine {
	t.Helper()
	var found []logLine
	for _, l := range b.lines(t) {
		if l.str("msg") == msg {
			found = append(found, l)
		}
	}
	return found
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitForReady polls url until it answers 200, sleeping between every attempt, or fails the test
// after timeout.
func waitForReady(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s (last error: %v)", url, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	getenv := env{"PORT": strconv.Itoa(port), "APP_VERSION": "v9.9.9", "LOG_LEVEL": "debug"}.get
	var stdout, stderr logBuffer

	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"api"}, getenv, &stdout, &stderr) }()
	waitForReady(t, base+"/healthz", 10*time.Second)

	tests := []struct {
		method, path, contentType, body string
		wantStatus                      int
		wantBody                        string
	}{
		{"GET", "/healthz", "", "", 200, `{"status":"ok"}`},
		{"HEAD", "/healthz", "", "", 200, ``},
		{"GET", "/api/v1/hello?name=Ada", "", "", 200, `{"message":"Hello, Ada!"}`},
		{"POST", "/api/v1/echo", "application/json", `{"message":"hi"}`, 200, `{"message":"hi"}`},
		{"GET", "/api/v1/info", "", "", 200, `"version":"v9.9.9"`},
		{"GET", "/missing", "", "", 404, `"code":"not_found"`},
		{"PUT", "/healthz", "", "", 405, `"code":"method_not_allowed"`},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), tt.method, base+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got, want := resp.StatusCode, tt.wantStatus; got != want {
			t.Errorf("%s %s: status = %d, want %d; body %s", tt.method, tt.path, got, want, body)
		}
		if tt.method == http.MethodHead && len(body) != 0 {
			t.Errorf("HEAD %s: body = %q, want none", tt.path, body)
		}
		if !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("%s %s: body = %s, want it to contain %s", tt.method, tt.path, body, tt.wantBody)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run() = %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run() did not return within 10s of cancel")
	}
	if _, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
		t.Error("port still accepts connections after run() returned")
	}

	// One line per request above, plus at least waitForReady's successful probe.
	if got, want := len(stdout.find(t, "request")), len(tests)+1; got < want {
		t.Errorf("access log lines = %d, want at least %d", got, want)
	}
	for _, msg := range []string{"listening", "shutting down: draining in-flight requests", "stopped"} {
		lines := stdout.find(t, msg)
		if len(lines) != 1 {
			t.Errorf("log lines with msg %q = %d, want 1; log:\n%s", msg, len(lines), stdout.String())
			continue
		}
		if got, want := lines[0].str("version"), "v9.9.9"; got != want {
			t.Errorf("%q line version = %q, want %q", msg, got, want)
		}
	}
	if stderr.String() != "" {
		t.Errorf("stderr = %q, want nothing", stderr.String())
	}
}

func TestRunModes(t *testing.T) {
	t.Run("version", func(t *testing.T) {
		var stdout bytes.Buffer
		if err := run(t.Context(), []string{"api", "-version"}, env{}.get, &stdout, io.Discard); err != nil {
			t.Fatalf("run -version: %v", err)
		}
		if got, want := stdout.String(), version+"\n"; got != want {
			t.Errorf("run -version printed %q, want %q", got, want)
		}
		stdout.Reset()
		if err := run(t.Context(), []string{"api", "-version"}, env{"APP_VERSION": "v2.0.0"}.get, &stdout, io.Discard); err != nil {
			t.Fatalf("run -version: %v", err)
		}
		if got, want := stdout.String(), "v2.0.0\n"; got != want {
			t.Errorf("run -version with APP_VERSION printed %q, want %q", got, want)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		err := run(t.Context(), []string{"api"}, env{"PORT": "http"}.get, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "PORT") {
			t.Errorf("run with PORT=http = %v, want an error naming PORT", err)
		}
	})
	t.Run("help", func(t *testing.T) {
		var stderr bytes.Buffer
		err := run(t.Context(), []string{"api", "-h"}, env{}.get, io.Discard, &stderr)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("run -h = %v, want flag.ErrHelp", err)
		}
		if !strings.Contains(stderr.String(), "-healthcheck") {
			t.Errorf("usage %q does not mention -healthcheck", stderr.String())
		}
	})
	t.Run("port in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		err = run(t.Context(), []string{"api"}, env{"PORT": port}.get, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "listen") {
			t.Errorf("run on a taken port = %v, want a listen error", err)
		}
	})
	t.Run("healthcheck", func(t *testing.T) {
		port := freePort(t)
		cfg := testConfig(t, env{})
		srv := &http.Server{Handler: NewServer(newLogger(io.Discard, cfg), cfg, nil, time.Now)}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
		getenv := env{"PORT": strconv.Itoa(port)}.get
		for _, args := range [][]string{{"api", "-healthcheck"}, {"api", "healthcheck"}} {
			if err := run(t.Context(), args, getenv, io.Discard, io.Discard); err != nil {
				t.Errorf("run %v against a live server = %v, want nil", args[1:], err)
			}
		}
		_ = srv.Close()
		if err := run(t.Context(), []string{"api", "-healthcheck"}, getenv, io.Discard, io.Discard); err == nil {
			t.Error("run -healthcheck against a closed port = nil, want an error")
		}
	})
}
