package main

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// target is the service under test and the version it should report.
type target struct {
	base          *url.URL
	origin        string   // where base came from, for the report
	version       string   // the version /api/v1/info must report; "" skips the comparison
	versionSource string   // where version came from, or why there is none
	redirectFrom  *url.URL // the plain-HTTP URL that must redirect to an https base; nil for http
}

// outputsFunc reads a stack's outputs.
type outputsFunc func(ctx context.Context, stack string) (auto.OutputMap, error)

// stackOutputs reads the outputs of a stack of the project in the working directory with the
// Pulumi CLI.
func stackOutputs(ctx context.Context, stack string) (auto.OutputMap, error) {
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir("."))
	if err != nil {
		return nil, err
	}
	return ws.StackOutputs(ctx, stack)
}

// resolveTarget takes the target from -url, or else from the stack's url output, and the version
// to expect from -version, or else from the stack's imageTag output (the app's APP_VERSION).
func resolveTarget(ctx context.Context, cfg config, outputs outputsFunc) (target, error) {
	t := target{origin: "the -url flag", version: cfg.version, versionSource: "the -version flag"}
	raw, name := cfg.url, "-url"
	if raw == "" {
		out, err := outputs(ctx, cfg.stack)
		if err != nil {
			return target{}, fmt.Errorf("read the outputs of stack %s: %w (pass -url and -version to check a service without the Pulumi CLI)", cfg.stack, err)
		}
		if raw, _ = out["url"].Value.(string); raw == "" {
			return target{}, fmt.Errorf("stack %s has no url output: has `just up` run?", cfg.stack)
		}
		t.origin, name = "stack "+cfg.stack+" outputs", "stack "+cfg.stack+" output url"
		if t.version == "" {
			t.version, _ = out["imageTag"].Value.(string)
			t.versionSource = "the imageTag output"
		}
		if t.version == "" {
			t.versionSource = "no -version flag and no imageTag output"
		}
	} else if t.version == "" {
		t.versionSource = "-url was given without -version"
	}

	var err error
	if t.base, err = parseURL(name, raw, "http", "https"); err != nil {
		return target{}, err
	}
	if t.base.Scheme == "http" {
		if cfg.httpURL != "" {
			return target{}, fmt.Errorf("-http-url applies to an https URL only, and %s is http", t.base)
		}
		return t, nil
	}
	if cfg.httpURL == "" { // port 80 of the same host; an IPv6 literal keeps its brackets
		t.redirectFrom = &url.URL{Scheme: "http", Host: strings.TrimSuffix(t.base.Host, ":"+t.base.Port()), Path: "/"}
		return t, nil
	}
	if t.redirectFrom, err = parseURL("-http-url", cfg.httpURL, "http"); err != nil {
		return target{}, err
	}
	t.redirectFrom.Path = cmp.Or(t.redirectFrom.Path, "/")
	return t, nil
}

// parseURL parses raw, the value of name, as an absolute URL with one of schemes.
func parseURL(name, raw string, schemes ...string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		return nil, fmt.Errorf("%s %q: want an absolute %s:// URL", name, raw, strings.Join(schemes, ":// or "))
	}
	return u, nil
}
