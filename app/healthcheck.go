package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheckTimeout bounds the whole probe: the ECS container health check gives the command a
// few seconds, and a hung probe must still exit 1 in time.
const healthcheckTimeout = 2 * time.Second

// healthcheck is the -healthcheck mode: the image has no shell or curl, so the ECS container health
// check runs the binary itself. It returns nil when url answers 200 within timeout, else an error
// (and main exits 1).
func healthcheck(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{
		// Loopback only: never through a proxy from HTTP_PROXY, never following a redirect.
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: status %d, want 200", url, resp.StatusCode)
	}
	return nil
}
