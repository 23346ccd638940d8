// Package doctor tests doctor.sh, the prerequisite check of the deploy recipes: each test runs it
// under bash in a project directory of its own, with a PATH holding nothing but stub executables.
package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goMod, pulumiYAML and devStack are the project the tests check, unless a test writes its own.
const (
	goMod = `module example.com/demo

go 1.26.6

require (
	github.com/gin-gonic/gin v1.12.0
	github.com/pulumi/pulumi/sdk/v3 v3.274.1
)
`
	pulumiYAML = "name: demo\nruntime: go\n"
	devStack   = "config:\n  aws:region: eu-west-1\n"
)

// healthy are stubs of every tool, installed, recent and working, logged in to Pulumi Cloud.
func healthy() map[string]string {
	return map[string]string{
		"go":     `echo go1.26.6`,
		"pulumi": `case "$1" in version) echo v3.274.1 ;; whoami) printf 'User: alice\nOrganizations: acme\nBackend URL: https://api.pulumi.com\nToken type: personal\n' ;; *) exit 99 ;; esac`,
		"docker": `case "$1" in info) echo 28.2.2 ;; buildx) echo 'github.com/docker/buildx v0.25.0 faaf0ef' ;; *) exit 99 ;; esac`,
		"aws":    `case "$1" in --version) echo 'aws-cli/2.27.50 Python/3.13.4 Linux/6.8.0 exe/x86_64' ;; sts) printf '123456789012\tarn:aws:iam::123456789012:user/alice\n' ;; *) exit 99 ;; esac`,
		"just":   `echo 'just 1.57.0'`,
	}
}

// Stub bodies for the failures the tests need.
const (
	notLoggedIn = `case "$1" in version) echo v3.274.1 ;; whoami) echo 'error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions' >&2; exit 255 ;; *) exit 99 ;; esac`
	onS3        = `case "$1" in version) echo v3.274.1 ;; whoami) printf 'User: alice\nOrganizations: \nBackend URL: s3://state-bucket/demo\n' ;; *) exit 99 ;; esac`
)

// run is one doctor run's output and exit code.
type run struct {
	stdout, stderr string
	code           int
}

// project is a directory to run doctor in, with the stubs that make up its whole PATH.
type project struct {
	t     *testing.T
	root  string
	bin   string
	calls string // the file each stub appends its command line to
	env   []string
}

// newProject writes go.mod, Pulumi.yaml, Pulumi.dev.yaml and the stubs: healthy ones, replaced by
// those in stubs, where an empty body leaves the tool out.
func newProject(t *testing.T, stubs map[string]string) *project {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	p := &project{t: t, root: filepath.Join(dir, "project"), bin: filepath.Join(dir, "bin"), calls: filepath.Join(dir, "calls")}
	for _, d := range []string{p.root, p.bin, home} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p.write("go.mod", goMod)
	p.write("Pulumi.yaml", pulumiYAML)
	p.write("Pulumi.dev.yaml", devStack)
	tools := healthy()
	for name, body := range stubs {
		tools[name] = body
	}
	for name, body := range tools {
		if body == "" {
			continue
		}
		script := "#!/bin/sh\nprintf '%s\\n' \"" + name + " $*\" >>\"$STUB_CALLS\"\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(p.bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p.env = []string{
		"PATH=" + p.bin,
		"HOME=" + home,
		"STUB_CALLS=" + p.calls,
		"OSTYPE=linux-gnu",
		"HOSTTYPE=x86_64",
	}
	return p
}

// write puts a file into the project directory.
func (p *project) write(name, content string) {
	p.t.Helper()
	path := filepath.Join(p.root, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// doctor runs doctor.sh with args in the project and returns what it printed and its exit code.
func (p *project) doctor(args ...string) run {
	p.t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		p.t.Skip("bash is not installed")
	}
	script, err := filepath.Abs("doctor.sh")
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(bash, append([]string{script}, args...)...)
	cmd.Dir = p.root
	cmd.Env = p.env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	r := run{stdout: stdout.String(), stderr: stderr.String()}
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		p.t.Fatalf("run doctor.sh: %v", err)
	}
	return r
}

// invocations lists the stubs' command lines, one "tool args" line each.
func (p *project) invocations() []string {
	p.t.Helper()
	b, err := os.ReadFile(p.calls)
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// line formats a report line as doctor prints it.
func line(status, check, detail string) string {
	return fmt.Sprintf("%-7s %-11s %s", status, check, detail)
}

// assertLines fails unless each of want starts the line of out it is about: the line of the same
// check, or for doctor's own lines (header and summary) the one with the same first two words.
func assertLines(t *testing.T, out string, want ...string) {
	t.Helper()
	lines := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		lines[topic(l)] = l
	}
	for _, w := range want {
		if got, ok := lines[topic(w)]; !ok {
			t.Errorf("no line like %q in:\n%s", w, out)
		} else if !strings.HasPrefix(got, w) {
			t.Errorf("got  %q\nwant %q...", got, w)
		}
	}
}

// topic is what a line is about: its check, or the first two words of doctor's own lines.
func topic(l string) string {
	f := strings.Fields(l)
	switch {
	case len(f) < 2:
		return l
	case f[0] == "ok" || f[0] == "skip" || f[0] == "warn" || f[0] == "missing":
		return f[1]
	default:
		return f[0] + " " + f[1]
	}
}

func TestReport(t *testing.T) {
	tests := []struct {
		name  string
		stubs map[string]string // replaces healthy stubs; "" leaves the tool out
		files map[string]string // files written over the defaults, by path from the project (../home is HOME)
		env   []string
		code  int
		want  []string // each starts a line of the report
	}{
		{
			name: "everything there",
			want: []string{
				"doctor: what `just up` needs for stack dev (Pulumi.dev.yaml)",
				line("ok", "go", "go1.26.6 (go.mod: 1.26.6 or newer)"),
				line("ok", "pulumi", "v3.274.1 (the SDK in go.mod: v3.274.1)"),
				line("ok", "backend", "https://api.pulumi.com as alice"),
				line("skip", "passphrase", "not needed: Pulumi Cloud (https://api.pulumi.com) keeps the stack's secrets"),
				line("ok", "docker", "daemon running, Docker Engine 28.2.2"),
				line("ok", "buildx", "v0.25.0"),
				line("ok", "aws", "aws-cli/2.27.50"),
				line("ok", "credentials", "account 123456789012 as arn:aws:iam::123456789012:user/alice"),
				line("ok", "region", "eu-west-1 (aws:region in Pulumi.dev.yaml)"),
				line("ok", "just", "just 1.57.0"),
				"doctor: ready for `just up`",
			},
		},
		{
			name:  "nothing installed on Linux: every line, each with its fix",
			stubs: map[string]string{"go": "", "pulumi": "", "docker": "", "aws": "", "just": ""},
			code:  1,
			want: []string{
				line("missing", "go", "not installed; go.mod wants go 1.26.6 or newer: curl -fsSLO https://go.dev/dl/go1.26.6.linux-amd64.tar.gz && sudo rm -rf /usr/local/go && sudo tar -C /usr/local -xzf go1.26.6.linux-amd64.tar.gz"),
				line("missing", "pulumi", "not installed: curl -fsSL https://get.pulumi.com | sh -s -- --version 3.274.1"),
				line("skip", "backend", "not checked: needs the pulumi CLI (above)"),
				line("warn", "passphrase", "not set, so Pulumi asks at every command for the passphrase that encrypts the stack's secrets on the local backend;"),
				line("missing", "docker", `not installed; just up builds the image with it: curl -fsSL https://get.docker.com | sh && sudo usermod -aG docker "$USER", then log out and in`),
				line("skip", "buildx", "not checked: needs docker (above)"),
				line("missing", "aws", "not installed; it checks the credentials here, and just logs and just redeploy use it: curl -fsSL https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip -o awscliv2.zip && unzip -q awscliv2.zip && sudo ./aws/install"),
				line("skip", "credentials", "not checked: needs the AWS CLI (above)"),
				line("ok", "region", "eu-west-1 (aws:region in Pulumi.dev.yaml)"),
				line("missing", "just", "not installed; every recipe runs with it: curl --proto '=https' --tlsv1.2 -sSf https://just.systems/install.sh | bash -s -- --to ~/.local/bin"),
				"doctor: missing for `just up`: go pulumi docker aws just (README.md, Prerequisites)",
			},
		},
		{
			name:  "nothing installed on an ARM Mac: Homebrew fixes",
			stubs: map[string]string{"go": "", "pulumi": "", "docker": "", "aws": "", "just": ""},
			env:   []string{"OSTYPE=darwin24", "HOSTTYPE=arm64"},
			code:  1,
			want: []string{
				line("missing", "go", "not installed; go.mod wants go 1.26.6 or newer: brew install go"),
				line("missing", "pulumi", "not installed: brew install pulumi/tap/pulumi"),
				line("missing", "docker", "not installed; just up builds the image with it: brew install --cask docker, then open Docker Desktop once (or: brew install colima docker docker-buildx && colima start)"),
				line("missing", "aws", "not installed; it checks the credentials here, and just logs and just redeploy use it: brew install awscli"),
				line("missing", "just", "not installed; every recipe runs with it: brew install just"),
			},
		},
		{
			name:  "Linux on ARM downloads arm64 Go and aarch64 AWS CLI",
			stubs: map[string]string{"go": "", "aws": ""},
			env:   []string{"HOSTTYPE=aarch64"},
			code:  1,
			want: []string{
				line("missing", "go", "not installed; go.mod wants go 1.26.6 or newer: curl -fsSLO https://go.dev/dl/go1.26.6.linux-arm64.tar.gz"),
				line("missing", "aws", "not installed; it checks the credentials here, and just logs and just redeploy use it: curl -fsSL https://awscli.amazonaws.com/awscli-exe-linux-aarch64.zip"),
			},
		},
		{
			name: "too old: the installed Go, not the toolchain it would download, and the Pulumi CLI",
			stubs: map[string]string{
				"go":     `if [ "$GOTOOLCHAIN" = local ]; then echo go1.25.3; else echo go1.26.6; fi`,
				"pulumi": `case "$1" in version) echo v3.200.0 ;; whoami) printf 'User: alice\nBackend URL: https://api.pulumi.com\n' ;; esac`,
			},
			env:  []string{"OSTYPE=darwin24"},
			code: 1,
			want: []string{
				line("missing", "go", "go1.25.3 is older than go 1.26.6 (go.mod): brew upgrade go"),
				line("missing", "pulumi", "v3.200.0 is older than the SDK in go.mod (v3.274.1): brew upgrade pulumi/tap/pulumi"),
				"doctor: missing for `just up`: go pulumi (README.md, Prerequisites)",
			},
		},
		{
			name: "newer versions pass, compared by number",
			stubs: map[string]string{
				"go":     `echo go1.26.10`,
				"pulumi": `case "$1" in version) echo v3.1000.0-dev.0 ;; whoami) printf 'User: alice\nBackend URL: https://api.pulumi.com\n' ;; esac`,
			},
			want: []string{
				line("ok", "go", "go1.26.10 (go.mod: 1.26.6 or newer)"),
				line("ok", "pulumi", "v3.1000.0-dev.0 (the SDK in go.mod: v3.274.1)"),
				"doctor: ready for `just up`",
			},
		},
		{
			name:  "Docker daemon down",
			stubs: map[string]string{"docker": `case "$1" in info) echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1 ;; buildx) echo 'github.com/docker/buildx v0.25.0 faaf0ef' ;; esac`},
			code:  1,
			want: []string{
				line("missing", "docker", "the Docker daemon is not running: sudo systemctl start docker"),
				line("ok", "buildx", "v0.25.0"),
				"doctor: missing for `just up`: docker (README.md, Prerequisites)",
			},
		},
		{
			name:  "Docker daemon down on a Mac",
			stubs: map[string]string{"docker": `case "$1" in info) exit 1 ;; buildx) echo 'github.com/docker/buildx v0.25.0 faaf0ef' ;; esac`},
			env:   []string{"OSTYPE=darwin24"},
			code:  1,
			want:  []string{line("missing", "docker", "the Docker daemon is not running: start Docker Desktop, or colima start")},
		},
		{
			name:  "Docker socket not permitted",
			stubs: map[string]string{"docker": `case "$1" in info) echo 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock' >&2; exit 1 ;; buildx) echo 'github.com/docker/buildx v0.25.0 faaf0ef' ;; esac`},
			code:  1,
			want:  []string{line("missing", "docker", `permission denied on the Docker daemon's socket: sudo usermod -aG docker "$USER", then log out and in`)},
		},
		{
			name:  "buildx missing",
			stubs: map[string]string{"docker": `case "$1" in info) echo 28.2.2 ;; buildx) echo "docker: 'buildx' is not a docker command." >&2; exit 1 ;; esac`},
			env:   []string{"OSTYPE=darwin24", "HOSTTYPE=arm64"},
			code:  1,
			want:  []string{line("missing", "buildx", `the buildx plugin is missing: Docker Desktop includes it; else brew install docker-buildx and add "cliPluginsExtraDirs": ["/opt/homebrew/lib/docker/cli-plugins"] to ~/.docker/config.json`)},
		},
		{
			name:  "AWS credentials failing",
			stubs: map[string]string{"aws": `case "$1" in --version) echo 'aws-cli/2.27.50 Python/3.13.4' ;; sts) printf '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n' >&2; exit 253 ;; esac`},
			code:  1,
			want: []string{
				line("missing", "credentials", `aws sts get-caller-identity fails: Unable to locate credentials. You can configure credentials by running "aws configure"; with IAM Identity Center: aws sso login (once before: aws configure sso), or access keys: aws configure; then export AWS_PROFILE=<profile> (README.md, Prerequisites)`),
				"doctor: missing for `just up`: credentials (README.md, Prerequisites)",
			},
		},
		{
			name:  "AWS CLI v1 only warns: just up works without v2",
			stubs: map[string]string{"aws": `case "$1" in --version) echo 'aws-cli/1.45.11 Python/3.11.7 Linux/6.8 botocore/1.43.11' >&2 ;; sts) printf '123456789012\tarn:aws:iam::123456789012:user/alice\n' ;; esac`},
			want: []string{
				line("warn", "aws", "aws-cli/1.45.11 is v1: just up works, but just logs and just redeploy need v2 (aws logs tail): curl -fsSL https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip"),
				"doctor: ready for `just up`, with warnings: aws",
			},
		},
		{
			name:  "a prebuilt image needs no Docker",
			stubs: map[string]string{"docker": ""},
			files: map[string]string{"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  demo:image: \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo@sha256:0a1b\" # promoted from staging\n"},
			want: []string{
				line("skip", "docker", "not needed: the stack deploys the prebuilt image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo@sha256:0a1b (Pulumi.dev.yaml)"),
				line("skip", "buildx", "not needed: the stack deploys the prebuilt image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo@sha256:0a1b (Pulumi.dev.yaml)"),
				"doctor: ready for `just up`",
			},
		},
		{
			name:  "a prebuilt image set without a namespace is the project's",
			stubs: map[string]string{"docker": ""},
			files: map[string]string{"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  image: registry.example.com/demo:1\n"},
			want: []string{
				line("skip", "docker", "not needed: the stack deploys the prebuilt image registry.example.com/demo:1 (Pulumi.dev.yaml)"),
				line("skip", "buildx", "not needed: the stack deploys the prebuilt image registry.example.com/demo:1 (Pulumi.dev.yaml)"),
				"doctor: ready for `just up`",
			},
		},
		{
			name:  "the image key is the project's: another namespace's does not count",
			stubs: map[string]string{"docker": ""},
			files: map[string]string{"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  other:image: registry.example.com/other:1\n  # demo:image: registry.example.com/demo:1\n"},
			code:  1,
			want:  []string{line("missing", "docker", "not installed;")},
		},
		{
			name:  "an empty image builds",
			stubs: map[string]string{"docker": ""},
			files: map[string]string{"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  demo:image: \"\"\n"},
			code:  1,
			want:  []string{line("missing", "docker", "not installed;")},
		},
		{
			name:  "self-managed backend without a passphrase",
			stubs: map[string]string{"pulumi": onS3},
			want: []string{
				line("ok", "backend", "s3://state-bucket/demo as alice"),
				line("warn", "passphrase", "not set, so Pulumi asks at every command for the passphrase that encrypts the stack's secrets on s3://state-bucket/demo; to stop that: export PULUMI_CONFIG_PASSPHRASE_FILE=<a file only you can read> (docs/configuration.md, State backend)"),
				"doctor: ready for `just up`, with warnings: passphrase",
			},
		},
		{
			name:  "self-managed backend with an empty passphrase",
			stubs: map[string]string{"pulumi": onS3},
			env:   []string{"PULUMI_CONFIG_PASSPHRASE="},
			want:  []string{line("ok", "passphrase", "PULUMI_CONFIG_PASSPHRASE is set, for the secrets on s3://state-bucket/demo")},
		},
		{
			name:  "self-managed backend with a passphrase file",
			stubs: map[string]string{"pulumi": onS3},
			files: map[string]string{"secrets/dev.passphrase": "correct horse\n"},
			env:   []string{"PULUMI_CONFIG_PASSPHRASE_FILE=secrets/dev.passphrase"},
			want:  []string{line("ok", "passphrase", "PULUMI_CONFIG_PASSPHRASE_FILE secrets/dev.passphrase, for the secrets on s3://state-bucket/demo")},
		},
		{
			name:  "self-managed backend with a passphrase file that is not there",
			stubs: map[string]string{"pulumi": onS3},
			env:   []string{"PULUMI_CONFIG_PASSPHRASE_FILE=/nonexistent/dev.passphrase"},
			code:  1,
			want: []string{
				line("missing", "passphrase", "PULUMI_CONFIG_PASSPHRASE_FILE /nonexistent/dev.passphrase cannot be read: put the stack's passphrase in it (chmod 600), or point the variable at the file that holds it"),
				"doctor: missing for `just up`: passphrase (README.md, Prerequisites)",
			},
		},
		{
			name:  "secrets in AWS KMS need no passphrase",
			stubs: map[string]string{"pulumi": onS3},
			files: map[string]string{"Pulumi.dev.yaml": "secretsprovider: awskms://alias/pulumi-demo?region=eu-west-1\nencryptedkey: AQICAHh\nconfig:\n  aws:region: eu-west-1\n"},
			want:  []string{line("skip", "passphrase", "not needed: the stack's secrets use awskms://alias/pulumi-demo (Pulumi.dev.yaml)")},
		},
		{
			name:  "logged in nowhere: just up will log in locally",
			stubs: map[string]string{"pulumi": notLoggedIn},
			want: []string{
				line("warn", "backend", "not logged in to any backend: just up logs in to the local one (pulumi login --local: state in ~/.pulumi, on this machine only); for state a team shares, log in first: pulumi login (Pulumi Cloud) or pulumi login s3://<bucket>/demo (docs/configuration.md, State backend)"),
				line("warn", "passphrase", "not set, so Pulumi asks at every command for the passphrase that encrypts the stack's secrets on the local backend;"),
				"doctor: ready for `just up`, with warnings: backend passphrase",
			},
		},
		{
			name:  "a configured backend that fails",
			stubs: map[string]string{"pulumi": notLoggedIn},
			env:   []string{"PULUMI_BACKEND_URL=s3://state-bucket/demo"},
			code:  1,
			want: []string{
				line("missing", "backend", "set up for s3://state-bucket/demo, but pulumi whoami fails: error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions; fix that login (pulumi login s3://state-bucket/demo): state started elsewhere would lose track of what is deployed"),
				line("warn", "passphrase", "not set, so Pulumi asks at every command for the passphrase that encrypts the stack's secrets on s3://state-bucket/demo;"),
			},
		},
		{
			name:  "an expired Pulumi Cloud login",
			stubs: map[string]string{"pulumi": notLoggedIn},
			files: map[string]string{"../home/.pulumi/credentials.json": `{"current": "https://api.pulumi.com", "accessTokens": {"https://api.pulumi.com": "pul-expired"}}`},
			code:  1,
			want: []string{
				line("missing", "backend", "set up for https://api.pulumi.com, but pulumi whoami fails:"),
				line("skip", "passphrase", "not needed: Pulumi Cloud (https://api.pulumi.com) keeps the stack's secrets"),
			},
		},
		{
			name:  "region from AWS_REGION when the stack sets none",
			files: map[string]string{"Pulumi.dev.yaml": "config:\n  demo:cpu: 512\n"},
			env:   []string{"AWS_REGION=ap-south-1", "AWS_DEFAULT_REGION=us-east-2"},
			want:  []string{line("ok", "region", "ap-south-1 (AWS_REGION; the stack sets no aws:region)")},
		},
		{
			name: "region from the AWS CLI profile the stack names",
			stubs: map[string]string{"aws": `case "$*" in
				--version) echo 'aws-cli/2.27.50 Python/3.13.4' ;;
				"configure get region --profile prod") echo eu-central-1 ;;
				"sts get-caller-identity --query [Account, Arn] --output text --profile prod --region eu-central-1") printf '210987654321\tarn:aws:sts::210987654321:assumed-role/deploy/alice\n' ;;
				*) echo "unexpected: aws $*" >&2; exit 1 ;;
			esac`},
			files: map[string]string{"Pulumi.dev.yaml": "config:\n  aws:profile: prod\n"},
			want: []string{
				line("ok", "credentials", "account 210987654321 as arn:aws:sts::210987654321:assumed-role/deploy/alice (aws:profile prod)"),
				line("ok", "region", "eu-central-1 (the AWS CLI's profile prod; the stack sets no aws:region)"),
			},
		},
		{
			name:  "no region anywhere",
			files: map[string]string{"Pulumi.dev.yaml": "config: {}\n"},
			code:  1,
			want: []string{
				line("missing", "region", "none: the stack sets no aws:region and the AWS CLI has no region; add  aws:region: <region, e.g. us-east-1>  under config: in Pulumi.dev.yaml"),
			},
		},
		{
			name:  "STACK selects the stack file, by the stack's own name",
			files: map[string]string{"Pulumi.prod.yaml": "config:\n  aws:region: us-west-2\n"},
			env:   []string{"STACK=acme/prod"},
			want: []string{
				"doctor: what `just up` needs for stack acme/prod (Pulumi.prod.yaml)",
				line("ok", "region", "us-west-2 (aws:region in Pulumi.prod.yaml)"),
			},
		},
		{
			name: "a stack without its file yet",
			env:  []string{"STACK=qa", "AWS_DEFAULT_REGION=us-east-2"},
			want: []string{
				"doctor: what `just up` needs for stack qa (Pulumi.qa.yaml, which does not exist yet: Pulumi.yaml's defaults apply)",
				line("ok", "region", "us-east-2 (AWS_DEFAULT_REGION; the stack sets no aws:region)"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, tt.stubs)
			for name, content := range tt.files {
				p.write(name, content)
			}
			p.env = append(p.env, tt.env...)
			r := p.doctor()
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr %q, want nothing", r.stderr)
			}
			assertLines(t, r.stdout, tt.want...)
			if got := strings.Count(r.stdout, "\n"); got != 12 {
				t.Errorf("%d lines, want a header, one line for each of the 10 checks and a summary:\n%s", got, r.stdout)
			}
		})
	}
}

// `just preview` builds no image: doctor --preview skips docker and buildx without running
// docker, and reports for the preview recipe; the other checks stay.
func TestPreviewNeedsNoDocker(t *testing.T) {
	t.Parallel()
	p := newProject(t, map[string]string{"docker": `exit 1`})
	r := p.doctor("--preview")
	if r.code != 0 {
		t.Errorf("exit code %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertLines(t, r.stdout,
		"doctor: what `just preview` needs for stack dev (Pulumi.dev.yaml)",
		line("skip", "docker", "not needed: just preview builds no image"),
		line("skip", "buildx", "not needed: just preview builds no image"),
		line("ok", "credentials", "account 123456789012"),
		"doctor: ready for `just preview`",
	)
	for _, call := range p.invocations() {
		if strings.HasPrefix(call, "docker ") {
			t.Errorf("doctor --preview ran %q", call)
		}
	}
}

// The recipes other than up and preview name the checks they need: silence when those are ok,
// else their lines on stderr and exit 1, or 2 when they only warn (stack-init then logs in).
func TestNamedChecks(t *testing.T) {
	tests := []struct {
		name   string
		stubs  map[string]string
		args   []string
		code   int
		stderr string
	}{
		{name: "ok", args: []string{"pulumi", "backend", "aws"}},
		{
			name:   "a warning",
			stubs:  map[string]string{"pulumi": notLoggedIn},
			args:   []string{"pulumi", "backend"},
			code:   2,
			stderr: line("warn", "backend", "not logged in to any backend: just up logs in to the local one"),
		},
		{
			name:   "missing",
			stubs:  map[string]string{"pulumi": "", "aws": ""},
			args:   []string{"pulumi", "backend"},
			code:   1,
			stderr: line("missing", "pulumi", "not installed: curl -fsSL https://get.pulumi.com | sh -s -- --version 3.274.1"),
		},
		{
			name:   "an unknown check",
			args:   []string{"pulumi", "kubectl"},
			code:   1,
			stderr: `doctor: unknown check "kubectl"; the checks are: go pulumi backend passphrase docker buildx aws credentials region just`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newProject(t, tt.stubs).doctor(tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if tt.stderr == "" && r.stderr != "" {
				t.Errorf("stderr %q, want nothing", r.stderr)
			}
			if tt.stderr != "" {
				assertLines(t, r.stderr, tt.stderr)
				if n := strings.Count(r.stderr, "\n"); n != 1 {
					t.Errorf("stderr has %d lines, want 1:\n%s", n, r.stderr)
				}
			}
		})
	}
}

// Doctor only looks: the tools are asked for versions and identities, never to log in, select or
// create a stack, or read config (which could ask for the passphrase).
func TestOnlyAsks(t *testing.T) {
	p := newProject(t, nil)
	if r := p.doctor(); r.code != 0 {
		t.Fatalf("exit code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := []string{
		"go env GOVERSION",
		"pulumi version",
		"pulumi whoami --verbose --non-interactive",
		"docker info --format {{.ServerVersion}}",
		"docker buildx version",
		"aws --version",
		"aws sts get-caller-identity --query [Account, Arn] --output text --region eu-west-1",
		"just --version",
	}
	if got := p.invocations(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// On the repository's own go.mod, Pulumi.yaml and Pulumi.dev.yaml, doctor compares with the
// versions the Go tool reads from go.mod, and finds the dev stack's region.
func TestRepositoryFiles(t *testing.T) {
	out, err := exec.Command("go", "mod", "edit", "-json", "../../go.mod").Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct {
		Go      string
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatalf("decode go mod edit -json: %v", err)
	}
	var sdk string
	for _, r := range mod.Require {
		if r.Path == "github.com/pulumi/pulumi/sdk/v3" {
			sdk = r.Version
		}
	}
	p := newProject(t, map[string]string{
		"go":     `echo go1.0.0`,
		"pulumi": `case "$1" in version) echo v3.0.0 ;; whoami) printf 'User: alice\nBackend URL: https://api.pulumi.com\n' ;; esac`,
	})
	for _, name := range []string{"go.mod", "Pulumi.yaml", "Pulumi.dev.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		p.write(name, string(b))
	}
	r := p.doctor()
	assertLines(t, r.stdout,
		line("missing", "go", "go1.0.0 is older than go "+mod.Go+" (go.mod): "),
		line("missing", "pulumi", "v3.0.0 is older than the SDK in go.mod ("+sdk+"): "),
		line("ok", "region", ""),
	)
	if !strings.Contains(r.stdout, " (aws:region in Pulumi.dev.yaml)\n") {
		t.Errorf("the region does not come from Pulumi.dev.yaml:\n%s", r.stdout)
	}
}

// The justfile runs the script directly.
func TestExecutable(t *testing.T) {
	info, err := os.Stat("doctor.sh")
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode()&0o111 == 0 {
		t.Errorf("doctor.sh mode %v: not executable (git update-index --chmod=+x)", info.Mode())
	}
}
