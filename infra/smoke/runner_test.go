package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// steppingClock returns a clock that starts at t0 and moves on by step at every reading.
func steppingClock(t0 time.Time, step time.Duration) func() time.Time {
	n := 0
	return func() time.Time {
		now := t0.Add(time.Duration(n) * step)
		n++
		return now
	}
}

func TestRunnerRetries(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	failing := errors.New("connection refused")
	tests := []struct {
		name         string
		failures     int           // attempts that fail before the check passes
		deadline     time.Duration // after t0; the clock advances 1s per attempt
		skip         bool
		wantStatus   status
		wantAttempts int
		wantDetail   string
	}{
		{name: "passes at once", failures: 0, deadline: time.Hour, wantStatus: statusPass, wantAttempts: 1, wantDetail: "ok"},
		{name: "passes after a fresh deploy settles", failures: 2, deadline: time.Hour, wantStatus: statusPass, wantAttempts: 3, wantDetail: "ok (attempt 3)"},
		{name: "gives up at the deadline", failures: 100, deadline: 3 * time.Second, wantStatus: statusFail, wantAttempts: 4, wantDetail: "connection refused (4 attempts)"},
		{name: "one attempt even past the deadline", failures: 100, deadline: 0, wantStatus: statusFail, wantAttempts: 1, wantDetail: "connection refused (1 attempt)"},
		{name: "a skip is not retried", skip: true, deadline: time.Hour, wantStatus: statusSkip, wantAttempts: 1, wantDetail: "not routed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts := 0
			fn := func(context.Context, *http.Client, *url.URL) (string, error) {
				attempts++
				switch {
				case tt.skip:
					return "", skipError{"not routed"}
				case attempts <= tt.failures:
					return "", failing
				}
				return "ok", nil
			}
			var progress strings.Builder
			r := runner{
				deadline: t0.Add(tt.deadline),
				interval: time.Millisecond,
				now:      steppingClock(t0, time.Second),
				progress: &progress,
			}
			res := r.run(context.Background(), check{name: "probe", fn: fn})
			if res.status != tt.wantStatus {
				t.Errorf("status = %s, want %s", res.status, tt.wantStatus)
			}
			if attempts != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", attempts, tt.wantAttempts)
			}
			if res.detail != tt.wantDetail {
				t.Errorf("detail = %q, want %q", res.detail, tt.wantDetail)
			}
			if got, want := strings.Count(progress.String(), "retrying"), tt.wantAttempts-1; got != want {
				t.Errorf("progress lines = %d, want %d:\n%s", got, want, progress.String())
			}
		})
	}
}

func TestRunnerStopsWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	attempts := 0
	fn := func(context.Context, *http.Client, *url.URL) (string, error) {
		attempts++
		cancel()
		return "", errors.New("connection refused")
	}
	r := runner{deadline: time.Now().Add(time.Hour), interval: time.Hour, now: time.Now, progress: io.Discard}
	res := r.run(ctx, check{name: "probe", fn: fn})
	if res.status != statusFail || !strings.Contains(res.detail, "interrupted") {
		t.Errorf("result = %s %q, want FAIL interrupted", res.status, res.detail)
	}
	if attempts != 1 {
		t.Errorf("attempts = %d, want 1", attempts)
	}
}

func TestRunnerReportsUpFrontSkip(t *testing.T) {
	r := runner{progress: io.Discard}
	res := r.run(context.Background(), check{name: "tls", skip: "no domain"})
	if got, want := res, (result{"tls", statusSkip, "no domain"}); got != want {
		t.Errorf("result = %+v, want %+v", got, want)
	}
}
