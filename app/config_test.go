package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig([]string{"api"}, env{}.get, "v0.0.1", io.Discard)
	if err != nil {
		t.Fatalf("loadConfig with an empty environment: %v", err)
	}
	want := config{
		mode:            modeServe,
		port:            8080,
		version:         "v0.0.1",
		logLevel:        slog.LevelInfo,
		shutdownTimeout: 20 * time.Second,
		maxBodyBytes:    1 << 20,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("loadConfig defaults = %+v, want %+v", cfg, want)
	}
}

func TestLoadConfigValues(t *testing.T) {
	tests := map[string]struct {
		env   env
		check func(t *testing.T, cfg config)
	}{
		"port": {env{"PORT": "9090"}, func(t *testing.T, cfg config) {
			if cfg.port != 9090 {
				t.Errorf("port = %d, want 9090", cfg.port)
			}
		}},
		"lowest port":  {env{"PORT": "1"}, func(t *testing.T, cfg config) { wantEqual(t, "port", cfg.port, 1) }},
		"highest port": {env{"PORT": "65535"}, func(t *testing.T, cfg config) { wantEqual(t, "port", cfg.port, 65535) }},
		"version":      {env{"APP_VERSION": "sha-0123abc.1+build:2_x"}, func(t *testing.T, cfg config) { wantEqual(t, "version", cfg.version, "sha-0123abc.1+build:2_x") }},
		"debug":        {env{"LOG_LEVEL": "debug"}, func(t *testing.T, cfg config) { wantEqual(t, "logLevel", cfg.logLevel, slog.LevelDebug) }},
		"WARN":         {env{"LOG_LEVEL": "WARN"}, func(t *testing.T, cfg config) { wantEqual(t, "logLevel", cfg.logLevel, slog.LevelWarn) }},
		"error":        {env{"LOG_LEVEL": "error"}, func(t *testing.T, cfg config) { wantEqual(t, "logLevel", cfg.logLevel, slog.LevelError) }},
		"info":         {env{"LOG_LEVEL": "info"}, func(t *testing.T, cfg config) { wantEqual(t, "logLevel", cfg.logLevel, slog.LevelInfo) }},
		"shutdown": {env{"SHUTDOWN_TIMEOUT": "1m30s"}, func(t *testing.T, cfg config) {
			wantEqual(t, "shutdownTimeout", cfg.shutdownTimeout, 90*time.Second)
		}},
		"longest shutdown": {env{"SHUTDOWN_TIMEOUT": "2m"}, func(t *testing.T, cfg config) {
			wantEqual(t, "shutdownTimeout", cfg.shutdownTimeout, 2*time.Minute)
		}},
		"trusted proxies": {env{"TRUSTED_PROXIES": " 10.0.0.0/16 , 192.168.1.7,fd00::/8,10.1.2.3/8"}, func(t *testing.T, cfg config) {
			want := []netip.Prefix{
				netip.MustParsePrefix("10.0.0.0/16"),
				netip.MustParsePrefix("192.168.1.7/32"),
				netip.MustParsePrefix("fd00::/8"),
				netip.MustParsePrefix("10.0.0.0/8"),
			}
			if !reflect.DeepEqual(cfg.trustedProxies, want) {
				t.Errorf("trustedProxies = %v, want %v", cfg.trustedProxies, want)
			}
		}},
		"blank trusted proxies": {env{"TRUSTED_PROXIES": "  "}, func(t *testing.T, cfg config) {
			if len(cfg.trustedProxies) != 0 {
				t.Errorf("trustedProxies = %v, want none", cfg.trustedProxies)
			}
		}},
		"max body": {env{"MAX_BODY_BYTES": "2048"}, func(t *testing.T, cfg config) { wantEqual(t, "maxBodyBytes", cfg.maxBodyBytes, int64(2048)) }},
		"metadata": {env{"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc-123/"}, func(t *testing.T, cfg config) {
			wantEqual(t, "ecsMetadataURI", cfg.ecsMetadataURI, "http://169.254.170.2/v4/abc-123")
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			cfg, err := loadConfig([]string{"api"}, tt.env.get, "dev", io.Discard)
			if err != nil {
				t.Fatalf("loadConfig(%v): %v", tt.env, err)
			}
			tt.check(t, cfg)
		})
	}
}

func wantEqual[T comparable](t *testing.T, name string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// TestLoadConfigErrors gives every variable each kind of bad value: every error names the variable
// and says what it accepts.
func TestLoadConfigErrors(t *testing.T) {
	tests := map[string]struct {
		key, value string
		want       string // a part of the message besides the variable's name
	}{
		"port word":              {"PORT", "http", "want an integer from 1 to 65535"},
		"port zero":              {"PORT", "0", "want an integer from 1 to 65535"},
		"port negative":          {"PORT", "-1", "want an integer from 1 to 65535"},
		"port too high":          {"PORT", "65536", "want an integer from 1 to 65535"},
		"port with host":         {"PORT", "127.0.0.1:8080", "want an integer from 1 to 65535"},
		"port with space":        {"PORT", " 8080", "want an integer from 1 to 65535"},
		"port float":             {"PORT", "80.5", "want an integer from 1 to 65535"},
		"version space":          {"APP_VERSION", "v1 beta", "want 1 to 128 characters"},
		"version slash":          {"APP_VERSION", "feature/x", "want 1 to 128 characters"},
		"version quote":          {"APP_VERSION", `v1"`, "want 1 to 128 characters"},
		"version newline":        {"APP_VERSION", "v1\nlevel=ERROR", "want 1 to 128 characters"},
		"version non-ascii":      {"APP_VERSION", "v1é", "want 1 to 128 characters"},
		"version too long":       {"APP_VERSION", strings.Repeat("a", 129), "want 1 to 128 characters"},
		"log level unknown":      {"LOG_LEVEL", "verbose", "want one of debug, info, warn, error"},
		"log level warning":      {"LOG_LEVEL", "warning", "want one of debug, info, warn, error"},
		"log level number":       {"LOG_LEVEL", "4", "want one of debug, info, warn, error"},
		"shutdown no unit":       {"SHUTDOWN_TIMEOUT", "20", "want a Go duration greater than 0 and at most 2m0s"},
		"shutdown word":          {"SHUTDOWN_TIMEOUT", "soon", "want a Go duration"},
		"shutdown zero":          {"SHUTDOWN_TIMEOUT", "0s", "greater than 0"},
		"shutdown negative":      {"SHUTDOWN_TIMEOUT", "-5s", "greater than 0"},
		"shutdown too long":      {"SHUTDOWN_TIMEOUT", "2m1s", "at most 2m0s"},
		"proxies word":           {"TRUSTED_PROXIES", "alb", `entry "alb" is not a CIDR`},
		"proxies bad mask":       {"TRUSTED_PROXIES", "10.0.0.0/33", `entry "10.0.0.0/33" is not a CIDR`},
		"proxies empty entry":    {"TRUSTED_PROXIES", "10.0.0.0/16,,10.1.0.0/16", `entry "" is not a CIDR`},
		"proxies trailing comma": {"TRUSTED_PROXIES", "10.0.0.0/16,", `entry "" is not a CIDR`},
		"proxies hostname":       {"TRUSTED_PROXIES", "10.0.0.0/16,localhost", `entry "localhost" is not a CIDR`},
		"proxies zone":           {"TRUSTED_PROXIES", "fe80::1%eth0", `entry "fe80::1%eth0" is not a CIDR`},
		"proxies semicolons":     {"TRUSTED_PROXIES", "10.0.0.0/16;10.1.0.0/16", "is not a CIDR"},
		"max body word":          {"MAX_BODY_BYTES", "1MiB", "want a number of bytes from 1 to 67108864"},
		"max body zero":          {"MAX_BODY_BYTES", "0", "want a number of bytes from 1 to 67108864"},
		"max body too large":     {"MAX_BODY_BYTES", "67108865", "want a number of bytes from 1 to 67108864"},
		"metadata relative":      {"ECS_CONTAINER_METADATA_URI_V4", "/v4/abc", "want an absolute http URL"},
		"metadata scheme":        {"ECS_CONTAINER_METADATA_URI_V4", "ftp://169.254.170.2/v4", "want an absolute http URL"},
		"metadata no host":       {"ECS_CONTAINER_METADATA_URI_V4", "http:///v4", "want an absolute http URL"},
		"metadata query":         {"ECS_CONTAINER_METADATA_URI_V4", "http://169.254.170.2/v4?x=1", "want an absolute http URL"},
		"metadata garbage":       {"ECS_CONTAINER_METADATA_URI_V4", "http://[::1", "want an absolute http URL"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig([]string{"api"}, env{tt.key: tt.value}.get, "dev", io.Discard)
			if err == nil {
				t.Fatalf("loadConfig with %s=%q = nil error, want one", tt.key, tt.value)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.key) || !strings.Contains(msg, tt.want) {
				t.Errorf("loadConfig with %s=%q = %q, want it to name %s and contain %q", tt.key, tt.value, msg, tt.key, tt.want)
			}
		})
	}

	t.Run("every bad variable is reported at once", func(t *testing.T) {
		_, err := loadConfig([]string{"api"}, env{"PORT": "x", "LOG_LEVEL": "x", "SHUTDOWN_TIMEOUT": "x"}.get, "dev", io.Discard)
		if err == nil {
			t.Fatal("loadConfig = nil error, want one")
		}
		for _, key := range []string{"PORT", "LOG_LEVEL", "SHUTDOWN_TIMEOUT"} {
			if !strings.Contains(err.Error(), key+"=") {
				t.Errorf("error %q does not name %s", err, key)
			}
		}
	})

	t.Run("long values are shortened", func(t *testing.T) {
		_, err := loadConfig([]string{"api"}, env{"PORT": strings.Repeat("9", 1000)}.get, "dev", io.Discard)
		if err == nil || len(err.Error()) > 300 {
			t.Errorf("loadConfig with a 1000-character PORT = %v, want a short error", err)
		}
	})
}

func TestLoadConfigModes(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    mode
		wantErr string
	}{
		"serve":                   {args: []string{"api"}, want: modeServe},
		"no program name":         {args: nil, want: modeServe},
		"healthcheck flag":        {args: []string{"api", "-healthcheck"}, want: modeHealthcheck},
		"healthcheck double dash": {args: []string{"api", "--healthcheck"}, want: modeHealthcheck},
		"healthcheck subcommand":  {args: []string{"api", "healthcheck"}, want: modeHealthcheck},
		"version flag":            {args: []string{"api", "-version"}, want: modeVersion},
		"unknown flag":            {args: []string{"api", "-port=80"}, wantErr: "flag provided but not defined: -port"},
		"unknown subcommand":      {args: []string{"api", "serve"}, wantErr: `unexpected argument "serve"`},
		"extra argument":          {args: []string{"api", "healthcheck", "now"}, wantErr: `unexpected argument "healthcheck"`},
		"both modes":              {args: []string{"api", "-healthcheck", "-version"}, wantErr: "cannot be combined"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var usage bytes.Buffer
			cfg, err := loadConfig(tt.args, env{}.get, "dev", &usage)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("loadConfig(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig(%q): %v", tt.args, err)
			}
			if cfg.mode != tt.want {
				t.Errorf("loadConfig(%q) mode = %v, want %v", tt.args, cfg.mode, tt.want)
			}
		})
	}

	t.Run("help", func(t *testing.T) {
		var usage bytes.Buffer
		_, err := loadConfig([]string{"api", "-help"}, env{}.get, "dev", &usage)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("loadConfig(-help) error = %v, want flag.ErrHelp", err)
		}
		for _, want := range []string{"-healthcheck", "-version", "PORT", "TRUSTED_PROXIES"} {
			if !strings.Contains(usage.String(), want) {
				t.Errorf("usage does not mention %s:\n%s", want, usage.String())
			}
		}
	})
}
