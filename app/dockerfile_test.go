package main

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
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
	cmd   string   // lower case: from, run, copy...
	flags []string // --platform=..., --mount=..., --from=...
	args  []string
	json  bool // exec form (a JSON array)
	line  int
}

func (in instruction) String() string {
	return strconv.Itoa(in.line) + ": " + strings.ToUpper(in.cmd) + " " + strings.Join(in.flags, " ") + " " + strings.Join(in.args, " ")
}

// stage is one FROM and the instructions after it.
type stage struct {
	from         instruction
	instructions []instruction
}

func (s stage) all(cmd string) []instruction {
	var found []instruction
	for _, in := range s.instructions {
		if in.cmd == cmd {
			found = append(found, in)
		}
	}
	return found
}

// parseDockerfile parses the repository's Dockerfile into stages.
func parseDockerfile(t *testing.T) (stages []stage, escape rune, src []byte) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile warning: %s", w.Short)
	}
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"], line: n.StartLine}
		for arg := n.Next; arg != nil; arg = arg.Next {
			in.args = append(in.args, arg.Value)
		}
		if in.cmd == "from" {
			stages = append(stages, stage{from: in})
			continue
		}
		if len(stages) == 0 {
			if in.cmd != "arg" {
				t.Fatalf("Dockerfile line %d: %s before the first FROM", in.line, in.cmd)
			}
			continue
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, in)
	}
	return stages, res.EscapeToken, src
}

// goBuild is the go build command of the Dockerfile's RUN instruction, split into words.
type goBuild struct {
	env  []string // the VAR=value assignments before the command
	args []string // go build ...
}

// dockerGoBuild finds the RUN instruction that runs go build and splits it as /bin/sh would, with
// vars for the build args.
func dockerGoBuild(t *testing.T, build stage, escape rune, vars map[string]string) goBuild {
	t.Helper()
	runs := build.all("run")
	if len(runs) != 1 {
		t.Fatalf("build stage has %d RUN instructions, want exactly 1 (the go build)", len(runs))
	}
	if runs[0].json {
		t.Fatalf("%s: want the shell form, so that the build args expand", runs[0])
	}
	var env []string
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	words, err := shell.NewLex(escape).ProcessWords(strings.Join(runs[0].args, " "), shell.EnvsFromSlice(env))
	if err != nil {
		t.Fatalf("split %s: %v", runs[0], err)
	}
	var b goBuild
	for len(words) > 0 && strings.Contains(words[0], "=") {
		b.env, words = append(b.env, words[0]), words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("%s: want VAR=value... go build ..., got the words %q", runs[0], words)
	}
	b.args = words
	return b
}

// flagValue returns the value of the go build flag name (-name value or -name=value).
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// packages returns the package arguments of go build: the words after the flags.
func packages(args []string) []string {
	valueFlags := map[string]bool{"-o": true, "-ldflags": true, "-tags": true, "-gcflags": true, "-p": true, "-mod": true}
	var pkgs []string
	for i := 2; i < len(args); i++ {
		switch a := args[i]; {
		case valueFlags[a]:
			i++
		case strings.HasPrefix(a, "-"):
		default:
			pkgs = append(pkgs, a)
		}
	}
	return pkgs
}

func TestDockerfile(t *testing.T) {
	stages, escape, src := parseDockerfile(t)
	if len(stages) != 2 {
		t.Fatalf("Dockerfile has %d stages, want 2 (build, final)", len(stages))
	}
	build, final := stages[0], stages[1]

	t.Run("syntax directive", func(t *testing.T) {
		syntax, _, _, ok := parser.DetectSyntax(src)
		if ok && !strings.HasPrefix(syntax, "docker/dockerfile:1") {
			t.Errorf("# syntax=%s, want docker/dockerfile:1 (a stable frontend with RUN --mount)", syntax)
		}
	})

	t.Run("build stage runs on the build platform with the go.mod Go", func(t *testing.T) {
		if !slices.Contains(build.from.flags, "--platform=$BUILDPLATFORM") {
			t.Errorf("%s: want --platform=$BUILDPLATFORM, so that it cross-compiles instead of emulating", build.from)
		}
		mod, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)(\.\d+)?\s*$`).FindSubmatch(mod)
		if goLine == nil {
			t.Fatal("go.mod has no go directive")
		}
		minor := string(goLine[1]) // 1.26.6 -> 1.26
		image := regexp.MustCompile(`^golang:` + regexp.QuoteMeta(minor) + `(\.\d+)?(-[a-z0-9]+)?$`)
		if len(build.from.args) != 3 || !image.MatchString(build.from.args[0]) || !strings.EqualFold(build.from.args[1], "AS") {
			t.Errorf("%s: want FROM golang:%s[-variant] AS <name>, the Go of go.mod", build.from, minor)
		}
	})

	t.Run("build args", func(t *testing.T) {
		declared := map[string]bool{}
		for _, in := range build.all("arg") {
			for _, a := range in.args {
				name, _, _ := strings.Cut(a, "=")
				declared[name] = true
			}
		}
		for _, name := range []string{"TARGETOS", "TARGETARCH", "VERSION"} {
			if !declared[name] {
				t.Errorf("build stage does not declare ARG %s", name)
			}
		}
	})

	t.Run("copies go.mod, go.sum and app/ only", func(t *testing.T) {
		workdirs := build.all("workdir")
		if len(workdirs) != 1 {
			t.Fatalf("build stage has %d WORKDIRs, want 1", len(workdirs))
		}
		var sources []string
		for _, in := range build.all("copy") {
			if len(in.flags) != 0 {
				t.Errorf("%s: want a plain COPY from the build context", in)
			}
			srcs, dest := in.args[:len(in.args)-1], in.args[len(in.args)-1]
			for _, s := range srcs {
				sources = append(sources, s)
				// TestDockerfileBuild runs go build at the repository root, so each source must land
				// at the same path relative to WORKDIR.
				target := path.Join(dest, path.Base(s))
				if strings.HasSuffix(s, "/") {
					target = path.Clean(dest) // a directory's contents go into dest
				}
				if target != path.Clean(s) {
					t.Errorf("%s: copies %s to %s, want it at the same relative path", in, s, target)
				}
			}
		}
		if want := []string{"go.mod", "go.sum", "app/"}; !slices.Equal(sources, want) {
			t.Errorf("build stage copies %q, want exactly %q", sources, want)
		}
	})

	t.Run("never downloads the whole module", func(t *testing.T) {
		for _, s := range stages {
			for _, in := range s.all("run") {
				if strings.Contains(strings.Join(in.args, " "), "mod download") {
					t.Errorf("%s: go mod download fetches every module of go.mod, the Pulumi SDKs included", in)
				}
			}
		}
	})

	t.Run("cache mounts", func(t *testing.T) {
		runs := build.all("run")
		if len(runs) != 1 {
			t.Fatalf("build stage has %d RUNs, want 1", len(runs))
		}
		targets := map[string]bool{}
		for _, f := range runs[0].flags {
			spec, ok := strings.CutPrefix(f, "--mount=")
			if !ok {
				continue
			}
			opts := map[string]string{}
			for kv := range strings.SplitSeq(spec, ",") {
				k, v, _ := strings.Cut(kv, "=")
				opts[k] = v
			}
			if opts["type"] == "cache" {
				targets[opts["target"]] = true
			}
		}
		for _, want := range []string{"/go/pkg/mod", "/root/.cache/go-build"} {
			if !targets[want] {
				t.Errorf("%s: no --mount=type=cache,target=%s", runs[0], want)
			}
		}
	})

	t.Run("go build command", func(t *testing.T) {
		b := dockerGoBuild(t, build, escape, map[string]string{"TARGETOS": "linux", "TARGETARCH": "arm64", "VERSION": "v1.2.3"})
		for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"} {
			if !slices.Contains(b.env, want) {
				t.Errorf("go build environment %q lacks %s", b.env, want)
			}
		}
		if !slices.Contains(b.args, "-trimpath") {
			t.Errorf("go build %q lacks -trimpath", b.args)
		}
		ldflags, _ := flagValue(b.args, "-ldflags")
		if fields := strings.Fields(ldflags); !slices.Contains(fields, "-s") || !slices.Contains(fields, "-w") ||
			!strings.Contains(ldflags, "-X main.version=v1.2.3") {
			t.Errorf("-ldflags %q, want -s -w (stripped) and -X main.version=${VERSION}", ldflags)
		}
		if tags, _ := flagValue(b.args, "-tags"); tags != "nomsgpack" {
			t.Errorf("go build -tags %q, want nomsgpack (Gin without its MessagePack codec, which the API does not use)", tags)
		}
		if out, _ := flagValue(b.args, "-o"); out != "/out/api" {
			t.Errorf("go build -o %q, want /out/api", out)
		}
		if got, want := packages(b.args), []string{"./app"}; !slices.Equal(got, want) {
			t.Errorf("go build packages %q, want %q only", got, want)
		}
	})

	t.Run("final stage", func(t *testing.T) {
		if len(final.from.args) < 1 || final.from.args[0] != "gcr.io/distroless/static-debian12:nonroot" {
			t.Errorf("%s: want FROM gcr.io/distroless/static-debian12:nonroot", final.from)
		}
		if len(final.from.flags) != 0 {
			t.Errorf("%s: the final stage must be of the target platform, want no --platform", final.from)
		}
		copies := final.all("copy")
		if len(copies) != 1 || !slices.Equal(copies[0].flags, []string{"--from=" + build.from.args[2]}) ||
			!slices.Equal(copies[0].args, []string{"/out/api", "/api"}) {
			t.Errorf("final stage copies %v, want exactly COPY --from=%s /out/api /api", copies, build.from.args[2])
		}
		for _, cmd := range []string{"run", "add", "env", "shell", "volume"} {
			if found := final.all(cmd); len(found) > 0 {
				t.Errorf("final stage has %v, want nothing but the binary and its metadata", found)
			}
		}

		users := final.all("user")
		if len(users) != 1 || len(users[0].args) != 1 {
			t.Fatalf("final stage USER instructions %v, want exactly one", users)
		}
		uid, gid, _ := strings.Cut(users[0].args[0], ":")
		u, errU := strconv.Atoi(uid)
		g, errG := strconv.Atoi(gid)
		if errU != nil || errG != nil || u == 0 || g == 0 {
			t.Errorf("%s: want a numeric non-root uid:gid such as 65532:65532", users[0])
		}

		exposes := final.all("expose")
		if len(exposes) != 1 || !slices.Equal(exposes[0].args, []string{"8080"}) {
			t.Errorf("final stage EXPOSE %v, want EXPOSE 8080", exposes)
		}

		entrypoints := final.all("entrypoint")
		if len(entrypoints) != 1 || !entrypoints[0].json || !slices.Equal(entrypoints[0].args, []string{"/api"}) {
			t.Errorf("final stage ENTRYPOINT %v, want exactly the exec form [\"/api\"]", entrypoints)
		}
		if cmds := final.all("cmd"); len(cmds) > 0 {
			t.Errorf("final stage has %v, want no CMD (arguments go to ENTRYPOINT)", cmds)
		}
	})
}

// TestDockerfileBuild runs the Dockerfile's own go build command, as parsed from it, for both
// architectures, and checks that each output is a stripped static binary of the right machine,
// built with the flags the Dockerfile gives.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the binary twice; skipped in -short mode")
	}
	stages, escape, _ := parseDockerfile(t)
	root := repoRoot(t)
	const version = "v0.0.0-test+docker"

	for arch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		t.Run(arch, func(t *testing.T) {
			b := dockerGoBuild(t, stages[0], escape, map[string]string{"TARGETOS": "linux", "TARGETARCH": arch, "VERSION": version})
			out := filepath.Join(t.TempDir(), "api")
			args := slices.Clone(b.args)
			for i := range args {
				if args[i] == "-o" && i+1 < len(args) {
					args[i+1] = out
				}
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = root // the Dockerfile's WORKDIR holds go.mod, go.sum and app/ just like the repository root
			cmd.Env = append(os.Environ(), b.env...)
			if output, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v\n%s", strings.Join(b.env, " "), strings.Join(args, " "), err, output)
			}

			f, err := elf.Open(out)
			if err != nil {
				t.Fatalf("open the binary: %v", err)
			}
			defer f.Close()
			if f.Machine != machine || f.Class != elf.ELFCLASS64 {
				t.Errorf("machine = %v %v, want %v ELFCLASS64", f.Machine, f.Class, machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("program header %v: want a static binary (no interpreter, no dynamic section)", p.Type)
				}
			}
			if libs, err := f.ImportedLibraries(); err != nil || len(libs) != 0 {
				t.Errorf("imported libraries %q (%v), want none", libs, err)
			}
			for _, name := range []string{".interp", ".dynamic", ".symtab", ".debug_info", ".zdebug_info"} {
				if f.Section(name) != nil {
					t.Errorf("section %s present: want a static, stripped binary without DWARF", name)
				}
			}

			info, err := buildinfo.ReadFile(out)
			if err != nil {
				t.Fatalf("read build info: %v", err)
			}
			settings := map[string]string{}
			for _, s := range info.Settings {
				settings[s.Key] = s.Value
			}
			for key, want := range map[string]string{
				"CGO_ENABLED": "0",
				"GOOS":        "linux",
				"GOARCH":      arch,
				"-trimpath":   "true", // with -trimpath, Go leaves -ldflags out of the build info
				"-tags":       "nomsgpack",
			} {
				if got := settings[key]; got != want {
					t.Errorf("build setting %s = %q, want %q", key, got, want)
				}
			}
			if got, want := info.Path, "github.com/gin-fargate/gin-fargate/app"; got != want {
				t.Errorf("main package = %q, want %q", got, want)
			}
			if slices.ContainsFunc(info.Deps, func(m *debug.Module) bool { return strings.Contains(m.Path, "pulumi") }) {
				t.Error("the binary links a Pulumi module")
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte(root)) {
				t.Errorf("the binary contains the build directory %s: -trimpath is not in effect", root)
			}
			if !bytes.Contains(data, []byte(version)) {
				t.Errorf("the binary does not contain the VERSION build arg %q: -X main.version is not in effect", version)
			}

			if runtime.GOOS == "linux" && runtime.GOARCH == arch {
				got, err := exec.Command(out, "-version").Output()
				if err != nil || string(got) != version+"\n" {
					t.Errorf("api -version = %q, %v; want %q (the injected VERSION)", got, err, version)
				}
			}
		})
	}
}

// TestDockerignore checks that the build context .dockerignore leaves is exactly what the image
// build reads: go.mod, go.sum and the source files of the packages ./app is built from, so that no
// other change (a test, the README, infra/) changes the image's inputs.
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
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var pkg struct {
			Dir                                               string
			Module                                            *struct{ Path string }
			GoFiles, CgoFiles, EmbedFiles, OtherFiles, SFiles []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		if pkg.Module == nil || pkg.Module.Path != "github.com/gin-fargate/gin-fargate" {
			continue
		}
		rel, err := filepath.Rel(root, pkg.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, files := range [][]string{pkg.GoFiles, pkg.CgoFiles, pkg.EmbedFiles, pkg.OtherFiles, pkg.SFiles} {
			for _, name := range files {
				want[filepath.ToSlash(filepath.Join(rel, name))] = true
			}
		}
	}
	if !want["app/main.go"] {
		t.Fatalf("go list found no app/main.go in %v", want)
	}

	got := map[string]bool{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." || d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() == ".git" {
			return nil // a worktree's .git file
		}
		rel = filepath.ToSlash(rel)
		excluded, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if !excluded {
			got[rel] = true
		}
		return nil
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
	for _, name := range []string{"app/main_test.go", "app/dockerfile_test.go", "Dockerfile", "README.md", "infra/main.go"} {
		if got[name] {
			t.Errorf("%s is in the build context, want it left out", name)
		}
	}
}
