package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// errUsage marks a bad command line; the flag set has already printed why, and the usage.
var errUsage = errors.New("usage")

// config is one smoke run, read from the command line.
type config struct {
	stack          string        // Pulumi stack whose outputs name the target
	url            string        // target URL; when set, the Pulumi CLI is not used
	version        string        // expected version; overrides the stack's imageTag
	httpURL        string        // plain-HTTP URL that must redirect to an https target
	caFile         string        // PEM roots trusted besides the system roots
	timeout        time.Duration // deadline for every check to pass, retries included
	requestTimeout time.Duration // limit for one HTTP request
	interval       time.Duration // pause between attempts of a failing check
}

const usage = `Usage: smoke [flags]

Checks a deployed gin-fargate service: /healthz, /api/v1/info and its version, a JSON 404 for an
unknown path and, for an https URL, the certificate and the HTTP to HTTPS redirect. The target and
its version come from the stack's url and imageTag outputs, read with the Pulumi CLI, unless -url
is given. Failing checks are retried until -timeout.

Flags:
`

// parseFlags reads the command line into a config.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.stack, "stack", "dev", "Pulumi `stack` whose outputs (url, imageTag) name the target")
	fs.StringVar(&cfg.url, "url", "", "service `URL`, scheme included; the Pulumi CLI is not used")
	fs.StringVar(&cfg.version, "version", "", "expected `version` in /api/v1/info (default: the stack's imageTag)")
	fs.StringVar(&cfg.httpURL, "http-url", "", "plain-HTTP `URL` that must answer 301 to the https URL (default: http://<host>/)")
	fs.StringVar(&cfg.caFile, "ca-file", "", "PEM `file` of root certificates to trust besides the system roots")
	fs.DurationVar(&cfg.timeout, "timeout", 3*time.Minute, "how long failing checks are retried")
	fs.DurationVar(&cfg.requestTimeout, "request-timeout", 10*time.Second, "limit for one HTTP request")
	fs.DurationVar(&cfg.interval, "interval", 5*time.Second, "pause between attempts of a failing check")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return config{}, usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	if cfg.stack == "" && cfg.url == "" {
		return config{}, usageError(fs, "-stack or -url is required")
	}
	for _, name := range []string{"timeout", "request-timeout", "interval"} {
		if d := fs.Lookup(name).Value.(flag.Getter).Get().(time.Duration); d <= 0 {
			return config{}, usageError(fs, "-%s must be positive, got %s", name, d)
		}
	}
	return cfg, nil
}

// usageError reports a bad command line the way the flag set reports its own errors.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(fs.Output(), msg)
	fs.Usage()
	return fmt.Errorf("%w: %s", errUsage, msg)
}
