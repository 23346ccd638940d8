package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// testBinDir holds the binaries the tests build; TestMain creates and removes it.
var testBinDir string

// apiBinary builds the API binary once per test run, with the Dockerfile's build tags.
var apiBinary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(testBinDir, "api")
	out, err := exec.Command("go", "build", "-tags", "nomsgpack,validator_novalidatefn", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func mustBuildAPI(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	bin, err := apiBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// process is a started API binary.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr logBuffer
	exited         chan struct{} // closed when the process has exited; cmd.ProcessState is then set
}

// startProcess starts bin with args and exactly the environment env; the test's cleanup kills it
// if it is still running.
func startProcess(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// wait waits up to timeout for the process to exit and returns its exit code.
func (p *process) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("process still running after %s; stdout:\n%s\nstderr:\n%s", timeout, p.stdout.String(), p.stderr.String())
		return -1
	}
}

func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// TestProcessGracefulShutdown runs the real binary, holds a request in flight with a slow client
// body, and signals the process: the listener closes at once, the request still completes with
// 200, and the process exits 0.
func TestProcessGracefulShutdown(t *testing.T) {
	bin := mustBuildAPI(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			port := freePort(t)
			addr := "127.0.0.1:" + strconv.Itoa(port)
			p := startProcess(t, bin, []string{"PORT=" + strconv.Itoa(port), "SHUTDOWN_TIMEOUT=15s"})
			waitForReady(t, addr, 10*time.Second)

			conn, br := startSlowEcho(t, addr, `{"message":"drained"}`, 5)
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatalf("signal: %v", err)
			}

			waitForRefused(t, addr, 10*time.Second)
			if !p.running() {
				t.Fatalf("process exited with a request in flight; stderr:\n%s", p.stderr.String())
			}

			// Finish the body: the in-flight request completes.
			if _, err := io.WriteString(conn, `{"message":"drained"}`[5:]); err != nil {
				t.Fatalf("write the rest of the body: %v", err)
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("read the in-flight response: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != `{"message":"drained"}` {
				t.Errorf("in-flight response = %d %s, want 200 {\"message\":\"drained\"}", resp.StatusCode, body)
			}
			if !resp.Close {
				t.Error("in-flight response does not close the connection during shutdown")
			}

			if code := p.wait(t, 15*time.Second); code != 0 {
				t.Errorf("exit code = %d, want 0; stderr:\n%s", code, p.stderr.String())
			}
			logs := p.stdout.String()
			for _, want := range []string{`"msg":"shutting down: draining in-flight requests"`, `"msg":"stopped"`, `"route":"/api/v1/echo","status":200`} {
				if !strings.Contains(logs, want) {
					t.Errorf("stdout does not contain %s:\n%s", want, logs)
				}
			}
		})
	}
}

// TestProcessShutdownTimeout: a request that outlives SHUTDOWN_TIMEOUT is cut off, and the
// process exits 1 saying so.
func TestProcessShutdownTimeout(t *testing.T) {
	bin := mustBuildAPI(t)
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := startProcess(t, bin, []string{"PORT=" + strconv.Itoa(port), "SHUTDOWN_TIMEOUT=300ms"})
	waitForReady(t, addr, 10*time.Second)

	startSlowEcho(t, addr, `{"message":"never finished"}`, 5)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal: %v", err)
	}
	if code := p.wait(t, 10*time.Second); code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if got, want := p.stderr.String(), "shut down within 300ms: context deadline exceeded"; !strings.Contains(got, want) {
		t.Errorf("stderr = %q, want it to contain %q", got, want)
	}
	if got, want := p.stdout.String(), `"level":"ERROR","msg":"in-flight requests did not finish in time`; !strings.Contains(got, want) {
		t.Errorf("stdout does not contain %s:\n%s", want, got)
	}
}

// startSlowEcho opens a connection to addr and starts POST /api/v1/echo with body, sending only the
// first sent bytes of it. It returns once the handler is reading the body: the request sends
// Expect: 100-continue, and net/http answers 100 Continue only when the handler first reads.
func startSlowEcho(t *testing.T, addr, body string, sent int) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/echo HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(body))
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 100 ") {
		t.Fatalf("read the interim response: %q, %v; want 100 Continue", status, err)
	}
	if blank, err := br.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("interim response continues with %q, %v; want its end", blank, err)
	}
	if _, err := io.WriteString(conn, body[:sent]); err != nil {
		t.Fatalf("write the start of the body: %v", err)
	}
	return conn, br
}

// waitForRefused polls until a new connection to addr is refused, sleeping between attempts.
func waitForRefused(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return
		}
		if err == nil {
			conn.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("new connections to %s still accepted %s after the signal (last: %v)", addr, timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestProcessHealthcheck runs the binary's health-check mode as the ECS container health check
// does, against a live API, nothing, an unhealthy server and a hung one.
func TestProcessHealthcheck(t *testing.T) {
	bin := mustBuildAPI(t)

	apiPort := freePort(t)
	api := startProcess(t, bin, []string{"PORT=" + strconv.Itoa(apiPort)})
	waitForReady(t, "127.0.0.1:"+strconv.Itoa(apiPort), 10*time.Second)

	unhealthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"status":"starting"}`, http.StatusServiceUnavailable)
	}))
	t.Cleanup(unhealthy.Close)
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { close(release) })
	portOf := func(s *httptest.Server) int { return s.Listener.Addr().(*net.TCPAddr).Port }

	tests := map[string]struct {
		port     int
		args     []string
		wantCode int
		wantErr  string
	}{
		"live flag":       {port: apiPort, args: []string{contract.HealthcheckFlag}, wantCode: 0},
		"live subcommand": {port: apiPort, args: []string{"healthcheck"}, wantCode: 0},
		"nothing":         {port: freePort(t), args: []string{contract.HealthcheckFlag}, wantCode: 1, wantErr: "connection refused"},
		"unhealthy":       {port: portOf(unhealthy), args: []string{"healthcheck"}, wantCode: 1, wantErr: "status 503, want 200"},
		"hung":            {port: portOf(hung), args: []string{contract.HealthcheckFlag}, wantCode: 1, wantErr: "deadline exceeded"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startProcess(t, bin, []string{"PORT=" + strconv.Itoa(tt.port)}, tt.args...)
			// The probe's own budget is 2 s; the margin is for a loaded machine.
			if code := p.wait(t, 10*time.Second); code != tt.wantCode {
				t.Errorf("%v exit code = %d, want %d; stderr: %s", tt.args, code, tt.wantCode, p.stderr.String())
			}
			if got := p.stderr.String(); !strings.Contains(got, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", got, tt.wantErr)
			}
		})
	}
	if !api.running() {
		t.Errorf("the API exited during the health checks; stderr:\n%s", api.stderr.String())
	}
}

// TestProcessExitCodes checks the exit codes and messages of a start that cannot serve.
func TestProcessExitCodes(t *testing.T) {
	bin := mustBuildAPI(t)
	tests := map[string]struct {
		env        []string
		args       []string
		wantCode   int
		wantStderr []string
		wantStdout string
	}{
		"bad variable": {env: []string{"PORT=eighty"}, wantCode: 1, wantStderr: []string{`api: invalid configuration: PORT="eighty": want an integer from 1 to 65535`}},
		"two bad":      {env: []string{"LOG_LEVEL=loud", "TRUSTED_PROXIES=alb"}, wantCode: 1, wantStderr: []string{"LOG_LEVEL", "TRUSTED_PROXIES"}},
		"unknown flag": {args: []string{"-verbose"}, wantCode: 1, wantStderr: []string{"flag provided but not defined: -verbose"}},
		"help":         {args: []string{"-h"}, wantCode: 0, wantStderr: []string{"Usage:"}},
		"version":      {env: []string{"APP_VERSION=v3.1.4"}, args: []string{"-version"}, wantCode: 0, wantStdout: "v3.1.4\n"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startProcess(t, bin, tt.env, tt.args...)
			if code := p.wait(t, 10*time.Second); code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			for _, want := range tt.wantStderr {
				if got := p.stderr.String(); !strings.Contains(got, want) {
					t.Errorf("stderr = %q, want it to contain %q", got, want)
				}
			}
			if tt.wantStdout != "" {
				if got := p.stdout.String(); got != tt.wantStdout {
					t.Errorf("stdout = %q, want %q", got, tt.wantStdout)
				}
			}
		})
	}
}
