package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// errUsage marks a bad command line; the flag package has already printed why.
var errUsage = errors.New("usage")

// config is one smoke run, read from the command line.
type config struct {
	stack          string        // Pulumi stack whose outputs name the target
	url            string        // target URL; when set, the Pulumi CLI is not used
	version        string        // expected version; overrides the stack's image tag
	httpURL        string        // plain-HTTP URL that must redirect to url (https targets)
	caFile         string        // extra PEM roots trusted on top of the system roots
	timeout        time.Duration // deadline for every check to pass, retries included
	requestTimeout time.Duration // limit for one HTTP request
	interval       time.Duration // pause between attempts of a failing check
}

const usageText = `Usage: smoke [flags]

Checks a deployed gin-fargate service: /healthz, /api/v1/info and its version,
a JSON 404 for an unknown path and, for an https URL, the TLS certificate and the
HTTP to HTTPS redirect. The target comes from the stack outputs
(pulumi stack output --json --stack <stack>) unless -url is given, in which case
the Pulumi CLI is not needed. Failing checks are retried until -timeout.

Flags:
`

// parseFlags reads the command line into a config.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.stack, "stack", "dev", "Pulumi `stack` whose outputs (url, imageTag, imageUri) name the target")
	fs.StringVar(&cfg.url, "url", "", "service `URL` (scheme included); skips the Pulumi CLI")
	fs.StringVar(&cfg.version, "version", "", "expected `version` in /api/v1/info (default: the stack's image tag)")
	fs.StringVar(&cfg.httpURL, "http-url", "", "plain-HTTP `URL` that must answer 301 to the https URL (default: http://<host>/)")
	fs.StringVar(&cfg.caFile, "ca-file", "", "PEM `file` of extra root certificates to trust besides the system roots")
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
		return config{}, usageErrorf(fs, "unexpected argument %q", fs.Arg(0))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"timeout", cfg.timeout},
		{"request-timeout", cfg.requestTimeout},
		{"interval", cfg.interval},
	} {
		if d.value <= 0 {
			return config{}, usageErrorf(fs, "-%s must be positive, got %s", d.name, d.value)
		}
	}
	if cfg.stack == "" && cfg.url == "" {
		return config{}, usageErrorf(fs, "-stack or -url is required")
	}
	return cfg, nil
}

// usageErrorf reports a bad command line the way the flag package does.
func usageErrorf(fs *flag.FlagSet, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(fs.Output(), msg)
	fs.Usage()
	return fmt.Errorf("%w: %s", errUsage, msg)
}

// parseServiceURL checks that raw is an absolute http or https URL.
func parseServiceURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url %q: want an http:// or https:// URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("url %q: no host", raw)
	}
	return u, nil
}

// redirectSource is the plain-HTTP URL whose redirect to base is checked:
// raw when given, else http://<host>/ on the default port.
func redirectSource(raw string, base *url.URL) (*url.URL, error) {
	if raw != "" {
		u, err := parseServiceURL(raw)
		if err != nil {
			return nil, fmt.Errorf("http-url: %w", err)
		}
		if u.Scheme != "http" {
			return nil, fmt.Errorf("http-url %q: want an http:// URL", raw)
		}
		if u.Path == "" {
			u.Path = "/"
		}
		return u, nil
	}
	host := base.Hostname()
	if strings.Contains(host, ":") { // an IPv6 literal keeps its brackets
		host = "[" + host + "]"
	}
	return &url.URL{Scheme: "http", Host: host, Path: "/"}, nil
}
