package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// check is one named probe of a smoke run. A check with no fn is skipped up
// front, for the reason in skip.
type check struct {
	name string
	fn   checkFunc
	skip string
}

// status is the outcome of a check, printed at the start of its line.
type status string

const (
	statusPass status = "PASS"
	statusFail status = "FAIL"
	statusSkip status = "SKIP"
)

// result is what one check ended with.
type result struct {
	name   string
	status status
	detail string
}

// runner runs checks against one service, retrying a failing check until the
// deadline: a fresh deployment may need a moment (DNS, certificate, targets
// registering, old tasks draining). Every check gets at least one attempt.
type runner struct {
	client   *http.Client
	base     *url.URL
	deadline time.Time
	interval time.Duration
	now      func() time.Time
	progress io.Writer // one line per failed attempt that will be retried
}

// run runs c until it passes, is skipped, or the deadline leaves no room for
// another attempt.
func (r runner) run(ctx context.Context, c check) result {
	if c.fn == nil {
		return result{c.name, statusSkip, c.skip}
	}
	for attempt := 1; ; attempt++ {
		detail, err := c.fn(ctx, r.client, r.base)
		var skip skipError
		switch {
		case err == nil:
			if attempt > 1 {
				detail += fmt.Sprintf(" (attempt %d)", attempt)
			}
			return result{c.name, statusPass, detail}
		case errors.As(err, &skip):
			return result{c.name, statusSkip, skip.reason}
		case ctx.Err() != nil:
			return result{c.name, statusFail, fmt.Sprintf("interrupted after %d attempts: %v", attempt, err)}
		case !r.now().Add(r.interval).Before(r.deadline):
			return result{c.name, statusFail, fmt.Sprintf("%v (%s)", err, plural(attempt, "attempt"))}
		}
		fmt.Fprintf(r.progress, "smoke: %s: attempt %d failed, retrying in %s: %v\n", c.name, attempt, r.interval, err)
		timer := time.NewTimer(r.interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return result{c.name, statusFail, fmt.Sprintf("interrupted after %d attempts: %v", attempt, err)}
		case <-timer.C:
		}
	}
}

// plural formats n with a noun, "1 attempt" or "3 attempts".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
