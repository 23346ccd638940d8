package main

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fast keeps failing runs short: a failing check is retried for 200ms at most.
var fast = []string{"-timeout", "200ms", "-interval", "20ms", "-request-timeout", "1s"}

// runSmoke calls run with args and returns what it printed and its error.
func runSmoke(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut strings.Builder
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// assertLines fails unless every line in want starts some line of out.
func assertLines(t *testing.T, out string, want ...string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range want {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no line starting with %q in:\n%s", w, out)
		}
	}
}

func TestRunAgainstHTTPStandIn(t *testing.T) {
	ts := serve(t, standIn("3f2a9c1b"))

	t.Run("all checks pass", func(t *testing.T) {
		out, _, err := runSmoke(t, append(fast, "-url", ts.URL, "-version", "3f2a9c1b")...)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		assertLines(t, out,
			`smoke: expecting version "3f2a9c1b" (from the -version flag)`,
			"PASS healthz ",
			`PASS info      200 service "gin-fargate" version "3f2a9c1b"`,
			"PASS not-found 404 JSON from the app",
			"SKIP tls       the URL is http://",
			"SKIP redirect  the URL is http://",
			"smoke: 3 passed, 0 failed, 2 skipped",
		)
	})

	t.Run("wrong version fails", func(t *testing.T) {
		out, stderr, err := runSmoke(t, append(fast, "-url", ts.URL, "-version", "0d1e2f3a")...)
		if err == nil || err.Error() != "1 of 5 checks failed" {
			t.Fatalf("error = %v, want 1 of 5 checks failed", err)
		}
		assertLines(t, out,
			`FAIL info      GET /api/v1/info: version "3f2a9c1b", want "0d1e2f3a"`,
			"smoke: 2 passed, 1 failed, 2 skipped",
		)
		if !strings.Contains(stderr, "smoke: info: attempt 1 failed, retrying") {
			t.Errorf("stderr has no retry note:\n%s", stderr)
		}
	})

	t.Run("no version skips the comparison out loud", func(t *testing.T) {
		out, _, err := runSmoke(t, append(fast, "-url", ts.URL)...)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		assertLines(t, out,
			`PASS info      200 service "gin-fargate" version "3f2a9c1b" (not compared)`,
			"SKIP version   no expected version: -url was given without -version",
			"smoke: 3 passed, 0 failed, 3 skipped",
		)
	})
}

func TestRunNonJSON404Fails(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/healthz", standIn("v1"))
	mux.Handle("/api/v1/info", standIn("v1"))
	mux.Handle("/", http.NotFoundHandler()) // a router's default text 404
	ts := serve(t, mux)
	out, _, err := runSmoke(t, append(fast, "-url", ts.URL, "-version", "v1")...)
	if err == nil {
		t.Fatalf("run passed, want a failure:\n%s", out)
	}
	assertLines(t, out, `FAIL not-found GET /_smoke/not-found: 404 with Content-Type "text/plain; charset=utf-8", want application/json`)
}

func TestRunAgainstLoadBalancerRouting(t *testing.T) {
	// With `paths` restricted to the API, the load balancer answers everything else.
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", standIn("v1"))
	mux.HandleFunc("/", loadBalancer404)
	ts := serve(t, mux)
	out, _, err := runSmoke(t, append(fast, "-url", ts.URL, "-version", "v1")...)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	assertLines(t, out,
		"SKIP healthz   the load balancer answers 404 for /healthz",
		"PASS info ",
		`PASS not-found 404 JSON from the load balancer (code "not_found")`,
	)
}

func TestRunWithDomain(t *testing.T) {
	ts, _ := serveTLS(t, standIn("v1"))
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	redirect := func(location string, status int) *http.ServeMux {
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, location+r.URL.Path, status)
		})
		return mux
	}

	t.Run("certificate and redirect pass", func(t *testing.T) {
		plain := serve(t, redirect(ts.URL, http.StatusMovedPermanently))
		out, _, err := runSmoke(t, append(fast, "-url", ts.URL, "-version", "v1", "-ca-file", caFile, "-http-url", plain.URL)...)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		assertLines(t, out,
			"PASS healthz ",
			"PASS info ",
			"PASS not-found ",
			`PASS tls       certificate valid for 127.0.0.1, issued by "Acme Co"`,
			"PASS redirect  "+plain.URL+"/ answers 301 to "+ts.URL+"/",
			"smoke: 5 passed, 0 failed, 0 skipped",
		)
	})

	t.Run("temporary redirect fails", func(t *testing.T) {
		plain := serve(t, redirect(ts.URL, http.StatusFound))
		out, _, err := runSmoke(t, append(fast, "-url", ts.URL, "-version", "v1", "-ca-file", caFile, "-http-url", plain.URL)...)
		if err == nil {
			t.Fatalf("run passed, want a failure:\n%s", out)
		}
		assertLines(t, out, "FAIL redirect  GET "+plain.URL+"/: status 302, want 301")
	})

	t.Run("untrusted certificate fails", func(t *testing.T) {
		plain := serve(t, redirect(ts.URL, http.StatusMovedPermanently))
		out, _, err := runSmoke(t, append(fast, "-url", ts.URL, "-version", "v1", "-http-url", plain.URL)...)
		if err == nil {
			t.Fatalf("run passed, want a failure:\n%s", out)
		}
		assertLines(t, out, "FAIL tls       TLS connection to "+strings.TrimPrefix(ts.URL, "https://"))
		if !strings.Contains(out, "certificate") {
			t.Errorf("output does not say the certificate is the problem:\n%s", out)
		}
	})
}

func TestRunSlowServerHitsTheDeadline(t *testing.T) {
	ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers only when the client gives up
	}))
	out, _, err := runSmoke(t, "-url", ts.URL, "-version", "v1", "-timeout", "100ms", "-interval", "10ms", "-request-timeout", "50ms")
	if err == nil || err.Error() != "3 of 5 checks failed" {
		t.Fatalf("error = %v, want 3 of 5 checks failed\n%s", err, out)
	}
	assertLines(t, out, "FAIL healthz ", "FAIL info ", "FAIL not-found ")
	if !strings.Contains(out, "no answer within the request timeout (50ms)") {
		t.Errorf("output does not name the request timeout:\n%s", out)
	}
}

func TestRunFromStackOutputs(t *testing.T) {
	ts := serve(t, standIn("3f2a9c1b"))

	t.Run("version from the image tag", func(t *testing.T) {
		fakePulumi(t, `{"url":"`+ts.URL+`","imageUri":"1.dkr.ecr.us-east-1.amazonaws.com/api:3f2a9c1b@sha256:0123"}`, "", 0)
		out, _, err := runSmoke(t, append(fast, "-stack", "dev")...)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		assertLines(t, out,
			"smoke: checking "+ts.URL+" (from stack dev outputs)",
			`smoke: expecting version "3f2a9c1b" (from the imageUri output)`,
			"smoke: 3 passed, 0 failed, 2 skipped",
		)
	})

	t.Run("digest-only image skips the version check out loud", func(t *testing.T) {
		fakePulumi(t, `{"url":"`+ts.URL+`","imageUri":"1.dkr.ecr.us-east-1.amazonaws.com/api@sha256:0123"}`, "", 0)
		out, _, err := runSmoke(t, fast...)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		assertLines(t, out, "SKIP version   no expected version: no -version flag or imageTag output, and imageUri 1.dkr.ecr.us-east-1.amazonaws.com/api@sha256:0123 names a digest without a tag")
	})

	t.Run("missing outputs", func(t *testing.T) {
		fakePulumi(t, `{}`, "", 0)
		out, _, err := runSmoke(t, fast...)
		if err == nil || !strings.Contains(err.Error(), "stack dev: no url output") {
			t.Fatalf("error = %v, want no url output", err)
		}
		if out != "" {
			t.Errorf("printed %q before knowing the target", out)
		}
	})

	t.Run("url output without a scheme", func(t *testing.T) {
		fakePulumi(t, `{"url":"alb-1.us-east-1.elb.amazonaws.com"}`, "", 0)
		_, _, err := runSmoke(t, fast...)
		if err == nil || !strings.Contains(err.Error(), "want an http:// or https:// URL") {
			t.Fatalf("error = %v, want a complaint about the scheme", err)
		}
	})
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want error
	}{
		{"help", []string{"-h"}, flag.ErrHelp},
		{"unknown flag", []string{"-nope"}, errUsage},
		{"stray argument", []string{"-url", "http://x", "extra"}, errUsage},
		{"zero timeout", []string{"-url", "http://x", "-timeout", "0"}, errUsage},
		{"no stack or url", []string{"-stack", ""}, errUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runSmoke(t, tt.args...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if !strings.Contains(stderr, "Usage: smoke") {
				t.Errorf("stderr has no usage:\n%s", stderr)
			}
		})
	}

	t.Run("http-url with an http target", func(t *testing.T) {
		_, _, err := runSmoke(t, "-url", "http://alb.example", "-http-url", "http://alb.example")
		if err == nil || !strings.Contains(err.Error(), "-http-url applies to an https URL only") {
			t.Errorf("error = %v, want -http-url rejected", err)
		}
	})
	t.Run("missing CA file", func(t *testing.T) {
		_, _, err := runSmoke(t, "-url", "https://api.example.com", "-ca-file", filepath.Join(t.TempDir(), "none.pem"))
		if err == nil || !strings.Contains(err.Error(), "read CA file") {
			t.Errorf("error = %v, want read CA file", err)
		}
	})
}

func TestRedirectSource(t *testing.T) {
	base := mustParse(t, "https://api.example.com:8443/")
	tests := []struct {
		raw, want, wantErr string
	}{
		{raw: "", want: "http://api.example.com/"},
		{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/"},
		{raw: "https://api.example.com", wantErr: "want an http:// URL"},
		{raw: "api.example.com", wantErr: "want an http:// or https:// URL"},
	}
	for _, tt := range tests {
		got, err := redirectSource(tt.raw, base)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("redirectSource(%q) error = %v, want %q", tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("redirectSource(%q) = %v, %v, want %s", tt.raw, got, err, tt.want)
		}
	}
	v6, err := redirectSource("", mustParse(t, "https://[::1]:8443"))
	if err != nil || v6.String() != "http://[::1]/" {
		t.Errorf("redirectSource for an IPv6 host = %v, %v, want http://[::1]/", v6, err)
	}
}
