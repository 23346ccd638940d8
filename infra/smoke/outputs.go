package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// stackOutputs are the stack outputs the smoke test reads.
type stackOutputs struct {
	URL      string // service URL, scheme included
	ImageURI string // the deployed image: repo:tag, repo@sha256:…, or repo:tag@sha256:…
	ImageTag string // the image tag, exported when imageUri carries only a digest
}

// outputsTimeout bounds the `pulumi stack output` call.
const outputsTimeout = 2 * time.Minute

// readStackOutputs runs `pulumi stack output --json --stack <stack>` and parses the result.
func readStackOutputs(ctx context.Context, stack string) (stackOutputs, error) {
	ctx, cancel := context.WithTimeout(ctx, outputsTimeout)
	defer cancel()
	pulumi, err := exec.LookPath("pulumi")
	if err != nil {
		return stackOutputs{}, fmt.Errorf("find the pulumi CLI: %w (install it, or pass -url and -version to check a service without it)", err)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, pulumi, "stack", "output", "--json", "--stack", stack)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return stackOutputs{}, fmt.Errorf("pulumi stack output --json --stack %s: %w: %s", stack, err, strings.TrimSpace(stderr.String()))
	}
	outputs, err := parseStackOutputs(out)
	if err != nil {
		return stackOutputs{}, fmt.Errorf("stack %s: %w", stack, err)
	}
	return outputs, nil
}

// parseStackOutputs decodes the JSON object printed by `pulumi stack output --json`.
// url is required; imageUri and imageTag are optional.
func parseStackOutputs(data []byte) (stackOutputs, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return stackOutputs{}, fmt.Errorf("decode stack outputs: %w", err)
	}
	str := func(key string) (string, error) {
		v, ok := raw[key]
		if !ok {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("output %s is %s, want a string", key, v)
		}
		return s, nil
	}
	var out stackOutputs
	var err error
	if out.URL, err = str("url"); err != nil {
		return stackOutputs{}, err
	}
	if out.ImageURI, err = str("imageUri"); err != nil {
		return stackOutputs{}, err
	}
	if out.ImageTag, err = str("imageTag"); err != nil {
		return stackOutputs{}, err
	}
	if out.URL == "" {
		names := make([]string, 0, len(raw))
		for name := range raw {
			names = append(names, name)
		}
		sort.Strings(names)
		have := "no outputs: has `just up` run?"
		if len(names) > 0 {
			have = "outputs: " + strings.Join(names, ", ")
		}
		return stackOutputs{}, fmt.Errorf("no url output (%s)", have)
	}
	return out, nil
}

// expectation is the version /api/v1/info must report, and where it came from.
// An empty version means the version check is skipped, and source says why.
type expectation struct {
	version string
	source  string
}

// expectedVersion picks the version to expect: the -version flag, else the
// imageTag output, else the tag inside imageUri.
func expectedVersion(flagVersion string, out stackOutputs) expectation {
	switch {
	case flagVersion != "":
		return expectation{flagVersion, "the -version flag"}
	case out.ImageTag != "":
		return expectation{out.ImageTag, "the imageTag output"}
	}
	if tag := imageTag(out.ImageURI); tag != "" {
		return expectation{tag, "the imageUri output"}
	}
	if out.ImageURI == "" {
		return expectation{"", "no -version flag and no imageTag or imageUri output"}
	}
	return expectation{"", "no -version flag or imageTag output, and imageUri " + out.ImageURI + " names a digest without a tag"}
}

// imageTag returns the tag of an image reference, or "" when it has none:
// "repo:tag" and "repo:tag@sha256:…" give "tag"; "repo@sha256:…" and
// "registry:5000/repo" give "".
func imageTag(ref string) string {
	name, _, _ := strings.Cut(ref, "@")
	i := strings.LastIndex(name, ":")
	if i < 0 || strings.Contains(name[i+1:], "/") {
		return ""
	}
	return name[i+1:]
}
