package main

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	args := []string{"-stack", "prod", "-url", "https://api.example.com", "-version", "v1", "-http-url", "http://api.example.com",
		"-ca-file", "ca.pem", "-timeout", "1m", "-request-timeout", "2s", "-interval", "3s"}
	want := config{stack: "prod", url: "https://api.example.com", version: "v1", httpURL: "http://api.example.com",
		caFile: "ca.pem", timeout: time.Minute, requestTimeout: 2 * time.Second, interval: 3 * time.Second}
	if got, err := parseFlags(args, io.Discard); err != nil || got != want {
		t.Errorf("parseFlags = %+v, %v\nwant %+v", got, err, want)
	}
}

func TestParseFlagsDefaults(t *testing.T) {
	want := config{stack: "dev", timeout: 3 * time.Minute, requestTimeout: 10 * time.Second, interval: 5 * time.Second}
	if got, err := parseFlags(nil, io.Discard); err != nil || got != want {
		t.Errorf("parseFlags = %+v, %v\nwant %+v", got, err, want)
	}
}

func TestParseFlagsRejects(t *testing.T) {
	const usage = "\nUsage: smoke [flags]\n"
	for _, tt := range []struct {
		args []string
		want string // the exit code and the start of stderr
	}{
		{[]string{"-h"}, "exit 0: Usage: smoke [flags]\n"},
		{[]string{"-nope"}, "exit 2: flag provided but not defined: -nope" + usage},
		{[]string{"-timeout", "soon"}, `exit 2: invalid value "soon" for flag -timeout: parse error` + usage},
		{[]string{"-url", "http://x", "extra"}, `exit 2: unexpected argument "extra"` + usage},
		{[]string{"-stack", ""}, "exit 2: -stack or -url is required" + usage},
		{[]string{"-timeout", "0"}, "exit 2: -timeout must be positive, got 0s" + usage},
		{[]string{"-request-timeout", "-1s"}, "exit 2: -request-timeout must be positive, got -1s" + usage},
		{[]string{"-interval", "0s"}, "exit 2: -interval must be positive, got 0s" + usage},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stderr strings.Builder
			_, err := parseFlags(tt.args, &stderr)
			if got := fmt.Sprintf("exit %d: %s", exitCode(err, io.Discard), &stderr); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got:\n%s\nwant it to start with:\n%s", got, tt.want)
			}
		})
	}
}
