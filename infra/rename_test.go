package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRenameIsOneLine: a copy of the repository's Pulumi files whose Pulumi.yaml carries another
// name is a valid project of that name: its stacks check, its components and resources are named
// after it, and keys in the old name's namespace are refused rather than ignored.
func TestRenameIsOneLine(t *testing.T) {
	t.Parallel()
	const renamed = "acme-orders"
	old := loadProject(t).Name.String()
	project, err := os.ReadFile("../" + projectFile)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := os.ReadFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	nameLine := regexp.MustCompile(`(?m)^name: .*$`)
	if !nameLine.Match(project) {
		t.Fatalf("%s has no name line", projectFile)
	}
	dir := writeFiles(t, t.TempDir(), map[string]string{
		projectFile:         nameLine.ReplaceAllString(string(project), "name: "+renamed),
		"Pulumi.dev.yaml":   string(dev),
		"Pulumi.prod.yaml":  productionProfile(t),
		"Pulumi.moved.yaml": "config:\n  aws:region: us-east-1\n  " + renamed + ":cpu: 512\n  " + renamed + ":memory: 1024\n",
		"Pulumi.stale.yaml": "config:\n  aws:region: us-east-1\n  " + old + ":cpu: 512\n",
	})

	for _, stack := range []string{"dev", "prod"} {
		r := mustCheck(t, dir, stack)
		if want := "of project " + renamed + " in us-east-1"; !strings.Contains(firstLine(r.stdout), want) {
			t.Errorf("check %s: %q, want %q", stack, firstLine(r.stdout), want)
		}
	}
	if got := mustCheck(t, dir, "moved").choice(t, "task size"); got != "512 CPU units, 1024 MiB" {
		t.Errorf("keys in the new namespace: task size %q, want 512 CPU units, 1024 MiB", got)
	}
	stale := check(dir, "stale")
	if want := old + ":cpu: is in namespace " + old + ", which nothing here reads; allowed: " + renamed + ":cpu or cpu"; stale.code != 1 ||
		!strings.Contains(stale.stderr, want) {
		t.Errorf("a key in the old namespace: exit %d, stderr %q; want 1 and %q", stale.code, stale.stderr, want)
	}

	settings, err := loadStack(dir, "dev", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	declared, err := declareOffline(settings, dir, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range declared {
		if !d.Custom && !d.Remote && !strings.HasPrefix(d.Type, renamed+":index:") {
			t.Errorf("component %s has type %s, want one of %s:index", d.Name, d.Type, renamed)
		}
	}
	if got := declared.first(repositoryType).str("name"); got != renamed+"-dev" {
		t.Errorf("repository %q, want %s-dev", got, renamed)
	}
	if got := declared.first(providerType).str("defaultTags", "tags", "project"); got != renamed {
		t.Errorf("default tag project = %q, want %s", got, renamed)
	}
}
