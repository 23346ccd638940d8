// Command smoke checks a deployed gin-fargate service from the outside: health,
// the deployed version, the JSON 404, and with a domain the certificate and the
// HTTP to HTTPS redirect. It prints one PASS, FAIL or SKIP line per check and
// exits non-zero when any check fails.
//
//	go run ./infra/smoke                      # the dev stack's outputs
//	go run ./infra/smoke -stack prod          # another stack
//	go run ./infra/smoke -url https://api.example.com -version 1a2b3c4d
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "smoke: %s\n", err)
		os.Exit(1)
	}
}

// run is the whole smoke test: read the target, run every check, print the
// results and a summary, and fail when any check failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	t, err := resolveTarget(ctx, cfg)
	if err != nil {
		return err
	}
	checks, err := plan(t, cfg.httpURL, time.Now)
	if err != nil {
		return err
	}
	roots, err := loadRoots(cfg.caFile)
	if err != nil {
		return err
	}
	runID, err := newRunID()
	if err != nil {
		return err
	}

	start := time.Now()
	fmt.Fprintf(stdout, "smoke: checking %s (from %s); request IDs %s-<n>\n", t.base, t.origin, runID)
	if t.expect.version != "" {
		fmt.Fprintf(stdout, "smoke: expecting version %q (from %s)\n", t.expect.version, t.expect.source)
	}
	r := runner{
		client:   newClient(roots, cfg.requestTimeout, runID),
		base:     t.base,
		deadline: start.Add(cfg.timeout),
		interval: cfg.interval,
		now:      time.Now,
		progress: stderr,
	}
	counts := map[status]int{}
	for _, c := range checks {
		res := r.run(ctx, c)
		counts[res.status]++
		fmt.Fprintf(stdout, "%s %-9s %s\n", res.status, res.name, res.detail)
	}
	fmt.Fprintf(stdout, "smoke: %d passed, %d failed, %d skipped\n", counts[statusPass], counts[statusFail], counts[statusSkip])
	if n := counts[statusFail]; n > 0 {
		return fmt.Errorf("%d of %d checks failed", n, len(checks))
	}
	return nil
}

// target is the service under test and the version it should report.
type target struct {
	base   *url.URL
	origin string // where base came from, for the report
	expect expectation
}

// resolveTarget takes the target from -url, or else from the stack outputs.
func resolveTarget(ctx context.Context, cfg config) (target, error) {
	if cfg.url != "" {
		base, err := parseServiceURL(cfg.url)
		if err != nil {
			return target{}, err
		}
		expect := expectation{cfg.version, "the -version flag"}
		if cfg.version == "" {
			expect.source = "-url was given without -version"
		}
		return target{base, "the -url flag", expect}, nil
	}
	out, err := readStackOutputs(ctx, cfg.stack)
	if err != nil {
		return target{}, err
	}
	base, err := parseServiceURL(out.URL)
	if err != nil {
		return target{}, fmt.Errorf("stack %s: output %w", cfg.stack, err)
	}
	return target{base, "stack " + cfg.stack + " outputs", expectedVersion(cfg.version, out)}, nil
}

// plan lists the checks for t in report order. The TLS and redirect checks
// apply to https URLs only (a stack with a domain); the version comparison
// needs an expected version. Whatever does not apply is listed as skipped.
func plan(t target, httpURL string, now func() time.Time) ([]check, error) {
	checks := []check{
		{name: "healthz", fn: checkHealthz()},
		{name: "info", fn: checkInfo(t.expect.version)},
	}
	if t.expect.version == "" {
		checks = append(checks, check{name: "version", skip: "no expected version: " + t.expect.source + " (pass -version, or export imageTag from the stack)"})
	}
	checks = append(checks, check{name: "not-found", fn: checkNotFound()})
	if t.base.Scheme != "https" {
		if httpURL != "" {
			return nil, fmt.Errorf("-http-url applies to an https URL only, and %s is http", t.base)
		}
		reason := "the URL is http:// (no domain configured)"
		return append(checks,
			check{name: "tls", skip: reason},
			check{name: "redirect", skip: reason},
		), nil
	}
	from, err := redirectSource(httpURL, t.base)
	if err != nil {
		return nil, err
	}
	return append(checks,
		check{name: "tls", fn: checkTLS(now)},
		check{name: "redirect", fn: checkRedirect(from)},
	), nil
}

// newRunID returns a random prefix for this run's request IDs.
func newRunID() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate run ID: %w", err)
	}
	return "smoke-" + hex.EncodeToString(b), nil
}
