package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// outputsOf reads outputs for the stack named want, and fails the test for any other stack.
func outputsOf(t *testing.T, want string, outputs map[string]any) outputsFunc {
	return func(_ context.Context, stack string) (auto.OutputMap, error) {
		if stack != want {
			t.Errorf("read the outputs of stack %q, want %q", stack, want)
		}
		out := auto.OutputMap{}
		for name, value := range outputs {
			out[name] = auto.OutputValue{Value: value}
		}
		return out, nil
	}
}

func TestResolveTarget(t *testing.T) {
	deployed := map[string]any{"url": "http://alb-1.us-east-1.elb.amazonaws.com", "imageTag": "3f2a9c1b", "desiredCount": 2.0}
	failing := func(context.Context, string) (auto.OutputMap, error) { return nil, errors.New("no Pulumi CLI") }
	for _, tt := range []struct {
		name    string
		cfg     config
		outputs outputsFunc
		want    string // the target, or the error
	}{
		{"url and version from the flags", config{url: "http://alb.example", version: "v2"}, nil,
			`http://alb.example from the -url flag; version "v2" from the -version flag; redirect from <nil>`},
		{"url without version", config{url: "http://alb.example"}, nil,
			`http://alb.example from the -url flag; version "" from -url was given without -version; redirect from <nil>`},
		{"url and version from the stack outputs", config{stack: "prod"}, outputsOf(t, "prod", deployed),
			`http://alb-1.us-east-1.elb.amazonaws.com from stack prod outputs; version "3f2a9c1b" from the imageTag output; redirect from <nil>`},
		{"the -version flag wins over imageTag", config{stack: "dev", version: "v2"}, outputsOf(t, "dev", deployed),
			`http://alb-1.us-east-1.elb.amazonaws.com from stack dev outputs; version "v2" from the -version flag; redirect from <nil>`},
		{"no imageTag output", config{stack: "dev"}, outputsOf(t, "dev", map[string]any{"url": "http://alb.example"}),
			`http://alb.example from stack dev outputs; version "" from no -version flag and no imageTag output; redirect from <nil>`},
		{"the outputs cannot be read", config{stack: "dev"}, failing,
			"read the outputs of stack dev: no Pulumi CLI (pass -url and -version to check a service without the Pulumi CLI)"},
		{"never deployed", config{stack: "dev"}, outputsOf(t, "dev", map[string]any{}),
			"stack dev has no url output: has `just up` run?"},
		{"url output that is not a string", config{stack: "dev"}, outputsOf(t, "dev", map[string]any{"url": 42.0}),
			"stack dev has no url output: has `just up` run?"},
		{"url output without a scheme", config{stack: "dev"}, outputsOf(t, "dev", map[string]any{"url": "alb-1.us-east-1.elb.amazonaws.com"}),
			`stack dev output url "alb-1.us-east-1.elb.amazonaws.com": want an absolute http:// or https:// URL`},
		{"url of another scheme", config{url: "ftp://alb.example"}, nil,
			`-url "ftp://alb.example": want an absolute http:// or https:// URL`},
		{"https redirects from port 80 of the same host", config{url: "https://api.example.com:8443/", version: "v1"}, nil,
			`https://api.example.com:8443/ from the -url flag; version "v1" from the -version flag; redirect from http://api.example.com/`},
		{"an IPv6 literal keeps its brackets", config{url: "https://[::1]:8443", version: "v1"}, nil,
			`https://[::1]:8443 from the -url flag; version "v1" from the -version flag; redirect from http://[::1]/`},
		{"-http-url names the redirect", config{url: "https://api.example.com", version: "v1", httpURL: "http://127.0.0.1:8080"}, nil,
			`https://api.example.com from the -url flag; version "v1" from the -version flag; redirect from http://127.0.0.1:8080/`},
		{"-http-url must be http", config{url: "https://api.example.com", httpURL: "https://api.example.com"}, nil,
			`-http-url "https://api.example.com": want an absolute http:// URL`},
		{"-http-url with an http target", config{url: "http://alb.example", httpURL: "http://alb.example"}, nil,
			"-http-url applies to an https URL only, and http://alb.example is http"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target, err := resolveTarget(t.Context(), tt.cfg, tt.outputs)
			var got string
			if err != nil {
				got = err.Error()
			} else {
				got = fmt.Sprintf("%s from %s; version %q from %s; redirect from %v", target.base, target.origin, target.version, target.versionSource, target.redirectFrom)
			}
			if got != tt.want {
				t.Errorf("target = %s\nwant     %s", got, tt.want)
			}
		})
	}
}
