package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func mustTag(t *testing.T, root, platform string) string {
	t.Helper()
	tag, err := imageTag(root, platform, map[string]string{versionBuildArg: "<image tag>"})
	if err != nil {
		t.Fatalf("image tag of %s: %v", root, err)
	}
	return tag
}

func writeFile(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImageTagIsAValidDockerTag(t *testing.T) {
	t.Parallel()
	tag := mustTag(t, writeSourceTree(t, nil), "linux/arm64")
	if !regexp.MustCompile(`^[a-f0-9]{24}$`).MatchString(tag) {
		t.Errorf("tag %q is not 24 hex characters", tag)
	}
	if again := mustTag(t, writeSourceTree(t, nil), "linux/arm64"); again != tag {
		t.Errorf("same sources in another directory give tag %q, want %q (paths must be relative)", again, tag)
	}
}

// TestImageTagFollowsBuildInputs: the tag changes exactly when something that decides the image
// bytes changes.
func TestImageTagFollowsBuildInputs(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		change  func(t *testing.T, root string)
		changes bool
	}{
		"app source edited":        {func(t *testing.T, r string) { writeFile(t, r, "app/main.go", "package main\n// v2\n") }, true},
		"app source added":         {func(t *testing.T, r string) { writeFile(t, r, "app/routes.go", "package main\n") }, true},
		"nested app source added":  {func(t *testing.T, r string) { writeFile(t, r, "app/internal/x/x.go", "package x\n") }, true},
		"app source renamed":       {func(t *testing.T, r string) { mustRename(t, r, "app/main.go", "app/server.go") }, true},
		"Dockerfile edited":        {func(t *testing.T, r string) { writeFile(t, r, "Dockerfile", "FROM scratch\n") }, true},
		".dockerignore edited":     {func(t *testing.T, r string) { writeFile(t, r, ".dockerignore", "**\n!app/\n") }, true},
		"go.mod edited":            {func(t *testing.T, r string) { writeFile(t, r, "go.mod", "module example.com/m\n\ngo 1.27\n") }, true},
		"go.sum edited":            {func(t *testing.T, r string) { writeFile(t, r, "go.sum", "example.com/x v1.0.0 h1:abc=\n") }, true},
		"go.sum removed":           {func(t *testing.T, r string) { mustRemove(t, r, "go.sum") }, true},
		"README edited":            {func(t *testing.T, r string) { writeFile(t, r, "README.md", "# changed\n") }, false},
		"infra edited":             {func(t *testing.T, r string) { writeFile(t, r, "infra/main.go", "package main\n// x\n") }, false},
		"app test edited":          {func(t *testing.T, r string) { writeFile(t, r, "app/main_test.go", "package main\n// x\n") }, false},
		"app test added":           {func(t *testing.T, r string) { writeFile(t, r, "app/new_test.go", "package main\n") }, false},
		"app testdata added":       {func(t *testing.T, r string) { writeFile(t, r, "app/testdata/fuzz/x", "data") }, false},
		"file outside app added":   {func(t *testing.T, r string) { writeFile(t, r, "docs/x.md", "x") }, false},
		"dockerignored app file":   {func(t *testing.T, r string) { writeFile(t, r, "app/notes.md", "x") }, false},
		"re-included app markdown": {func(t *testing.T, r string) { writeFile(t, r, "app/embed/page.md", "x") }, true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			extra := map[string]string{".dockerignore": "**\n!go.mod\n!go.sum\n!app/\napp/**/*.md\n!app/embed/*.md\n"}
			root := writeSourceTree(t, extra)
			before := mustTag(t, root, "linux/arm64")
			tt.change(t, root)
			after := mustTag(t, root, "linux/arm64")
			if changed := before != after; changed != tt.changes {
				t.Errorf("tag changed = %v (%s -> %s), want %v", changed, before, after, tt.changes)
			}
		})
	}
}

func TestImageTagFollowsPlatformAndBuildArgs(t *testing.T) {
	t.Parallel()
	root := writeSourceTree(t, nil)
	arm := mustTag(t, root, archARM64.platform())
	amd := mustTag(t, root, archX8664.platform())
	if arm == amd {
		t.Errorf("arm64 and x86_64 images share tag %s", arm)
	}
	other, err := imageTag(root, archARM64.platform(), map[string]string{versionBuildArg: "<image tag>", "CGO": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if other == arm {
		t.Error("a new build argument does not change the tag")
	}
}

func TestImageTagWithoutDockerfileOrApp(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	tag := mustTag(t, empty, "linux/arm64")
	writeFile(t, empty, "Dockerfile", "FROM scratch\n")
	if mustTag(t, empty, "linux/arm64") == tag {
		t.Error("creating the Dockerfile does not change the tag")
	}
}

func TestDockerignoreMatching(t *testing.T) {
	t.Parallel()
	d, err := parseDockerignore([]byte(`
# comment
*.log
/build
**/node_modules
app/**/*.tmp
!app/keep.log
docs/
secret?.txt
[ab].bin
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{
		"x.log":                 true,
		"app/x.log":             false, // * does not cross directories
		"app/keep.log":          false,
		"build/out":             true,
		"app/build":             false,
		"node_modules/a.js":     true,
		"app/node_modules/a.js": true,
		"app/a/b/c.tmp":         true,
		"app/c.tmp":             true,
		"app/main.go":           false,
		"docs/readme.md":        true,
		"secret1.txt":           true,
		"secret10.txt":          false,
		"a.bin":                 true,
		"c.bin":                 false,
	}
	for path, want := range tests {
		got, err := d.excludes(path)
		if err != nil {
			t.Fatalf("excludes(%q): %v", path, err)
		}
		if got != want {
			t.Errorf("excludes(%q) = %v, want %v", path, got, want)
		}
	}
	if _, err := parseDockerignore([]byte("[abc\n")); err == nil {
		t.Error("unterminated character class accepted")
	}
}

func mustRename(t *testing.T, root, from, to string) {
	t.Helper()
	if err := os.Rename(filepath.Join(root, from), filepath.Join(root, to)); err != nil {
		t.Fatal(err)
	}
}

func mustRemove(t *testing.T, root, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}
