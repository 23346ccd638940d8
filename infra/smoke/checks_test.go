package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheckHealthz(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // substring of the detail, or of the error when wantErr
		wantErr bool
		skip    bool
	}{
		{
			name:    "ok",
			handler: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"status":"ok"}`) },
			want:    `200 {"status":"ok"}`,
		},
		{
			name:    "unhealthy status",
			handler: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 503, `{"status":"draining"}`) },
			want:    "status 503, want 200",
			wantErr: true,
		},
		{
			name:    "200 with another body",
			handler: func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "OK") },
			want:    `body OK, want {"status":"ok"}`,
			wantErr: true,
		},
		{
			name:    "load balancer does not route it",
			handler: loadBalancer404,
			want:    "the load balancer answers 404 for /healthz",
			skip:    true,
		},
		{
			name: "app 404 is a failure",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", "abc")
				writeJSON(w, 404, `{"error":{"code":"not_found","message":"no route","requestId":"abc"}}`)
			},
			want:    "status 404, want 200",
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/healthz", tt.handler)
			ts := serve(t, mux)
			detail, err := checkHealthz()(context.Background(), testClient(nil, ""), mustParse(t, ts.URL))
			var skip skipError
			if got := errors.As(err, &skip); got != tt.skip {
				t.Fatalf("skipped = %v (err %v), want %v", got, err, tt.skip)
			}
			if !tt.skip {
				assertOutcome(t, detail, err, tt.wantErr, tt.want)
			} else if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("skip reason = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCheckInfo(t *testing.T) {
	tests := []struct {
		name    string
		want    string // expected version given to the check
		body    string
		status  int
		ctype   string
		result  string // substring of the detail, or of the error when wantErr
		wantErr bool
	}{
		{
			name:   "version matches",
			want:   "3f2a9c1b",
			body:   `{"service":"gin-fargate","version":"3f2a9c1b","uptime":"12s"}`,
			result: `200 service "gin-fargate" version "3f2a9c1b" uptime 12s`,
		},
		{
			name:    "wrong version",
			want:    "3f2a9c1b",
			body:    `{"service":"gin-fargate","version":"0d1e2f3a"}`,
			result:  `version "0d1e2f3a", want "3f2a9c1b"`,
			wantErr: true,
		},
		{
			name:   "no expected version",
			body:   `{"service":"gin-fargate","version":"dev","uptime":3.5}`,
			result: `version "dev" (not compared) uptime 3.5`,
		},
		{
			name:    "no version field",
			want:    "v1",
			body:    `{"service":"gin-fargate"}`,
			result:  "no version",
			wantErr: true,
		},
		{
			name:    "not JSON",
			want:    "v1",
			body:    `<html>hello</html>`,
			ctype:   "text/html",
			result:  `Content-Type "text/html", want application/json`,
			wantErr: true,
		},
		{
			name:    "JSON that does not decode",
			want:    "v1",
			body:    `{"version":`,
			result:  "decode",
			wantErr: true,
		},
		{
			name:    "server error",
			want:    "v1",
			status:  500,
			body:    `{"error":{"code":"internal","message":"boom","requestId":"x"}}`,
			result:  "status 500, want 200",
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/info" {
					http.NotFound(w, r)
					return
				}
				ctype, status := tt.ctype, tt.status
				if ctype == "" {
					ctype = "application/json; charset=utf-8"
				}
				if status == 0 {
					status = http.StatusOK
				}
				w.Header().Set("Content-Type", ctype)
				w.WriteHeader(status)
				fmt.Fprint(w, tt.body)
			}))
			detail, err := checkInfo(tt.want)(context.Background(), testClient(nil, ""), mustParse(t, ts.URL))
			assertOutcome(t, detail, err, tt.wantErr, tt.result)
		})
	}
}

func TestCheckNotFound(t *testing.T) {
	tests := []struct {
		name    string
		handler http.Handler
		result  string
		wantErr bool
	}{
		{
			name:    "app answers",
			handler: standIn("v1"),
			result:  `404 JSON from the app (code "not_found", requestId "smoke-test-1")`,
		},
		{
			name:    "load balancer answers",
			handler: http.HandlerFunc(loadBalancer404),
			result:  `404 JSON from the load balancer (code "not_found")`,
		},
		{
			name:    "plain text 404",
			handler: http.NotFoundHandler(),
			result:  `404 with Content-Type "text/plain; charset=utf-8", want application/json: 404 page not found`,
			wantErr: true,
		},
		{
			name: "JSON 404 in another shape",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusNotFound, `{"message":"Not Found"}`)
			}),
			result:  `404 body {"message":"Not Found"}, want {"error"`,
			wantErr: true,
		},
		{
			name: "unknown path answered 200",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, `{"hello":"world"}`)
			}),
			result:  "status 200, want 404",
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, tt.handler)
			detail, err := checkNotFound()(context.Background(), testClient(nil, ""), mustParse(t, ts.URL))
			assertOutcome(t, detail, err, tt.wantErr, tt.result)
		})
	}
}

func TestCheckTLS(t *testing.T) {
	ts, pool := serveTLS(t, standIn("v1"))
	addr := ts.Listener.Addr().String()
	notAfter := ts.Certificate().NotAfter
	tenDaysLeft := func() time.Time { return notAfter.Add(-10*24*time.Hour - time.Hour) }

	tests := []struct {
		name    string
		roots   bool // trust the server's certificate
		base    string
		now     func() time.Time
		result  string
		wantErr bool
	}{
		{
			name:   "valid for the host",
			roots:  true,
			base:   "https://api.example.com",
			now:    time.Now,
			result: `certificate valid for api.example.com, issued by "Acme Co", expires ` + notAfter.UTC().Format(time.DateOnly),
		},
		{
			name:   "expiring soon is reported",
			roots:  true,
			base:   "https://api.example.com",
			now:    tenDaysLeft,
			result: "(in 10 days); renew it soon",
		},
		{
			name:    "not trusted by the system roots",
			base:    "https://api.example.com",
			now:     time.Now,
			result:  "certificate",
			wantErr: true,
		},
		{
			name:    "issued for another host",
			roots:   true,
			base:    "https://api.example.org",
			now:     time.Now,
			result:  "api.example.org",
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var roots = pool
			if !tt.roots {
				roots = nil
			}
			detail, err := checkTLS(tt.now)(context.Background(), testClient(roots, addr), mustParse(t, tt.base))
			assertOutcome(t, detail, err, tt.wantErr, tt.result)
		})
	}

	t.Run("plain HTTP", func(t *testing.T) {
		plain := serve(t, standIn("v1"))
		_, err := checkTLS(time.Now)(context.Background(), testClient(nil, ""), mustParse(t, plain.URL))
		if err == nil || !strings.Contains(err.Error(), "without TLS") {
			t.Errorf("error = %v, want one saying the server answered without TLS", err)
		}
	})
}

func TestCheckRedirect(t *testing.T) {
	base := "https://api.example.com"
	tests := []struct {
		name     string
		status   int
		location string
		result   string
		wantErr  bool
	}{
		{name: "301 to https", status: 301, location: "https://api.example.com/", result: "answers 301 to https://api.example.com/"},
		{name: "301 to https with the default port", status: 301, location: "https://API.example.com:443/", result: "answers 301 to https://API.example.com:443/"},
		{name: "302 is not permanent", status: 302, location: "https://api.example.com/", result: "status 302, want 301", wantErr: true},
		{name: "301 to http", status: 301, location: "http://api.example.com/", result: "want https://api.example.com/", wantErr: true},
		{name: "301 to another host", status: 301, location: "https://www.example.com/", result: "301 to https://www.example.com/", wantErr: true},
		{name: "301 to another path", status: 301, location: "https://api.example.com/login", result: "want https://api.example.com/", wantErr: true},
		{name: "relative Location", status: 301, location: "/", result: "want https://api.example.com/", wantErr: true},
		{name: "served over plain HTTP", status: 200, result: "status 200, want 301", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				w.WriteHeader(tt.status)
			}))
			from := mustParse(t, ts.URL+"/")
			detail, err := checkRedirect(from)(context.Background(), testClient(nil, ""), mustParse(t, base))
			assertOutcome(t, detail, err, tt.wantErr, tt.result)
		})
	}
}

func TestClientTagsRequests(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Header.Get("X-Request-ID"))
	}))
	c := newClient(nil, time.Second, "smoke-abc")
	for range 2 {
		if _, _, err := get(context.Background(), c, mustParse(t, ts.URL)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"smoke-abc-1", "smoke-abc-2"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("X-Request-ID = %q, want %q", got, want)
	}
}

// assertOutcome checks a check's result: an error exactly when wantErr, and the detail (or the
// error's text) containing want.
func assertOutcome(t *testing.T, detail string, err error, wantErr bool, want string) {
	t.Helper()
	if got := err != nil; got != wantErr {
		t.Fatalf("error = %v, want error %v", err, wantErr)
	}
	got := detail
	if err != nil {
		got = err.Error()
	}
	if !strings.Contains(got, want) {
		t.Errorf("result = %q, want it to contain %q", got, want)
	}
}
