package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// check is one named probe of a smoke run. A check without a probe does not apply to the target,
// for the reason in skip.
type check struct {
	name  string
	probe func(context.Context) (string, error) // what it saw, or why it failed
	skip  string
}

// skipError is a probe's answer that its check does not apply after all; it is never retried.
type skipError string

func (e skipError) Error() string { return string(e) }

// status is the outcome of a check, printed at the start of its line.
type status string

const (
	pass status = "PASS"
	fail status = "FAIL"
	skip status = "SKIP"
)

// retrier runs each check until it passes or the deadline leaves no room for another attempt: a
// fresh deployment may need a moment (DNS, certificate, targets registering, old tasks draining).
// Every check gets at least one attempt. Written by hand because retry libraries time themselves
// on the wall clock, and this deadline is shared by every check.
type retrier struct {
	deadline time.Time
	interval time.Duration
	now      func() time.Time
	progress io.Writer // one line per failed attempt that will be retried
}

// run returns how c ended and the detail to print.
func (r retrier) run(ctx context.Context, c check) (status, string) {
	if c.probe == nil {
		return skip, c.skip
	}
	for attempt := 1; ; attempt++ {
		detail, err := c.probe(ctx)
		var skipped skipError
		switch {
		case err == nil && attempt == 1:
			return pass, detail
		case err == nil:
			return pass, fmt.Sprintf("%s (attempt %d)", detail, attempt)
		case errors.As(err, &skipped):
			return skip, string(skipped)
		case ctx.Err() != nil:
			return fail, fmt.Sprintf("interrupted: %v", err)
		case r.now().Add(r.interval).Before(r.deadline):
			// time for another attempt
		case attempt == 1:
			return fail, err.Error()
		default:
			return fail, fmt.Sprintf("%v (%d attempts)", err, attempt)
		}
		fmt.Fprintf(r.progress, "smoke: %s: attempt %d failed, retrying in %s: %v\n", c.name, attempt, r.interval, err)
		select {
		case <-ctx.Done():
			return fail, fmt.Sprintf("interrupted: %v", err)
		case <-time.After(r.interval):
		}
	}
}
