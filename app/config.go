package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// Bounds of the configuration; the defaults the infrastructure relies on are in contract.
const (
	maxShutdownTimeout  = 2 * time.Minute // ECS caps a container's stopTimeout at 120 s
	defaultMaxBodyBytes = 1 << 20         // 1 MiB
	maxMaxBodyBytes     = 64 << 20        // 64 MiB
)

// mode is what one invocation of the binary does.
type mode int

const (
	modeServe       mode = iota // serve HTTP until SIGTERM/SIGINT
	modeHealthcheck             // probe 127.0.0.1:$PORT/healthz once and exit 0 or 1
	modeVersion                 // print the version and exit
)

// config is everything the API reads from its flags and environment, validated.
type config struct {
	mode            mode
	port            int
	version         string // APP_VERSION, else the version linked into the binary
	serviceName     string // empty: /api/v1/info leaves the service out
	logLevel        slog.Level
	shutdownTimeout time.Duration
	trustedProxies  []string // CIDRs; empty: trust no proxy, the client IP is the peer address
	maxBodyBytes    int64
	ecsMetadataURI  string // empty when not running on ECS
}

// loadConfig parses the command line (args[0] is the program name) and the environment. It reports
// every invalid value at once, each error naming the flag or variable and the values it accepts.
// Flag usage goes to usage.
func loadConfig(args []string, getenv func(string) string, builtVersion string, usage io.Writer) (config, error) {
	cfg, err := parseFlags(args, usage)
	if err != nil {
		return config{}, err
	}
	cfg.port, cfg.version, cfg.shutdownTimeout, cfg.maxBodyBytes = contract.DefaultPort, builtVersion, contract.ShutdownTimeout, defaultMaxBodyBytes

	// A loop of its own rather than an env library: each variable keeps its rule and message.
	var errs []error
	read := func(name, want string, parse func(s string) bool) {
		if s := getenv(name); s != "" && !parse(s) {
			errs = append(errs, fmt.Errorf("%s=%s: %s", name, quote(s), want))
		}
	}
	integer := func(s string, lo, hi int64) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= lo && n <= hi
	}
	token := regexp.MustCompile(`^[A-Za-z0-9._+:-]{1,128}$`)
	const tokenRule = "want 1 to 128 characters from A-Z a-z 0-9 . _ + : -"
	levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

	read(contract.EnvPort, fmt.Sprintf("want an integer from 1 to 65535, e.g. %d", contract.DefaultPort), func(s string) bool {
		n, ok := integer(s, 1, 65535)
		cfg.port = int(n)
		return ok
	})
	read(contract.EnvAppVersion, tokenRule+", e.g. v1.2.3 or an image tag", func(s string) bool {
		cfg.version = s
		return token.MatchString(s)
	})
	read(contract.EnvServiceName, tokenRule+", e.g. the Pulumi project's name", func(s string) bool {
		cfg.serviceName = s
		return token.MatchString(s)
	})
	read(contract.EnvLogLevel, "want one of debug, info, warn, error", func(s string) (ok bool) {
		cfg.logLevel, ok = levels[strings.ToLower(s)]
		return ok
	})
	read(contract.EnvShutdownTimeout, fmt.Sprintf("want a Go duration greater than 0 and at most %s, e.g. %s", maxShutdownTimeout, contract.ShutdownTimeout), func(s string) bool {
		d, err := time.ParseDuration(s)
		cfg.shutdownTimeout = d
		return err == nil && d > 0 && d <= maxShutdownTimeout
	})
	read(contract.EnvMaxBodyBytes, fmt.Sprintf("want a number of bytes from 1 to %d (64 MiB), e.g. %d", maxMaxBodyBytes, defaultMaxBodyBytes), func(s string) (ok bool) {
		cfg.maxBodyBytes, ok = integer(s, 1, maxMaxBodyBytes)
		return ok
	})
	read(contract.EnvECSMetadataURI, "want an absolute http URL such as http://169.254.170.2/v4/<id> (ECS sets it), or unset", func(s string) bool {
		u, err := url.Parse(s)
		cfg.ecsMetadataURI = strings.TrimSuffix(s, "/")
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.RawQuery == "" && u.Fragment == ""
	})
	if cfg.trustedProxies, err = parseTrustedProxies(getenv(contract.EnvTrustedProxies)); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return config{}, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// parseFlags reads the mode from the command line.
func parseFlags(args []string, usage io.Writer) (config, error) {
	name := "api"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	subcommand := strings.TrimPrefix(contract.HealthcheckFlag, "-")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(usage)
	healthcheck := fs.Bool(subcommand, false, "probe http://127.0.0.1:$PORT"+contract.HealthPath+
		" and exit 0 if it answers 200, 1 otherwise (also: the "+subcommand+" subcommand)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage: %s [%s | %s | -version]\n\n", name, contract.HealthcheckFlag, subcommand)
		fmt.Fprintf(usage, "Serves the HTTP API on :$PORT until SIGTERM or SIGINT.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(usage, "\nEnvironment: %s (see docs/api.md).\n", strings.Join([]string{contract.EnvPort, contract.EnvAppVersion,
			contract.EnvServiceName, contract.EnvLogLevel, contract.EnvShutdownTimeout, contract.EnvTrustedProxies,
			contract.EnvMaxBodyBytes, contract.EnvECSMetadataURI}, ", "))
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	switch rest := fs.Args(); {
	case len(rest) == 1 && rest[0] == subcommand:
		*healthcheck = true
	case len(rest) > 0:
		return config{}, fmt.Errorf("unexpected argument %q: the only subcommand is %s", rest[0], subcommand)
	}
	switch {
	case *healthcheck && *showVersion:
		return config{}, fmt.Errorf("%s and -version cannot be combined", contract.HealthcheckFlag)
	case *healthcheck:
		return config{mode: modeHealthcheck}, nil
	case *showVersion:
		return config{mode: modeVersion}, nil
	}
	return config{mode: modeServe}, nil
}

// parseTrustedProxies reads comma-separated CIDRs; a bare IP address counts as a /32 (or /128).
func parseTrustedProxies(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var cidrs []string
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		prefix, err := netip.ParsePrefix(entry)
		if addr, addrErr := netip.ParseAddr(entry); err != nil && addrErr == nil && addr.Zone() == "" {
			prefix, err = netip.PrefixFrom(addr, addr.BitLen()), nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: entry %s is not a CIDR: want comma-separated CIDRs such as 10.0.0.0/16,fd00::/8, or empty to trust no proxy",
				contract.EnvTrustedProxies, quote(entry))
		}
		cidrs = append(cidrs, prefix.Masked().String())
	}
	return cidrs, nil
}

// quote renders a configuration value for an error message: quoted, and shortened if long.
func quote(s string) string {
	const maxShown = 64
	if len(s) > maxShown {
		return strconv.Quote(s[:maxShown]) + "..."
	}
	return strconv.Quote(s)
}
