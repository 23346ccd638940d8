package main

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// repoRoot returns the directory of go.mod, which is the Docker build context.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// instruction is one Dockerfile instruction as BuildKit's own parser reads it.
type instruction struct {
	cmd   string // lower case: from, run, copy...
	flags []string
	args  []string
	json  bool // exec form (a JSON array)
}

// parseDockerfile parses the repository's Dockerfile into its stages' instructions, FROM first,
// and returns the escape character for splitting shell words.
func parseDockerfile(t *testing.T) ([][]instruction, rune) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	var stages [][]instruction
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"]}
		for arg := n.Next; arg != nil; arg = arg.Next {
			in.args = append(in.args, arg.Value)
		}
		if in.cmd == "from" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build and a final one", len(stages))
	}
	return stages, res.EscapeToken
}

// only returns the one instruction cmd of a stage, failing the test if there is not exactly one.
func only(t *testing.T, stage []instruction, cmd string) instruction {
	t.Helper()
	var found []instruction
	for _, in := range stage {
		if in.cmd == cmd {
			found = append(found, in)
		}
	}
	if len(found) != 1 {
		t.Fatalf("stage %v has %d %s instructions, want 1", stage[0].args, len(found), strings.ToUpper(cmd))
	}
	return found[0]
}

// goBuild splits the build stage's RUN instruction as /bin/sh would, with the build args for arch:
// the VAR=value assignments, then go build and its arguments.
func goBuild(t *testing.T, arch, version string) (environ, args []string) {
	t.Helper()
	stages, escape := parseDockerfile(t)
	run := only(t, stages[0], "run")
	vars := shell.EnvsFromSlice([]string{"TARGETOS=linux", "TARGETARCH=" + arch, "VERSION=" + version})
	words, err := shell.NewLex(escape).ProcessWords(strings.Join(run.args, " "), vars)
	if err != nil {
		t.Fatalf("split RUN %q: %v", run.args, err)
	}
	i := slices.IndexFunc(words, func(w string) bool { return !strings.Contains(w, "=") })
	if i < 0 || len(words) < i+2 || words[i] != "go" || words[i+1] != "build" || !slices.Contains(words, "-o") {
		t.Fatalf("RUN %q: want VAR=value... go build ... -o OUTPUT ...", words)
	}
	return words[:i], words[i:]
}

// TestDockerfileBuild runs the Dockerfile's own go build command for both architectures and checks
// that each output is a static, stripped binary of the right machine.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the binary twice; skipped in -short mode")
	}
	const version = "v0.0.0-test+docker"
	for arch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		t.Run(arch, func(t *testing.T) {
			environ, args := goBuild(t, arch, version)
			out := filepath.Join(t.TempDir(), "api")
			args[slices.Index(args, "-o")+1] = out
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = repoRoot(t) // the Dockerfile's WORKDIR holds go.mod, go.sum and app/ just like the repository root
			cmd.Env = append(os.Environ(), environ...)
			if output, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v\n%s", strings.Join(environ, " "), strings.Join(args, " "), err, output)
			}

			f, err := elf.Open(out)
			if err != nil {
				t.Fatalf("open the binary: %v", err)
			}
			defer f.Close()
			if f.Machine != machine {
				t.Errorf("machine = %v, want %v", f.Machine, machine)
			}
			for _, name := range []string{".interp", ".dynamic", ".symtab", ".debug_info"} {
				if f.Section(name) != nil {
					t.Errorf("section %s present: want a static, stripped binary without DWARF", name)
				}
			}
			if runtime.GOOS == "linux" && runtime.GOARCH == arch {
				if got, err := exec.Command(out, "-version").Output(); err != nil || string(got) != version+"\n" {
					t.Errorf("api -version = %q, %v; want %q (the VERSION build arg)", got, err, version)
				}
			}
		})
	}
}

// TestDockerfileFinalStage: the image runs the built binary, from contract.BinaryPath (the path
// the ECS health check runs), as the contract's numeric non-root user.
func TestDockerfileFinalStage(t *testing.T) {
	stages, _ := parseDockerfile(t)
	final := stages[len(stages)-1]
	_, build := goBuild(t, runtime.GOARCH, "dev")
	output := build[slices.Index(build, "-o")+1]
	if got, want := only(t, final, "copy").args, []string{output, contract.BinaryPath}; !slices.Equal(got, want) {
		t.Errorf("final stage copies %q, want the go build output to %q", got, want)
	}
	if entry := only(t, final, "entrypoint"); !entry.json || !slices.Equal(entry.args, []string{contract.BinaryPath}) {
		t.Errorf("ENTRYPOINT %q (exec form: %v), want the exec form [%q]", entry.args, entry.json, contract.BinaryPath)
	}
	user := only(t, final, "user").args
	uid, gid, _ := strings.Cut(contract.User, ":")
	u, errU := strconv.Atoi(uid)
	g, errG := strconv.Atoi(gid)
	if !slices.Equal(user, []string{contract.User}) || errU != nil || errG != nil || u == 0 || g == 0 {
		t.Errorf("USER %q, want contract.User %q, a numeric non-root uid:gid", user, contract.User)
	}
}

// TestDockerignore checks that the build context .dockerignore leaves is exactly what the image
// build reads: go.mod, go.sum and the source files of the packages ./app is built from (app/contract
// included), so that no other change (a test, the benchmark, infra/) changes the image's inputs.
func TestDockerignore(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatalf("read .dockerignore: %v", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore patterns: %v", err)
	}

	// What the build reads: every non-test source of the module's packages in ./app's dependencies.
	want := map[string]bool{"go.mod": true, "go.sum": true}
	list := exec.Command("go", "list", "-deps", "-json=Dir,Module,GoFiles,CgoFiles,EmbedFiles,OtherFiles,SFiles", "./app")
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var pkg struct {
			Dir                                               string
			Module                                            *struct{ Main bool }
			GoFiles, CgoFiles, EmbedFiles, OtherFiles, SFiles []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		if pkg.Module == nil || !pkg.Module.Main {
			continue
		}
		rel, err := filepath.Rel(root, pkg.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range slices.Concat(pkg.GoFiles, pkg.CgoFiles, pkg.EmbedFiles, pkg.OtherFiles, pkg.SFiles) {
			want[filepath.ToSlash(filepath.Join(rel, name))] = true
		}
	}
	if !want["app/main.go"] || !want["app/contract/contract.go"] {
		t.Fatalf("go list found neither app/main.go nor app/contract/contract.go in %v", want)
	}

	got := map[string]bool{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.Name() == ".git" && d.IsDir():
			return filepath.SkipDir
		case d.IsDir() || d.Name() == ".git": // a worktree's .git is a file
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		excluded, err := pm.MatchesOrParentMatches(rel)
		if !excluded {
			got[rel] = true
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk the build context: %v", err)
	}
	for name := range want {
		if !got[name] {
			t.Errorf("%s is needed by the build but .dockerignore leaves it out", name)
		}
	}
	for name := range got {
		if !want[name] {
			t.Errorf("%s is sent into the image build but not needed by it", name)
		}
	}
}
