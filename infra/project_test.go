package main

import (
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// loadProject loads Pulumi.yaml with the SDK's project loader, as the Pulumi CLI does.
func loadProject(t *testing.T) *workspace.Project {
	t.Helper()
	proj, err := readProject("..")
	if err != nil {
		t.Fatal(err)
	}
	return proj
}

// configKey is a config key as the CLI namespaces it: a key without a namespace is the project's.
func configKey(t *testing.T, proj *workspace.Project, key string) string {
	t.Helper()
	return qualifiedKey(proj.Name.String(), key)
}

// cliConfig is the config the Pulumi CLI hands the program for a stack that sets kv: every
// default Pulumi.yaml declares, then kv on top.
func cliConfig(t *testing.T, proj *workspace.Project, kv map[string]string) map[string]string {
	t.Helper()
	out, err := projectDefaults(proj)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range kv {
		out[configKey(t, proj, k)] = v
	}
	return out
}

// projectKeys returns the project's own config keys, without the namespace.
func projectKeys(proj *workspace.Project) []string {
	prefix := proj.Name.String() + ":"
	var keys []string
	for k := range proj.Config {
		if strings.HasPrefix(k, prefix) || !strings.Contains(k, ":") {
			keys = append(keys, strings.TrimPrefix(k, prefix))
		}
	}
	sort.Strings(keys)
	return keys
}

func TestPulumiProjectFile(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
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
// program reads, and their defaults make a valid stack.
func TestPulumiProjectDeclaresEveryKey(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
	cfg := cliConfig(t, proj, nil)
	prefix := proj.Name.String() + ":"
	read := map[string]bool{}
	_, err := parseConfig(configSource{
		project: proj.Name.String(),
		lookup: func(k string) (string, bool) {
			if name, ok := strings.CutPrefix(k, prefix); ok && name != removedHealthCheckPathKey {
				read[name] = true
			}
			v, ok := cfg[k]
			return v, ok
		},
		secret: func(string) bool { return false },
	})
	if err != nil {
		t.Fatalf("Pulumi.yaml's defaults are rejected: %v", err)
	}
	if declared := projectKeys(proj); !reflect.DeepEqual(declared, sortedKeys(read)) {
		t.Errorf("Pulumi.yaml declares %v\nthe program reads %v", declared, sortedKeys(read))
	}
}

// TestMissingKeyIsAnError: the program has no defaults of its own; a key the CLI did not pass
// is one error that names it.
func TestMissingKeyIsAnError(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
	for _, key := range projectKeys(proj) {
		cfg := cliConfig(t, proj, nil)
		delete(cfg, configKey(t, proj, key))
		_, err := parseConfig(configSource{
			project: proj.Name.String(),
			lookup:  func(k string) (string, bool) { v, ok := cfg[k]; return v, ok },
			secret:  func(string) bool { return false },
		})
		want := configKey(t, proj, key) + ": is not set"
		if errs := configErrors(err); len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want) {
			t.Errorf("without %s: %v, want one error starting %q", key, err, want)
		}
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
	values, _, err := readStackFile(loadProject(t), path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return values
}

func TestDevStackSetsOnlyDeclaredValidKeys(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
	declared := map[string]bool{}
	for _, k := range projectKeys(proj) {
		declared[k] = true
	}
	cfg := devStackConfig(t)
	if cfg["aws:region"] == "" {
		t.Error("Pulumi.dev.yaml sets no aws:region")
	}
	for k := range cfg {
		name, ok := strings.CutPrefix(k, proj.Name.String()+":")
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
	c, err := parseMap(t, cfg)
	if err != nil {
		t.Fatalf("Pulumi.dev.yaml rejected: %v", err)
	}
	if c.Egress == egressNATPerAZ {
		t.Error("dev stack pays for a NAT gateway per zone; want a cheaper egress")
	}
	if !c.ForceDelete {
		t.Error("dev stack cannot destroy its repository; want forceDelete true")
	}
	mustRun(t, withConfig(cfg))
}
