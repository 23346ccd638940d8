package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Environment variables the API reads. infra sets all of them except the ECS metadata URI, which
// ECS injects into every container itself.
const (
	envPort            = "PORT"
	envAppVersion      = "APP_VERSION"
	envLogLevel        = "LOG_LEVEL"
	envShutdownTimeout = "SHUTDOWN_TIMEOUT"
	envTrustedProxies  = "TRUSTED_PROXIES"
	envMaxBodyBytes    = "MAX_BODY_BYTES"
	envECSMetadataURI  = "ECS_CONTAINER_METADATA_URI_V4"
)

// Defaults and bounds of the configuration.
const (
	defaultPort            = 8080
	defaultShutdownTimeout = 20 * time.Second
	maxShutdownTimeout     = 2 * time.Minute // ECS caps a container's stopTimeout at 120 s
	defaultMaxBodyBytes    = 1 << 20         // 1 MiB
	maxMaxBodyBytes        = 64 << 20        // 64 MiB
	maxVersionLength       = 128
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
	logLevel        slog.Level
	shutdownTimeout time.Duration
	trustedProxies  []netip.Prefix // empty: trust no proxy, the client IP is the peer address
	maxBodyBytes    int64
	ecsMetadataURI  string // empty when not running on ECS
}

// loadConfig parses the command line (args[0] is the program name) and the environment. It reports
// every invalid value at once, each error naming the flag or variable and the values it accepts.
// Flag usage goes to usage.
func loadConfig(args []string, getenv func(string) string, builtVersion string, usage io.Writer) (config, error) {
	cfg := config{mode: modeServe}

	name := "api"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(usage)
	healthcheck := fs.Bool("healthcheck", false, "probe http://127.0.0.1:$PORT/healthz and exit 0 if it answers 200, 1 otherwise (also: the healthcheck subcommand)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage: %s [-healthcheck | healthcheck | -version]\n\n", name)
		fmt.Fprintf(usage, "Serves the gin-fargate HTTP API on :$PORT until SIGTERM or SIGINT.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(usage, "\nEnvironment: %s, %s, %s, %s, %s, %s, %s (see README.md).\n",
			envPort, envAppVersion, envLogLevel, envShutdownTimeout, envTrustedProxies, envMaxBodyBytes, envECSMetadataURI)
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	switch rest := fs.Args(); {
	case len(rest) == 1 && rest[0] == "healthcheck":
		*healthcheck = true
	case len(rest) > 0:
		return config{}, fmt.Errorf("unexpected argument %q: the only subcommand is healthcheck", rest[0])
	}
	switch {
	case *healthcheck && *showVersion:
		return config{}, errors.New("-healthcheck and -version cannot be combined")
	case *healthcheck:
		cfg.mode = modeHealthcheck
	case *showVersion:
		cfg.mode = modeVersion
	}

	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	cfg.port, err = parsePort(getenv(envPort))
	check(err)
	cfg.version, err = parseVersion(getenv(envAppVersion), builtVersion)
	check(err)
	cfg.logLevel, err = parseLogLevel(getenv(envLogLevel))
	check(err)
	cfg.shutdownTimeout, err = parseShutdownTimeout(getenv(envShutdownTimeout))
	check(err)
	cfg.trustedProxies, err = parseTrustedProxies(getenv(envTrustedProxies))
	check(err)
	cfg.maxBodyBytes, err = parseMaxBodyBytes(getenv(envMaxBodyBytes))
	check(err)
	cfg.ecsMetadataURI, err = parseECSMetadataURI(getenv(envECSMetadataURI))
	check(err)
	if len(errs) > 0 {
		return config{}, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

func parsePort(s string) (int, error) {
	if s == "" {
		return defaultPort, nil
	}
	port, err := strconv.Atoi(s)
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("%s=%s: want an integer from 1 to 65535, e.g. 8080", envPort, quote(s))
	}
	return port, nil
}

func parseVersion(s, builtVersion string) (string, error) {
	if s == "" {
		return builtVersion, nil
	}
	if len(s) > maxVersionLength || strings.IndexFunc(s, func(r rune) bool { return !isVersionChar(r) }) >= 0 {
		return "", fmt.Errorf("%s=%s: want 1 to %d characters from A-Z a-z 0-9 . _ + : -, e.g. v1.2.3 or an image tag",
			envAppVersion, quote(s), maxVersionLength)
	}
	return s, nil
}

func isVersionChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '.' || r == '_' || r == '+' || r == ':' || r == '-'
}

func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%s=%s: want one of debug, info, warn, error", envLogLevel, quote(s))
}

func parseShutdownTimeout(s string) (time.Duration, error) {
	if s == "" {
		return defaultShutdownTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > maxShutdownTimeout {
		return 0, fmt.Errorf("%s=%s: want a Go duration greater than 0 and at most %s, e.g. 20s",
			envShutdownTimeout, quote(s), maxShutdownTimeout)
	}
	return d, nil
}

// parseTrustedProxies reads comma-separated CIDRs; a bare IP address counts as a /32 (or /128).
func parseTrustedProxies(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var prefixes []netip.Prefix
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		prefix, err := netip.ParsePrefix(entry)
		if err != nil {
			addr, addrErr := netip.ParseAddr(entry)
			if addrErr != nil || addr.Zone() != "" {
				return nil, fmt.Errorf("%s: entry %s is not a CIDR: want comma-separated CIDRs such as 10.0.0.0/16,fd00::/8, or empty to trust no proxy",
					envTrustedProxies, quote(entry))
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		prefixes = append(prefixes, prefix.Masked())
	}
	return prefixes, nil
}

func parseMaxBodyBytes(s string) (int64, error) {
	if s == "" {
		return defaultMaxBodyBytes, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > maxMaxBodyBytes {
		return 0, fmt.Errorf("%s=%s: want a number of bytes from 1 to %d (64 MiB), e.g. 1048576",
			envMaxBodyBytes, quote(s), maxMaxBodyBytes)
	}
	return n, nil
}

func parseECSMetadataURI(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s=%s: want an absolute http URL such as http://169.254.170.2/v4/<id> (ECS sets it), or unset",
			envECSMetadataURI, quote(s))
	}
	return strings.TrimSuffix(s, "/"), nil
}

// quote renders a configuration value for an error message: quoted, and shortened if long.
func quote(s string) string {
	const maxShown = 64
	if len(s) > maxShown {
		return strconv.Quote(s[:maxShown]) + "..."
	}
	return strconv.Quote(s)
}
