package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestParseStackOutputs(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    stackOutputs
		wantErr string
	}{
		{
			name: "all outputs",
			json: `{"url":"https://api.example.com","imageUri":"1.dkr.ecr.us-east-1.amazonaws.com/api@sha256:ab","imageTag":"3f2a","clusterName":"c","desiredCount":2}`,
			want: stackOutputs{URL: "https://api.example.com", ImageURI: "1.dkr.ecr.us-east-1.amazonaws.com/api@sha256:ab", ImageTag: "3f2a"},
		},
		{
			name: "url only",
			json: `{"url":"http://alb-1.us-east-1.elb.amazonaws.com"}`,
			want: stackOutputs{URL: "http://alb-1.us-east-1.elb.amazonaws.com"},
		},
		{name: "never deployed", json: `{}`, wantErr: "no url output (no outputs: has `just up` run?)"},
		{name: "url missing", json: `{"clusterName":"c","imageUri":"r:t"}`, wantErr: "no url output (outputs: clusterName, imageUri)"},
		{name: "url not a string", json: `{"url":42}`, wantErr: "output url is 42, want a string"},
		{name: "not JSON", json: `error: no stack`, wantErr: "decode stack outputs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStackOutputs([]byte(tt.json))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("outputs = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestImageTag(t *testing.T) {
	tests := []struct {
		ref, want string
	}{
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/gin-fargate:3f2a9c1b", "3f2a9c1b"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/gin-fargate:3f2a9c1b@sha256:0123", "3f2a9c1b"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/gin-fargate@sha256:0123", ""},
		{"localhost:5000/gin-fargate", ""},
		{"localhost:5000/gin-fargate:v2", "v2"},
		{"gin-fargate", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := imageTag(tt.ref); got != tt.want {
			t.Errorf("imageTag(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestExpectedVersion(t *testing.T) {
	const digestOnly = "r.example/api@sha256:0123"
	tests := []struct {
		name       string
		flag       string
		out        stackOutputs
		want       string
		wantSource string
	}{
		{name: "flag wins", flag: "v9", out: stackOutputs{ImageTag: "v1", ImageURI: "r.example/api:v2"}, want: "v9", wantSource: "-version flag"},
		{name: "imageTag output", out: stackOutputs{ImageTag: "v1", ImageURI: "r.example/api:v2"}, want: "v1", wantSource: "imageTag output"},
		{name: "tag in imageUri", out: stackOutputs{ImageURI: "r.example/api:v2@sha256:0123"}, want: "v2", wantSource: "imageUri output"},
		{name: "digest only", out: stackOutputs{ImageURI: digestOnly}, wantSource: digestOnly + " names a digest without a tag"},
		{name: "no image outputs", wantSource: "no imageTag or imageUri output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := expectedVersion(tt.flag, tt.out)
			if got.version != tt.want {
				t.Errorf("version = %q, want %q", got.version, tt.want)
			}
			if !strings.Contains(got.source, tt.wantSource) {
				t.Errorf("source = %q, want it to contain %q", got.source, tt.wantSource)
			}
		})
	}
}

// fakePulumi puts a `pulumi` script first on PATH that records its arguments
// and prints stdout (or fails with stderr when exitCode is not 0). It returns
// the file holding the recorded arguments.
func fakePulumi(t *testing.T, stdout, stderr string, exitCode int) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake pulumi CLI is a shell script")
	}
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	script := "#!/bin/sh\n" +
		"printf '%s\\n' \"$*\" > '" + argsFile + "'\n" +
		"printf '%s' '" + stdout + "'\n" +
		"printf '%s' '" + stderr + "' >&2\n" +
		"exit " + strconv.Itoa(exitCode) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "pulumi"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return argsFile
}

func TestReadStackOutputs(t *testing.T) {
	t.Run("runs pulumi stack output for the stack", func(t *testing.T) {
		argsFile := fakePulumi(t, `{"url":"https://api.example.com","imageTag":"v1"}`, "", 0)
		got, err := readStackOutputs(context.Background(), "prod")
		if err != nil {
			t.Fatal(err)
		}
		if want := (stackOutputs{URL: "https://api.example.com", ImageTag: "v1"}); got != want {
			t.Errorf("outputs = %+v, want %+v", got, want)
		}
		args, err := os.ReadFile(argsFile)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.TrimSpace(string(args)), "stack output --json --stack prod"; got != want {
			t.Errorf("pulumi args = %q, want %q", got, want)
		}
	})
	t.Run("pulumi fails", func(t *testing.T) {
		fakePulumi(t, "", "error: no stack named dev found", 1)
		_, err := readStackOutputs(context.Background(), "dev")
		if err == nil || !strings.Contains(err.Error(), "error: no stack named dev found") {
			t.Errorf("error = %v, want pulumi's message", err)
		}
	})
	t.Run("pulumi missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := readStackOutputs(context.Background(), "dev")
		if err == nil || !strings.Contains(err.Error(), "pass -url and -version") {
			t.Errorf("error = %v, want a hint to pass -url and -version", err)
		}
	})
}
