package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// imageTagVersion changes when the way the tag is computed changes, so old and new tags never mix.
const imageTagVersion = "gin-fargate-image-tag/1"

// buildInputFiles are the files at the build-context root that decide the image bytes.
var buildInputFiles = []string{"Dockerfile", ".dockerignore", "go.mod", "go.sum"}

// appSourceDir is the directory of the API sources inside the build context.
const appSourceDir = "app"

// imageTag returns a content-addressed image tag: a hash of everything that decides the bytes of
// the image built from root (the Dockerfile, .dockerignore, go.mod, go.sum, the app sources the
// build context sends), the target platform and the build arguments. Files that cannot change the
// image (tests, testdata, anything .dockerignore drops, anything outside app/) are left out, so
// editing them never causes a rebuild. Paths are hashed relative to root, in a stable order.
func imageTag(root, platform string, buildArgs map[string]string) (string, error) {
	ignore, err := readDockerignore(filepath.Join(root, ".dockerignore"))
	if err != nil {
		return "", fmt.Errorf("read .dockerignore: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\nplatform %s\n", imageTagVersion, platform)
	for _, k := range sortedKeys(buildArgs) {
		fmt.Fprintf(h, "arg %q=%q\n", k, buildArgs[k])
	}
	for _, name := range buildInputFiles {
		if err := hashFile(h, root, name); err != nil {
			return "", err
		}
	}
	sources, err := appSources(root, ignore)
	if err != nil {
		return "", err
	}
	for _, rel := range sources {
		if err := hashFile(h, root, rel); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// hashFile writes one file's relative path, size and content to h; a missing file is recorded as
// missing, so creating it later changes the hash.
func hashFile(h io.Writer, root, rel string) error {
	full := filepath.Join(root, filepath.FromSlash(rel))
	info, err := os.Lstat(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(h, "absent %q\n", rel)
		return nil
	case err != nil:
		return fmt.Errorf("hash %s: %w", rel, err)
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(full)
		if err != nil {
			return fmt.Errorf("hash %s: %w", rel, err)
		}
		fmt.Fprintf(h, "symlink %q %q\n", rel, target)
		return nil
	case !info.Mode().IsRegular():
		return nil
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return fmt.Errorf("hash %s: %w", rel, err)
	}
	fmt.Fprintf(h, "file %q %d\n", rel, len(data))
	_, _ = h.Write(data)
	_, _ = h.Write([]byte{'\n'})
	return nil
}

// appSources lists the files under app/ that reach the image, as sorted slash-separated paths.
func appSources(root string, ignore *dockerignore) ([]string, error) {
	var out []string
	dir := filepath.Join(root, appSourceDir)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == "testdata" {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), "_test.go") {
			return nil
		}
		excluded, err := ignore.excludes(rel)
		if err != nil || excluded {
			return err
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list app sources: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// dockerignore holds the rules of a .dockerignore file, applied by Docker's own matcher (the one
// the build uses): the last matching rule wins, a rule matches a path or any of its parent
// directories, and ! re-includes.
type dockerignore struct {
	matcher *patternmatcher.PatternMatcher
}

func readDockerignore(file string) (*dockerignore, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return parseDockerignore(nil)
	}
	if err != nil {
		return nil, err
	}
	return parseDockerignore(data)
}

func parseDockerignore(data []byte) (*dockerignore, error) {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	m, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, err
	}
	return &dockerignore{matcher: m}, nil
}

// excludes reports whether the slash-separated relative path is left out of the build context.
func (d *dockerignore) excludes(rel string) (bool, error) {
	excluded, err := d.matcher.MatchesOrParentMatches(rel)
	if err != nil {
		return false, fmt.Errorf("match %s against .dockerignore: %w", rel, err)
	}
	return excluded, nil
}
