package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

func TestLoadConfigValues(t *testing.T) {
	tests := map[string]struct {
		env  env
		want func(c *config) // the change from the defaults
	}{
		"defaults":              {env{}, func(*config) {}},
		"port":                  {env{"PORT": "9090"}, func(c *config) { c.port = 9090 }},
		"lowest port":           {env{"PORT": "1"}, func(c *config) { c.port = 1 }},
		"highest port":          {env{"PORT": "65535"}, func(c *config) { c.port = 65535 }},
		"version":               {env{"APP_VERSION": "sha-0123abc.1+build:2_x"}, func(c *config) { c.version = "sha-0123abc.1+build:2_x" }},
		"service name":          {env{"SERVICE_NAME": "orders-api"}, func(c *config) { c.serviceName = "orders-api" }},
		"debug":                 {env{"LOG_LEVEL": "debug"}, func(c *config) { c.logLevel = slog.LevelDebug }},
		"WARN":                  {env{"LOG_LEVEL": "WARN"}, func(c *config) { c.logLevel = slog.LevelWarn }},
		"error":                 {env{"LOG_LEVEL": "error"}, func(c *config) { c.logLevel = slog.LevelError }},
		"info":                  {env{"LOG_LEVEL": "info"}, func(*config) {}},
		"shutdown":              {env{"SHUTDOWN_TIMEOUT": "1m30s"}, func(c *config) { c.shutdownTimeout = 90 * time.Second }},
		"longest shutdown":      {env{"SHUTDOWN_TIMEOUT": "2m"}, func(c *config) { c.shutdownTimeout = 2 * time.Minute }},
		"blank trusted proxies": {env{"TRUSTED_PROXIES": "  "}, func(*config) {}},
		"max body":              {env{"MAX_BODY_BYTES": "2048"}, func(c *config) { c.maxBodyBytes = 2048 }},
		"trusted proxies": {env{"TRUSTED_PROXIES": " 10.0.0.0/16 , 192.168.1.7,fd00::/8,10.1.2.3/8"}, func(c *config) {
			c.trustedProxies = []string{"10.0.0.0/16", "192.168.1.7/32", "fd00::/8", "10.0.0.0/8"}
		}},
		"metadata": {env{"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc-123/"}, func(c *config) {
			c.ecsMetadataURI = "http://169.254.170.2/v4/abc-123"
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := loadConfig([]string{"api"}, tt.env.get, "v0.0.1", io.Discard)
			if err != nil {
				t.Fatalf("loadConfig(%v): %v", tt.env, err)
			}
			want := config{mode: modeServe, port: contract.DefaultPort, version: "v0.0.1", logLevel: slog.LevelInfo,
				shutdownTimeout: contract.ShutdownTimeout, maxBodyBytes: 1 << 20}
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("loadConfig(%v) = %+v, want %+v", tt.env, got, want)
			}
		})
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
		"version space":          {"APP_VERSION", "v1 beta", "want 1 to 128 characters from A-Z a-z 0-9 . _ + : -, e.g. v1.2.3"},
		"version slash":          {"APP_VERSION", "feature/x", "want 1 to 128 characters"},
		"version quote":          {"APP_VERSION", `v1"`, "want 1 to 128 characters"},
		"version newline":        {"APP_VERSION", "v1\nlevel=ERROR", "want 1 to 128 characters"},
		"version non-ascii":      {"APP_VERSION", "v1é", "want 1 to 128 characters"},
		"version too long":       {"APP_VERSION", strings.Repeat("a", 129), "want 1 to 128 characters"},
		"service name space":     {"SERVICE_NAME", "orders api", "want 1 to 128 characters from A-Z a-z 0-9 . _ + : -, e.g. the Pulumi project's name"},
		"service name newline":   {"SERVICE_NAME", "api\nlevel=ERROR", "want 1 to 128 characters"},
		"service name too long":  {"SERVICE_NAME", strings.Repeat("a", 129), "want 1 to 128 characters"},
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
		"max body word":          {"MAX_BODY_BYTES", "1MiB", "want a number of bytes from 1 to 67108864 (64 MiB), e.g. 1048576"},
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
			if err == nil || !strings.Contains(err.Error(), tt.key) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadConfig with %s=%q = %v, want an error naming %s and containing %q", tt.key, tt.value, err, tt.key, tt.want)
			}
		})
	}

	t.Run("every bad variable is reported at once", func(t *testing.T) {
		_, err := loadConfig([]string{"api"}, env{"PORT": "x", "LOG_LEVEL": "x", "SHUTDOWN_TIMEOUT": "x"}.get, "dev", io.Discard)
		want := fmt.Sprintf(`invalid configuration: PORT="x": want an integer from 1 to 65535, e.g. %d`+"\n"+
			`LOG_LEVEL="x": want one of debug, info, warn, error`+"\n"+
			`SHUTDOWN_TIMEOUT="x": want a Go duration greater than 0 and at most 2m0s, e.g. %s`, contract.DefaultPort, contract.ShutdownTimeout)
		if err == nil || err.Error() != want {
			t.Errorf("loadConfig = %v, want %q", err, want)
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
		"healthcheck flag":        {args: []string{"api", contract.HealthcheckFlag}, want: modeHealthcheck},
		"healthcheck double dash": {args: []string{"api", "--healthcheck"}, want: modeHealthcheck},
		"healthcheck subcommand":  {args: []string{"api", "healthcheck"}, want: modeHealthcheck},
		"version flag":            {args: []string{"api", "-version"}, want: modeVersion},
		"unknown flag":            {args: []string{"api", "-port=80"}, wantErr: "flag provided but not defined: -port"},
		"unknown subcommand":      {args: []string{"api", "serve"}, wantErr: `unexpected argument "serve": the only subcommand is healthcheck`},
		"extra argument":          {args: []string{"api", "healthcheck", "now"}, wantErr: `unexpected argument "healthcheck"`},
		"both modes":              {args: []string{"api", "-healthcheck", "-version"}, wantErr: "-healthcheck and -version cannot be combined"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			cfg, err := loadConfig(tt.args, env{}.get, "dev", io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("loadConfig(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.mode != tt.want {
				t.Errorf("loadConfig(%q) = mode %v, %v; want mode %v", tt.args, cfg.mode, err, tt.want)
			}
		})
	}

	t.Run("help", func(t *testing.T) {
		var usage bytes.Buffer
		_, err := loadConfig([]string{"api", "-help"}, env{}.get, "dev", &usage)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("loadConfig(-help) error = %v, want flag.ErrHelp", err)
		}
		for _, want := range []string{"-healthcheck", "-version", "PORT", "SERVICE_NAME", "TRUSTED_PROXIES"} {
			if !strings.Contains(usage.String(), want) {
				t.Errorf("usage does not mention %s:\n%s", want, usage.String())
			}
		}
	})
}
