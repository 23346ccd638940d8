package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// steppingClock starts at t0 and moves on by step at every reading.
func steppingClock(t0 time.Time, step time.Duration) func() time.Time {
	readings := 0
	return func() time.Time {
		readings++
		return t0.Add(time.Duration(readings-1) * step)
	}
}

// flaky is a probe that fails its first failures attempts, then answers with err (nil: "ok").
func flaky(failures int, err error) (probe func(context.Context) (string, error), attempts *int) {
	attempts = new(int)
	return func(context.Context) (string, error) {
		*attempts++
		if *attempts <= failures {
			return "", errors.New("connection refused")
		}
		if err != nil {
			return "", err
		}
		return "ok", nil
	}, attempts
}

func TestRetrierRun(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		failures int
		answer   error
		deadline time.Duration // after t0; the clock moves on 1s at every failed attempt
		want     string        // status, detail and how many attempts
	}{
		{"passes at once", 0, nil, time.Hour, "PASS ok after 1 attempts"},
		{"passes once the deployment settles", 2, nil, time.Hour, "PASS ok (attempt 3) after 3 attempts"},
		{"gives up at the deadline", 100, nil, 3 * time.Second, "FAIL connection refused (4 attempts) after 4 attempts"},
		{"one attempt even past the deadline", 100, nil, 0, "FAIL connection refused after 1 attempts"},
		{"no pause that ends past the deadline", 100, nil, time.Millisecond / 2, "FAIL connection refused after 1 attempts"},
		{"a skip is not retried", 0, skipError("not routed"), time.Hour, "SKIP not routed after 1 attempts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			probe, attempts := flaky(tt.failures, tt.answer)
			r := retrier{deadline: t0.Add(tt.deadline), interval: time.Millisecond, now: steppingClock(t0, time.Second), progress: io.Discard}
			s, detail := r.run(t.Context(), check{name: "probe", probe: probe})
			if got := fmt.Sprintf("%s %s after %d attempts", s, detail, *attempts); got != tt.want {
				t.Errorf("run = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRetrierAnnouncesRetries(t *testing.T) {
	var progress strings.Builder
	probe, _ := flaky(2, nil)
	r := retrier{deadline: time.Now().Add(time.Hour), interval: time.Millisecond, now: time.Now, progress: &progress}
	r.run(t.Context(), check{name: "healthz", probe: probe})
	want := "smoke: healthz: attempt 1 failed, retrying in 1ms: connection refused\n" +
		"smoke: healthz: attempt 2 failed, retrying in 1ms: connection refused\n"
	if progress.String() != want {
		t.Errorf("progress = %q, want %q", progress.String(), want)
	}
}

func TestRetrierReportsUpFrontSkip(t *testing.T) {
	s, detail := retrier{}.run(t.Context(), check{name: "tls", skip: "no domain"})
	if got := fmt.Sprintf("%s %s", s, detail); got != "SKIP no domain" {
		t.Errorf("run = %q, want SKIP no domain", got)
	}
}

func TestRetrierStopsWhenInterrupted(t *testing.T) {
	for _, tt := range []struct{ during, want string }{
		{"an attempt", "FAIL interrupted: connection refused after 1 attempts and 0 retry notes"},
		{"the pause", "FAIL interrupted: connection refused after 1 attempts and 1 retry notes"},
	} {
		t.Run(tt.during, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			probe, attempts := flaky(100, nil)
			notes := 0
			r := retrier{deadline: time.Now().Add(24 * time.Hour), interval: time.Hour, now: time.Now, progress: onWrite(func() { notes++ })}
			if tt.during == "an attempt" {
				failing := probe
				probe = func(ctx context.Context) (string, error) { cancel(); return failing(ctx) }
			} else {
				r.progress = onWrite(func() { notes++; cancel() }) // the pause follows its note
			}
			s, detail := r.run(ctx, check{name: "probe", probe: probe})
			if got := fmt.Sprintf("%s %s after %d attempts and %d retry notes", s, detail, *attempts, notes); got != tt.want {
				t.Errorf("run = %q, want %q", got, tt.want)
			}
		})
	}
}

// onWrite is a progress writer that calls its function at every write.
type onWrite func()

func (f onWrite) Write(b []byte) (int, error) {
	f()
	return len(b), nil
}
