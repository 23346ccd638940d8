package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// checkRun is what one run of the check command printed, and its exit status.
type checkRun struct {
	stdout, stderr string
	code           int
}

// newCheckProject writes a project directory: the repository's Pulumi.yaml and the given files
// (stack files, by name).
func newCheckProject(t *testing.T, files map[string]string) string {
	t.Helper()
	project, err := os.ReadFile("../" + projectFile)
	if err != nil {
		t.Fatal(err)
	}
	return writeFiles(t, t.TempDir(), map[string]string{projectFile: string(project)}, files)
}

// writeFiles writes each set of files (name to content) into dir and returns dir.
func writeFiles(t *testing.T, dir string, sets ...map[string]string) string {
	t.Helper()
	for _, files := range sets {
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// check runs the check command in dir with args.
func check(dir string, args ...string) checkRun {
	var stdout, stderr bytes.Buffer
	code := runCheck(dir, args, &stdout, &stderr)
	return checkRun{stdout.String(), stderr.String(), code}
}

// mustCheck runs the check command and fails the test unless it passes.
func mustCheck(t *testing.T, dir string, args ...string) checkRun {
	t.Helper()
	r := check(dir, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("check %v: exit %d\nstderr:\n%s\nstdout:\n%s", args, r.code, r.stderr, r.stdout)
	}
	return r
}

// choice returns the value check printed for a choice, e.g. "egress".
func (r checkRun) choice(t *testing.T, name string) string {
	t.Helper()
	_, choices, _ := strings.Cut(r.stdout, "\nchoices\n")
	choices, _, _ = strings.Cut(choices, "\n\n")
	m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + ` +(.*)$`).FindStringSubmatch(choices)
	if m == nil {
		t.Fatalf("no choice %s in:\n%s", name, r.stdout)
	}
	return m[1]
}

// wantChoices fails the test for each choice whose printed value is not the one given.
func (r checkRun) wantChoices(t *testing.T, want map[string]string) {
	t.Helper()
	for name, value := range want {
		if got := r.choice(t, name); got != value {
			t.Errorf("choice %s = %q, want %q", name, got, value)
		}
	}
}

// TestCheckDefaultsToDev: without a stack, the check checks dev.
func TestCheckDefaultsToDev(t *testing.T) {
	t.Parallel()
	r := mustCheck(t, "..")
	if !strings.HasPrefix(r.stdout, "check: stack dev (Pulumi.dev.yaml)") {
		t.Errorf("check without a stack starts %q, want the dev stack", firstLine(r.stdout))
	}
}

// TestCheckPrintsThePlan: a stack file the check has never seen, with choices away from the
// defaults, gets a plan that shows them, from the resources the program declared.
func TestCheckPrintsThePlan(t *testing.T) {
	t.Parallel()
	dir := newCheckProject(t, map[string]string{"Pulumi.staging.yaml": `config:
  aws:region: eu-west-1
  architecture: x86_64
  availabilityZones: 3
  egress: vpcEndpoints
  minCount: 2
  desiredCount: 3
  maxCount: 6
  spot: true
  domain: api.example.org
  alarmEmail: ops@example.org
`})
	r := mustCheck(t, dir, "staging")
	r.wantChoices(t, map[string]string{
		"architecture": "x86_64: the image is built for linux/amd64, the tasks run on X86_64",
		"tasks":        "2 to 6, autoscaled on 60 % CPU and 1000 requests per task per minute; 3 at the first deploy",
		"zones":        "3: eu-west-1a, eu-west-1b, eu-west-1c",
		"egress":       "vpcEndpoints: 5 VPC endpoints and no internet for the tasks",
		"HTTPS":        "on: https://api.example.org with an ACM certificate; HTTP answers 301 to HTTPS",
		"spot":         "on: tasks beyond the first on Fargate Spot three times in four",
		"alarmEmail":   "on: alarms and failed deployments mail ops@example.org",
	})
	plan := strings.Join(strings.Fields(r.stdout), " ")
	for _, want := range []string{
		"check: stack staging (Pulumi.staging.yaml) of project " + loadProject(t).Name.String() + " in eu-west-1: the settings are valid",
		"network Network",
		"certificate Certificate",
		// 4 interface endpoints in 3 zones at $0.01 × 730 h = $7.30 each.
		"Interface endpoints $87.60 4 endpoints in 3 zones = 12 × $0.01 × 730 h",
		// 3 load balancer zones, no NAT elastic IP, no task address.
		"Public IPv4 addresses $10.95 3 (3 load balancer zones) × $0.005 × 730 h",
		"KMS keys $1.00 1 × $1",
		// 2 tasks: the first on FARGATE, the other three times in four on Spot:
		// 0.75 × (0.25 × $0.04048 + 0.5 × $0.004445) × 730 h × 0.70 = 0.75 × 0.0123425 × 730 × 0.7 = $4.73.
		"Fargate Spot, best case -$4.73",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(plan, "NAT gateway hours") || strings.Contains(plan, "NAT data processing") {
		t.Errorf("a vpcEndpoints stack is charged for NAT:\n%s", r.stdout)
	}
}

// TestCheckReportsEveryProblem: a stack file with several bad values gets one line for each,
// naming the key, the value and what is allowed, and exit status 1.
func TestCheckReportsEveryProblem(t *testing.T) {
	t.Parallel()
	project := loadProject(t).Name.String()
	dir := newCheckProject(t, map[string]string{"Pulumi.staging.yaml": `config:
  aws:region: eu-west-1
  cpu: 300
  egress: natDouble
  ` + project + `:availabilityZones: 4
  paths: ["api/*"]
  containerPort: http
  cpuu: 512
  other-project:memory: 1024
`})
	r := check(dir, "staging")
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
	}
	want := []string{
		"check: Pulumi.staging.yaml is not valid: 7 problems",
		project + `:cpu: 300 is not a Fargate CPU value; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384`,
		project + `:containerPort: "http" is not an integer`,
		project + `:availabilityZones: 4 is not allowed; allowed: 2 or 3`,
		project + `:egress: "natDouble" is not allowed; allowed: natPerAz, natSingle, publicIp or vpcEndpoints`,
		project + `:paths: "api/*" does not start with /;`,
		project + `:cpuu: is not a setting of this program; allowed: the keys Pulumi.yaml declares`,
		`other-project:memory: is in namespace other-project, which nothing here reads; allowed: ` + project + `:memory or memory`,
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if lines := strings.Count(r.stderr, "\n"); lines != len(want) {
		t.Errorf("%d lines, want %d:\n%s", lines, len(want), r.stderr)
	}
}

// TestCheckNeverPrintsSecureValues: secure values count as set and are never decrypted; a plain
// value under secrets is refused without being printed.
func TestCheckNeverPrintsSecureValues(t *testing.T) {
	t.Parallel()
	const ciphertext = "v1:c2VjdXJlLWNpcGhlcnRleHQ=:c2VjcmV0LXZhbHVlLW5ldmVyLXByaW50ZWQ="
	dir := newCheckProject(t, map[string]string{
		// As `pulumi config set --secret --path 'secrets.API_TOKEN' …` writes it.
		"Pulumi.secure.yaml": "config:\n  aws:region: us-east-1\n  secrets:\n    API_TOKEN:\n      secure: " + ciphertext + "\n",
		"Pulumi.plain.yaml":  "config:\n  aws:region: us-east-1\n  secrets:\n    API_TOKEN: hunter2-plain\n",
	})
	r := mustCheck(t, dir, "secure")
	if got := r.choice(t, "secrets"); got != "1: API_TOKEN" {
		t.Errorf("secrets = %q, want the one name", got)
	}
	if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), "Secrets Manager secrets $0.40 1 × $0.40") {
		t.Errorf("the secret is not priced:\n%s", r.stdout)
	}
	for _, leak := range []string{ciphertext, secretPlaceholderText} {
		if strings.Contains(r.stdout+r.stderr, leak) {
			t.Errorf("check printed %q:\n%s", leak, r.stdout)
		}
	}

	plain := check(dir, "plain")
	if plain.code != 1 || !strings.Contains(plain.stderr, ":secrets: holds plain-text values; allowed: values set with pulumi config set --secret") {
		t.Errorf("a plain secret: exit %d, stderr:\n%s", plain.code, plain.stderr)
	}
	if strings.Contains(plain.stdout+plain.stderr, "hunter2") {
		t.Errorf("check printed the plain secret:\n%s", plain.stderr)
	}
}

// secretPlaceholderText is what the SDK's blinding decrypter puts in place of a secure value.
const secretPlaceholderText = "[secret]"

// TestCheckReadsKeysAsTheCLIDoes: bare and namespaced keys, and --path lists and objects, reach
// the program as the Pulumi CLI hands them over; keys the stack leaves out take Pulumi.yaml's
// defaults.
func TestCheckReadsKeysAsTheCLIDoes(t *testing.T) {
	t.Parallel()
	project := loadProject(t).Name.String()
	// As `pulumi config set cpu 512`, a namespaced key, and `pulumi config set --path` write them.
	dir := newCheckProject(t, map[string]string{"Pulumi.paths.yaml": `config:
  aws:region: us-east-1
  cpu: 512
  ` + project + `:memory: 2048
  paths:
    - /api/v1/*
    - /healthz
  env:
    GREETING: hello
    LOG_LEVEL: debug
  ` + project + `:ipv6: false
`})
	mustCheck(t, dir, "paths").wantChoices(t, map[string]string{
		"task size":         "512 CPU units, 2048 MiB",
		"paths":             "/api/v1/* /healthz",
		"env":               "2: GREETING, LOG_LEVEL",
		"ipv6":              "off",
		"egress":            "natPerAz: a NAT gateway in each zone (2)",
		"containerInsights": "on: Container Insights on the cluster",
	})
}

// TestCheckStackFileErrors: a stack file that is missing or unparsable is an error naming it
// (and the line), and a wrong invocation prints the usage.
func TestCheckStackFileErrors(t *testing.T) {
	t.Parallel()
	dir := newCheckProject(t, map[string]string{"Pulumi.broken.yaml": "config:\n  aws:region: us-east-1\n  cpu: 256\n    memory: 512\n"})
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"staging"}, 1, "check: Pulumi.staging.yaml: no such stack file in " + dir},
		{[]string{"acme/" + "api/staging"}, 1, "check: Pulumi.staging.yaml: no such stack file"},
		{[]string{"broken"}, 1, "check: Pulumi.broken.yaml: invalid YAML file: yaml: line 4: mapping values are not allowed"},
		{[]string{"dev", "prod"}, 2, "usage: go run ./infra check [STACK]"},
		{[]string{"--all"}, 2, "usage: go run ./infra check [STACK]"},
	}
	for _, tt := range tests {
		r := check(dir, tt.args...)
		if r.code != tt.code || !strings.HasPrefix(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("check %v: exit %d, stderr %q; want exit %d and stderr starting %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
	if r := check(dir, "--help"); r.code != 0 || !strings.HasPrefix(r.stdout, "usage:") {
		t.Errorf("check --help: exit %d, stdout %q", r.code, r.stdout)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
