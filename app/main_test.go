package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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

	"github.com/gin-fargate/gin-fargate/app/contract"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	dir, err := os.MkdirTemp("", "api-test-")
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

// find parses every line written so far and returns those whose msg is msg; a line that is not a
// JSON object fails the test.
func (b *logBuffer) find(t testing.TB, msg string) []logLine {
	t.Helper()
	var found []logLine
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q is not a JSON object: %v", sc.Text(), err)
		}
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

// waitForReady polls the health path on addr until it answers 200, sleeping between attempts, or
// fails the test after timeout.
func waitForReady(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get("http://" + addr + contract.HealthPath)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s (last error: %v)", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	_, port, _ := net.SplitHostPort(addr)
	getenv := env{"PORT": port, "APP_VERSION": "v9.9.9", "SERVICE_NAME": "orders-api"}.get
	var stdout, stderr logBuffer

	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"api"}, getenv, &stdout, &stderr) }()
	waitForReady(t, addr, 10*time.Second)

	tests := []struct{ method, path, wantBody string }{
		{"GET", "/healthz", `{"status":"ok"}`},
		{"HEAD", "/healthz", ``}, // net/http sends no body for HEAD
		{"GET", "/api/v1/info", `{"service":"orders-api","version":"v9.9.9",`},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), tt.method, "http://"+addr+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), tt.wantBody) || tt.method == "HEAD" && len(body) != 0 {
			t.Errorf("%s %s = %d %s, want 200 %s...", tt.method, tt.path, resp.StatusCode, body, tt.wantBody)
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
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("port still accepts connections after run() returned")
	}

	// One line per request above, plus at least waitForReady's successful probe: the buffered
	// log lost nothing on the way out.
	if got, want := len(stdout.find(t, "request")), len(tests)+1; got < want {
		t.Errorf("access log lines = %d, want at least %d", got, want)
	}
	for _, msg := range []string{"listening", "shutting down: draining in-flight requests", "stopped"} {
		if lines := stdout.find(t, msg); len(lines) != 1 || lines[0].str("version") != "v9.9.9" {
			t.Errorf("log lines with msg %q = %v, want 1 with version v9.9.9", msg, lines)
		}
	}
	if stderr.String() != "" {
		t.Errorf("stderr = %q, want nothing", stderr.String())
	}
}

// TestRunPortInUse: a port that is taken fails the start instead of a goroutine.
func TestRunPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if err := run(t.Context(), []string{"api"}, env{"PORT": port}.get, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("run on a taken port = %v, want a listen error", err)
	}
}
