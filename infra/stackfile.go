package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// projectFile is the project's definition: its name, runtime and config keys with their defaults.
const projectFile = "Pulumi.yaml"

// stackSettings is what the Pulumi CLI hands the program for a stack, read with the SDK's own
// loaders: Pulumi.yaml's defaults, then the stack file's values on top.
type stackSettings struct {
	Project string
	// Stack is the stack's name without organization and project, as ctx.Stack() reports it.
	Stack string
	// File is the stack file's name, e.g. Pulumi.dev.yaml.
	File string
	// Config maps every fully qualified key to its value as the program reads it: a scalar as its
	// text, a list or an object as JSON. A secure value is the SDK's blinding placeholder: it
	// counts as set and is never decrypted.
	Config map[string]string
	// SecretKeys are the keys whose value is secure, in whole or in part.
	SecretKeys []string
}

// readProject reads and validates dir's Pulumi.yaml with the SDK's project loader.
func readProject(dir string) (*workspace.Project, error) {
	proj, err := workspace.LoadProject(filepath.Join(dir, projectFile))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", projectFile, err)
	}
	if err := proj.Validate(); err != nil {
		return nil, fmt.Errorf("validate %s: %w", projectFile, err)
	}
	return proj, nil
}

// loadStack reads the settings of stack (a name, or org/project/name) from the project in dir.
// The SDK treats a missing stack file as an empty one; here it is an error, since a check of a
// stack nobody wrote down checks nothing. Warnings of the loader (a key without a value) go to
// warnings.
func loadStack(dir, stack string, warnings io.Writer) (*stackSettings, error) {
	proj, err := readProject(dir)
	if err != nil {
		return nil, err
	}
	name := stack[strings.LastIndex(stack, "/")+1:]
	file := "Pulumi." + name + ".yaml"
	path := filepath.Join(dir, proj.StackConfigDir, file)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such stack file in %s; create it (pulumi stack init %s, or copy "+
			"Pulumi.dev.yaml) with at least aws:region", file, filepath.Dir(path), name)
	}
	values, secretKeys, err := readStackFile(proj, path, warnings)
	if err != nil {
		return nil, err
	}
	cfg, err := projectDefaults(proj)
	if err != nil {
		return nil, err
	}
	maps.Copy(cfg, values)
	return &stackSettings{Project: proj.Name.String(), Stack: name, File: file, Config: cfg, SecretKeys: secretKeys}, nil
}

// readStackFile reads a stack file's values as the CLI passes them, keys namespaced (a key
// without a namespace is the project's), and the keys that hold secure values.
func readStackFile(proj *workspace.Project, path string, warnings io.Writer) (map[string]string, []string, error) {
	sink := diag.DefaultSink(warnings, warnings, diag.FormatOptions{Color: colors.Never})
	stack, err := workspace.LoadProjectStack(sink, proj, path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	values, err := stack.Config.Decrypt(config.NewBlindingDecrypter())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		out[k.String()] = v
	}
	var secretKeys []string
	for _, k := range stack.Config.SecureKeys() {
		secretKeys = append(secretKeys, k.String())
	}
	return out, secretKeys, nil
}

// projectDefaults are the values the CLI passes for the keys Pulumi.yaml declares when a stack
// sets none: a scalar default as its text, a list or an object as JSON.
func projectDefaults(proj *workspace.Project) (map[string]string, error) {
	out := map[string]string{}
	for key, typ := range proj.Config {
		var value string
		switch d := typ.Default.(type) {
		case nil:
			continue
		case string, int, bool:
			value = fmt.Sprint(d)
		default:
			simple, err := workspace.SimplifyMarshalledValue(d)
			if err != nil {
				return nil, fmt.Errorf("default of %s in %s: %w", key, projectFile, err)
			}
			b, err := json.Marshal(simple)
			if err != nil {
				return nil, fmt.Errorf("default of %s in %s: %w", key, projectFile, err)
			}
			value = string(b)
		}
		out[qualifiedKey(proj.Name.String(), key)] = value
	}
	return out, nil
}

// qualifiedKey is a config key as the CLI namespaces it: a key without a namespace is the project's.
func qualifiedKey(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}
