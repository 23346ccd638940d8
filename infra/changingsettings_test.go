package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestChangingSettingsPage: docs/changing-settings.md has a row for every key of Pulumi.yaml (and
// the stack's aws:region and aws:profile), and every test a row names as its backing exists, so
// the page cannot fall behind the keys or cite a test that was renamed away.
func TestChangingSettingsPage(t *testing.T) {
	t.Parallel()
	rows := markdownTable(t, readDoc(t, "changing-settings.md"), "| key | on a live stack | backed by |")[1:]
	var documented []string
	for _, row := range rows {
		for _, k := range strings.Split(row[0], ",") {
			documented = append(documented, strings.Trim(strings.TrimSpace(k), "`"))
		}
	}
	t.Run("every key has a row", func(t *testing.T) {
		for _, key := range append(projectKeys(loadProject(t)), "aws:region", "aws:profile") {
			if !slices.Contains(documented, key) {
				t.Errorf("no row for %s", key)
			}
		}
	})
	t.Run("every cited test exists", func(t *testing.T) {
		defined := definedTests(t)
		for _, row := range rows {
			for _, name := range regexp.MustCompile(`Test[A-Za-z0-9]+`).FindAllString(row[2], -1) {
				if !defined[name] {
					t.Errorf("%s: %s does not exist", row[0], name)
				}
			}
		}
	})
}

// definedTests returns the names of the test functions in this package's test files.
func definedTests(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`).FindAllStringSubmatch(string(b), -1) {
			defined[m[1]] = true
		}
	}
	return defined
}
