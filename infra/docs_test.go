package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readDoc returns a page of the reference in docs/, e.g. readDoc(t, "cost.md"), or README.md for
// readDoc(t, "../README.md").
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// markdownTable returns the cells of the table of doc whose header line starts with prefix,
// header first, without the separator line.
func markdownTable(t *testing.T, doc, prefix string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+prefix)
	if !ok {
		t.Fatalf("the page has no table starting %q", prefix)
	}
	var rows [][]string
	for i, line := range strings.Split(prefix+rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if i == 1 {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	return rows
}
