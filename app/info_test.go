package main

import (
	"context"
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
  "Cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/gin-fargate",
  "TaskARN": "arn:aws:ecs:eu-west-1:123456789012:task/gin-fargate/0123456789abcdef0123456789abcdef",
  "Family": "gin-fargate",
  "Revision": "7",
  "DesiredStatus": "RUNNING",
  "KnownStatus": "RUNNING",
  "Limits": {"CPU": 0.25, "Memory": 512},
  "AvailabilityZone": "eu-west-1b",
  "LaunchType": "FARGATE",
  "Containers": [{"Name": "api", "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gin-fargate:abc"}]
}`

const (
	wantTaskARN = "arn:aws:ecs:eu-west-1:123456789012:task/gin-fargate/0123456789abcdef0123456789abcdef"
	wantAZ      = "eu-west-1b"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeMetadata is a fake ECS task metadata endpoint whose behaviour a test can switch.
type fakeMetadata struct {
	*httptest.Server
	calls   atomic.Int32
	handler atomic.Pointer[http.HandlerFunc]
}

func newFakeMetadata(t *testing.T, h http.HandlerFunc) *fakeMetadata {
	t.Helper()
	f := &fakeMetadata{}
	f.set(h)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if r.Method != http.MethodGet || r.URL.Path != "/v4/abc-123/task" {
			http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		(*f.handler.Load())(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeMetadata) set(h http.HandlerFunc) { f.handler.Store(&h) }

func (f *fakeMetadata) uri() string { return f.URL + "/v4/abc-123" }

func serveTask(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

// infoResponse is what /api/v1/info answers; pointers tell a missing field from an empty one.
type infoResponse struct {
	Service          string  `json:"service"`
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

// newInfoServer returns the router with a task metadata client for uri (may be empty) that uses
// timeout and a 1-minute retry interval on clock.
func newInfoServer(t *testing.T, uri string, timeout time.Duration, clock *fakeClock) (http.Handler, *logBuffer) {
	t.Helper()
	cfg := testConfig(t, env{"APP_VERSION": "v1.2.3"})
	cfg.ecsMetadataURI = uri
	logs := &logBuffer{}
	meta := newTaskMetadataClient(uri, timeout, time.Minute, clock.Now)
	return NewServer(newLogger(logs, cfg), cfg, meta, clock.Now), logs
}

func TestInfo(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	t.Run("not on ECS", func(t *testing.T) {
		clock := &fakeClock{now: start}
		srv, _ := newInfoServer(t, "", time.Second, clock)
		clock.Advance(90*time.Second + 700*time.Millisecond)
		info := getInfo(t, srv)
		if info.Service != "gin-fargate" || info.Version != "v1.2.3" {
			t.Errorf("service, version = %q, %q, want gin-fargate, v1.2.3", info.Service, info.Version)
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

	t.Run("on ECS", func(t *testing.T) {
		fake := newFakeMetadata(t, serveTask(taskJSON))
		srv, logs := newInfoServer(t, fake.uri(), time.Second, &fakeClock{now: start})
		for range 3 {
			info := getInfo(t, srv)
			if info.TaskARN == nil || *info.TaskARN != wantTaskARN {
				t.Errorf("taskArn = %v, want %q", info.TaskARN, wantTaskARN)
			}
			if info.AvailabilityZone == nil || *info.AvailabilityZone != wantAZ {
				t.Errorf("availabilityZone = %v, want %q", info.AvailabilityZone, wantAZ)
			}
		}
		if got := fake.calls.Load(); got != 1 {
			t.Errorf("metadata endpoint called %d times for 3 requests, want 1 (cached)", got)
		}
		if got := logs.find(t, "task metadata unavailable"); len(got) != 0 {
			t.Errorf("logged %d metadata warnings, want none", len(got))
		}
	})

	t.Run("concurrent first requests fetch once", func(t *testing.T) {
		fake := newFakeMetadata(t, serveTask(taskJSON))
		srv, _ := newInfoServer(t, fake.uri(), time.Second, &fakeClock{now: start})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if info := getInfo(t, srv); info.TaskARN == nil {
					t.Error("taskArn missing")
				}
			})
		}
		wg.Wait()
		if got := fake.calls.Load(); got != 1 {
			t.Errorf("metadata endpoint called %d times, want 1", got)
		}
	})
}

// TestInfoMetadataFailures: whatever the metadata endpoint does, /info answers 200 promptly without
// the task fields and logs why, with the request ID.
func TestInfoMetadataFailures(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
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
			srv, logs := newInfoServer(t, fake.uri(), 100*time.Millisecond, &fakeClock{now: start})
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

func TestInfoMetadataRetry(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	fake := newFakeMetadata(t, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "not yet", http.StatusServiceUnavailable) })
	srv, _ := newInfoServer(t, fake.uri(), time.Second, clock)

	if info := getInfo(t, srv); info.TaskARN != nil {
		t.Fatalf("taskArn = %q while the endpoint fails, want none", *info.TaskARN)
	}
	fake.set(serveTask(taskJSON))
	clock.Advance(59 * time.Second)
	if info := getInfo(t, srv); info.TaskARN != nil {
		t.Errorf("taskArn = %q within the retry interval, want none (no new attempt)", *info.TaskARN)
	}
	if got := fake.calls.Load(); got != 1 {
		t.Errorf("metadata endpoint called %d times within the retry interval, want 1", got)
	}
	clock.Advance(time.Second)
	if info := getInfo(t, srv); info.TaskARN == nil || *info.TaskARN != wantTaskARN {
		t.Errorf("taskArn = %v after the retry interval, want %q", info.TaskARN, wantTaskARN)
	}
	if got := fake.calls.Load(); got != 2 {
		t.Errorf("metadata endpoint called %d times, want 2", got)
	}
}

func TestInfoMetadataIgnoresClientCancel(t *testing.T) {
	fake := newFakeMetadata(t, serveTask(taskJSON))
	meta := newTaskMetadataClient(fake.uri(), time.Second, time.Minute, time.Now)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	task, err := meta.Task(ctx)
	if err != nil || task.TaskARN != wantTaskARN {
		t.Errorf("Task(cancelled context) = %+v, %v, want the task (a client's cancel must not fail the shared read)", task, err)
	}
}
