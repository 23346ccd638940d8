package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

func loadProject(t *testing.T) *workspace.Project {
	t.Helper()
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		t.Fatalf("load Pulumi.yaml: %v", err)
	}
	if err := proj.Validate(); err != nil {
		t.Fatalf("validate Pulumi.yaml: %v", err)
	}
	return proj
}

// projectKeys returns the project's own config keys, without the namespace.
func projectKeys(proj *workspace.Project) []string {
	var keys []string
	for k := range proj.Config {
		if strings.HasPrefix(k, testProject+":") || !strings.Contains(k, ":") {
			keys = append(keys, strings.TrimPrefix(k, testProject+":"))
		}
	}
	sort.Strings(keys)
	return keys
}

// keysReadByLoadConfig runs the config parser and records every project key it asks for.
func keysReadByLoadConfig(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	_, err := parseConfig(configSource{
		project: testProject,
		lookup: func(k string) (string, bool) {
			if name, ok := strings.CutPrefix(k, testProject+":"); ok && name != removedHealthCheckPathKey {
				seen[name] = true
			}
			return "", false
		},
	})
	if err != nil {
		t.Fatalf("parse empty config: %v", err)
	}
	return sortedKeys(seen)
}

func TestPulumiProjectFile(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
	if got, want := proj.Name.String(), testProject; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if got, want := proj.Runtime.Name(), "go"; got != want {
		t.Errorf("runtime = %q, want %q", got, want)
	}
	if got, want := proj.Main, "infra/"; got != want {
		t.Errorf("main = %q, want %q", got, want)
	}
	// The CLI treats a declared key without a default as required: every key needs one.
	for _, key := range projectKeys(proj) {
		ct := proj.Config[key]
		if ct.Default == nil {
			t.Errorf("config %s declares no default", key)
		}
		if ct.Type == nil {
			t.Errorf("config %s declares no type", key)
		}
		if ct.Description == "" {
			t.Errorf("config %s has no description", key)
		}
		// The CLI stores a default it applies in plain text and then refuses a key declared
		// secret whose value is not encrypted ("Stack 'dev' with configuration key 'secrets' must
		// be encrypted as it's secret": pkg/v3 workspace/config.go, mergeConfig and
		// validateStackConfigValue). A key with a default can therefore never be declared secret;
		// the program itself refuses `secrets` values that were not set with --secret.
		if ct.Secret {
			t.Errorf("config %s is declared secret with a default: every stack that leaves it unset would fail to run", key)
		}
	}
}

// TestPulumiProjectDeclaresEveryKey: the keys Pulumi.yaml declares are exactly the keys the
// program reads.
func TestPulumiProjectDeclaresEveryKey(t *testing.T) {
	t.Parallel()
	declared := projectKeys(loadProject(t))
	read := keysReadByLoadConfig(t)
	if !reflect.DeepEqual(declared, read) {
		t.Errorf("Pulumi.yaml declares %v\nthe program reads %v", declared, read)
	}
}

// cliValue renders a config value the way the Pulumi CLI passes it to the program.
func cliValue(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case string:
		return x
	case []any, map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// comparable drops the fields that hold outputs, which cannot be compared.
func comparableConfig(c *stackConfig) stackConfig {
	out := *c
	out.Secrets = nil
	return out
}

// TestPulumiProjectDefaultsMatchProgram: the defaults the CLI applies are the defaults the
// program applies when a key is missing (as under mocks).
func TestPulumiProjectDefaultsMatchProgram(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
	kv := map[string]string{}
	for _, key := range projectKeys(proj) {
		kv[key] = cliValue(t, proj.Config[key].Default)
	}
	fromYAML, err := parseMap(kv, "secrets")
	if err != nil {
		t.Fatalf("Pulumi.yaml defaults rejected: %v", err)
	}
	fromGo, err := parseMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := comparableConfig(fromYAML), comparableConfig(fromGo); !reflect.DeepEqual(a, b) {
		t.Errorf("Pulumi.yaml defaults give\n%+v\nthe program's defaults give\n%+v", a, b)
	}
}

// devStackConfig loads Pulumi.dev.yaml as the CLI would pass it to the program.
func devStackConfig(t *testing.T) map[string]string {
	t.Helper()
	return stackFileConfig(t, "../Pulumi.dev.yaml")
}

// stackFileConfig loads a stack settings file (Pulumi.<stack>.yaml) as the CLI would pass its
// values to the program.
func stackFileConfig(t *testing.T, path string) map[string]string {
	t.Helper()
	proj := loadProject(t)
	stack, err := workspace.LoadProjectStack(diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never}),
		proj, path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	values, err := stack.Config.Decrypt(config.NopDecrypter)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	out := map[string]string{}
	for k, v := range values {
		out[k.String()] = v
	}
	return out
}

func TestDevStackSetsOnlyDeclaredValidKeys(t *testing.T) {
	t.Parallel()
	declared := map[string]bool{}
	for _, k := range projectKeys(loadProject(t)) {
		declared[k] = true
	}
	cfg := devStackConfig(t)
	if cfg["aws:region"] == "" {
		t.Error("Pulumi.dev.yaml sets no aws:region")
	}
	for k := range cfg {
		name, ok := strings.CutPrefix(k, testProject+":")
		if !ok {
			if k != "aws:region" {
				t.Errorf("Pulumi.dev.yaml sets %s, which the program does not read", k)
			}
			continue
		}
		if !declared[name] {
			t.Errorf("Pulumi.dev.yaml sets %s, which Pulumi.yaml does not declare", k)
		}
	}
	c, err := parseMap(cfg)
	if err != nil {
		t.Fatalf("Pulumi.dev.yaml rejected: %v", err)
	}
	if c.Egress == egressNATPerAZ {
		t.Error("dev stack pays for a NAT gateway per zone; want a cheaper egress")
	}
	if !c.ForceDelete {
		t.Error("dev stack cannot destroy its repository; want forceDelete true")
	}
	run := mustRun(t, withConfig(cfg))
	if got := len(run.all("aws:ecs/service:Service")); got != 1 {
		t.Errorf("dev stack declares %d services, want 1", got)
	}
}
