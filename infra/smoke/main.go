// Command smoke checks a deployed gin-fargate service from the outside: health, the deployed
// version, the JSON 404, and with a domain the certificate and the HTTP to HTTPS redirect. It
// prints one PASS, FAIL or SKIP line per check and a summary, and exits 1 when any check fails
// (2 on a bad command line).
//
//	go run ./infra/smoke                      # the dev stack's outputs, read with the Pulumi CLI
//	go run ./infra/smoke -stack prod          # another stack
//	go run ./infra/smoke -url https://api.example.com -version 1a2b3c4d   # without the Pulumi CLI
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr, stackOutputs), os.Stderr)
	stop()
	os.Exit(code)
}

// exitCode is 0 for a passing run or -h, 2 for a bad command line (the flag set has printed why)
// and 1 for anything else, which it prints.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "smoke: %s\n", err)
	return 1
}

// run is the whole smoke test: read the target, run every check, print the results and a summary,
// and fail when any check failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, outputs outputsFunc) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	t, err := resolveTarget(ctx, cfg, outputs)
	if err != nil {
		return err
	}
	roots, err := loadRoots(cfg.caFile)
	if err != nil {
		return err
	}
	p := &prober{target: t, client: newClient(roots, cfg.requestTimeout), runID: "smoke-" + strings.ToLower(rand.Text()[:8]), now: time.Now}
	fmt.Fprintf(stdout, "smoke: checking %s (from %s); request IDs %s-<n>\n", t.base, t.origin, p.runID)
	if t.version != "" {
		fmt.Fprintf(stdout, "smoke: expecting version %q (from %s)\n", t.version, t.versionSource)
	}

	r := retrier{deadline: time.Now().Add(cfg.timeout), interval: cfg.interval, now: time.Now, progress: stderr}
	checks := p.plan()
	counts := map[status]int{}
	for _, c := range checks {
		s, detail := r.run(ctx, c)
		counts[s]++
		fmt.Fprintf(stdout, "%s %-9s %s\n", s, c.name, detail)
	}
	fmt.Fprintf(stdout, "smoke: %d passed, %d failed, %d skipped\n", counts[pass], counts[fail], counts[skip])
	if n := counts[fail]; n > 0 {
		return fmt.Errorf("%d of %d checks failed", n, len(checks))
	}
	return nil
}
