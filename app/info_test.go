package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// taskJSON is an abridged answer of the ECS task metadata endpoint (v4) on Fargate.
const taskJSON = `{
  "Cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/demo",
  "TaskARN": "arn:aws:ecs:eu-west-1:123456789012:task/demo/0123456789abcdef0123456789abcdef",
  "Family": "demo",
  "Revision": "7",
  "DesiredStatus": "RUNNING",
  "KnownStatus": "RUNNING",
  "Limits": {"CPU": 0.25, "Memory": 512},
  "AvailabilityZone": "eu-west-1b",
  "LaunchType": "FARGATE",
  "Containers": [{"Name": "api", "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo:abc"}]
}`

const (
	wantTaskARN = "arn:aws:ecs:eu-west-1:123456789012:task/demo/0123456789abcdef0123456789abcdef"
	wantAZ      = "eu-west-1b"
)

// fakeMetadata is a fake ECS task metadata endpoint that counts its calls.
type fakeMetadata struct {
	*httptest.Server
	calls atomic.Int32
}

func newFakeMetadata(t *testing.T, h http.HandlerFunc) *fakeMetadata {
	t.Helper()
	f := &fakeMetadata{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if r.Method != http.MethodGet || r.URL.Path != "/v4/abc-123/task" {
			http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeMetadata) uri() string { return f.URL + "/v4/abc-123" }

func serveTask(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

// infoResponse is what /api/v1/info answers; pointers tell a missing field from an empty one.
type infoResponse struct {
	Service          *string `json:"service"`
	Version          string  `json:"version"`
	StartedAt        string  `json:"startedAt"`
	Uptime           string  `json:"uptime"`
	UptimeSeconds    *int64  `json:"uptimeSeconds"`
	TaskARN          *string `json:"taskArn"`
	AvailabilityZone *string `json:"availabilityZone"`
}

// getInfo requests /api/v1/info from srv.
func getInfo(t *testing.T, srv http.Handler) infoResponse {
	t.Helper()
	w := request{method: "GET", target: "/api/v1/info"}.send(t, srv)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/info: status = %d, want 200; body %s", w.Code, w.Body)
	}
	var info infoResponse
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil {
		t.Fatalf("GET /api/v1/info: decode %s: %v", w.Body, err)
	}
	return info
}

// newInfoServer returns the router for the environment e, reading the task metadata from uri
// (may be empty) within timeout, on the clock now.
func newInfoServer(t *testing.T, e env, uri string, timeout time.Duration, now func() time.Time) (http.Handler, *logBuffer) {
	t.Helper()
	cfg := testConfig(t, e)
	logs := &logBuffer{}
	return NewServer(newLogger(logs, cfg), cfg, readTaskMetadata(uri, timeout), now), logs
}

func TestInfo(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	t.Run("not on ECS", func(t *testing.T) {
		clock := start
		srv, _ := newInfoServer(t, env{"APP_VERSION": "v1.2.3", "SERVICE_NAME": "orders-api"}, "", time.Second, func() time.Time { return clock })
		clock = clock.Add(90*time.Second + 700*time.Millisecond)
		info := getInfo(t, srv)
		if info.Service == nil || *info.Service != "orders-api" || info.Version != "v1.2.3" {
			t.Errorf("service, version = %v, %q, want SERVICE_NAME orders-api, APP_VERSION v1.2.3", info.Service, info.Version)
		}
		if got, want := info.StartedAt, "2026-03-01T12:00:00Z"; got != want {
			t.Errorf("startedAt = %q, want %q", got, want)
		}
		if got, want := info.Uptime, "1m30s"; got != want {
			t.Errorf("uptime = %q, want %q", got, want)
		}
		if info.UptimeSeconds == nil || *info.UptimeSeconds != 90 {
			t.Errorf("uptimeSeconds = %v, want 90", info.UptimeSeconds)
		}
		if info.TaskARN != nil || info.AvailabilityZone != nil {
			t.Errorf("taskArn, availabilityZone = %v, %v, want both left out", info.TaskARN, info.AvailabilityZone)
		}
	})

	t.Run("no SERVICE_NAME", func(t *testing.T) {
		srv, _ := newInfoServer(t, env{}, "", time.Second, time.Now)
		if info := getInfo(t, srv); info.Service != nil {
			t.Errorf("service = %q without SERVICE_NAME, want it left out", *info.Service)
		}
	})

	t.Run("on ECS: read once, at the start", func(t *testing.T) {
		read := make(chan struct{})
		fake := newFakeMetadata(t, func(w http.ResponseWriter, r *http.Request) {
			serveTask(taskJSON)(w, r)
			close(read)
		})
		srv, logs := newInfoServer(t, env{}, fake.uri(), time.Second, time.Now)
		select {
		case <-read:
		case <-time.After(10 * time.Second):
			t.Fatal("the metadata endpoint was not read at the start")
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				info := getInfo(t, srv)
				if info.TaskARN == nil || *info.TaskARN != wantTaskARN || info.AvailabilityZone == nil || *info.AvailabilityZone != wantAZ {
					t.Errorf("taskArn, availabilityZone = %v, %v, want %q, %q", info.TaskARN, info.AvailabilityZone, wantTaskARN, wantAZ)
				}
			})
		}
		wg.Wait()
		if got := fake.calls.Load(); got != 1 {
			t.Errorf("metadata endpoint called %d times for 8 requests, want 1", got)
		}
		if got := logs.find(t, "task metadata unavailable"); len(got) != 0 {
			t.Errorf("logged %d metadata warnings, want none", len(got))
		}
	})
}

// TestInfoMetadataFailures: whatever the metadata endpoint does, /info answers 200 without the
// task fields, within the metadata timeout, and logs why, with the request ID.
func TestInfoMetadataFailures(t *testing.T) {
	tests := map[string]struct {
		handler http.HandlerFunc
		down    bool
		wantLog string
	}{
		"down":         {down: true, wantLog: "connect"},
		"server error": {handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }, wantLog: "status 500"},
		"not found":    {handler: http.NotFound, wantLog: "status 404"},
		"garbage":      {handler: serveTask("<html>oops</html>"), wantLog: "decode"},
		"truncated":    {handler: serveTask(taskJSON[:40]), wantLog: "decode"},
		"wrong types":  {handler: serveTask(`{"TaskARN": 42}`), wantLog: "decode"},
		"no task ARN":  {handler: serveTask(`{"AvailabilityZone": "eu-west-1b"}`), wantLog: "is not an ARN"},
		"empty object": {handler: serveTask(`{}`), wantLog: "is not an ARN"},
		"slow": {handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			serveTask(taskJSON)(w, r)
		}, wantLog: "Timeout"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeMetadata(t, tt.handler)
			if tt.down {
				fake.Close()
			}
			srv, logs := newInfoServer(t, env{}, fake.uri(), 100*time.Millisecond, time.Now)
			w := request{method: "GET", target: "/api/v1/info"}.send(t, srv)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
			}
			if body := w.Body.String(); strings.Contains(body, "taskArn") || strings.Contains(body, "availabilityZone") {
				t.Errorf("body %s has task fields, want them left out", body)
			}
			warnings := logs.find(t, "task metadata unavailable")
			if len(warnings) != 1 {
				t.Fatalf("metadata warnings = %d, want 1; log:\n%s", len(warnings), logs.String())
			}
			if got, want := warnings[0].str("level"), "WARN"; got != want {
				t.Errorf("warning level = %q, want %q", got, want)
			}
			if got, want := warnings[0].str("requestId"), w.Header().Get("X-Request-ID"); got != want {
				t.Errorf("warning requestId = %q, want %q", got, want)
			}
			if !strings.Contains(warnings[0].str("error"), tt.wantLog) {
				t.Errorf("warning error = %q, want it to contain %q", warnings[0].str("error"), tt.wantLog)
			}
		})
	}
}
