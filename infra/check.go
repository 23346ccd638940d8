package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// checkUsage is the check command's help.
const checkUsage = `usage: go run ./infra check [STACK]   (just check [STACK])

Checks the stack's settings offline, without AWS, Docker or the Pulumi CLI: reads Pulumi.yaml and
Pulumi.<STACK>.yaml (default dev) as the Pulumi CLI does, runs the program as a preview of a new
stack would, and prints every config error, or the plan: components, choices, the security
waivers in force and an estimated monthly cost. Secure values count as set and are never read.

Exit status: 0 the stack is valid, 1 it is not (every problem is printed), 2 usage.
`

// runCheck is the check command: it checks the stack named in args in the project in dir.
func runCheck(dir string, args []string, stdout, stderr io.Writer) int {
	stack := "dev"
	switch {
	case len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help"):
		fmt.Fprint(stdout, checkUsage)
		return 0
	case len(args) > 1 || len(args) == 1 && strings.HasPrefix(args[0], "-"):
		fmt.Fprint(stderr, checkUsage)
		return 2
	case len(args) == 1:
		stack = args[0]
	}
	settings, err := loadStack(dir, stack, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "check: %v\n", err)
		return 1
	}
	cfg, problems := validateSettings(settings)
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "check: %s is not valid: %s\n", settings.File, plural(int64(len(problems)), "problem"))
		for _, p := range problems {
			fmt.Fprintf(stderr, "  %v\n", p)
		}
		return 1
	}
	declared, err := declareOffline(settings, dir, cfg.Region)
	if err != nil {
		fmt.Fprintf(stderr, "check: %s: the program fails: %v\n", settings.File, err)
		return 1
	}
	printPlan(stdout, settings, cfg, declared)
	return 0
}

// validateSettings runs the program's own validation on the settings and adds the keys it never
// reads: a key of the project that Pulumi.yaml does not declare (a typo, or a key set in
// another project's namespace before a rename) would otherwise pass without a word.
func validateSettings(s *stackSettings) (*stackConfig, []error) {
	read := map[string]bool{}
	cfg, err := parseConfig(configSource{
		project: s.Project,
		stack:   s.Stack,
		lookup: func(key string) (string, bool) {
			read[key] = true
			v, ok := s.Config[key]
			return v, ok
		},
		secret: func(key string) bool { return slices.Contains(s.SecretKeys, key) },
	})
	var problems []error
	if err != nil {
		var joined interface{ Unwrap() []error }
		if !errors.As(err, &joined) {
			return nil, []error{err}
		}
		problems = joined.Unwrap()
	}
	for _, key := range sortedKeys(s.Config) {
		namespace, name, _ := strings.Cut(key, ":")
		switch {
		case read[key] || namespace == "aws" || namespace == "pulumi":
		case namespace == s.Project:
			problems = append(problems, fmt.Errorf("%s: is not a setting of this program; allowed: the keys "+
				"Pulumi.yaml declares (docs/configuration.md)", key))
		default:
			problems = append(problems, fmt.Errorf("%s: is in namespace %s, which nothing here reads; allowed: "+
				"%s:%s or %s without a namespace (the project is %s in Pulumi.yaml), or an aws: provider setting",
				key, namespace, s.Project, name, name, s.Project))
		}
	}
	return cfg, problems
}

// declareOffline runs the program as `pulumi preview` of a new stack would, in-process under the
// offline monitor, and returns what it declared. A preview deploys and verifies nothing, so the
// program looks nothing up after its resources are declared.
func declareOffline(s *stackSettings, root, region string) (declaredStack, error) {
	if region == "" {
		region = assumedRegion
	}
	cloud := newOfflineCloud(region)
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := declareStack(ctx, productionDeps())
		return err
	}, pulumi.WithMocks(s.Project, s.Stack, cloud), func(ri *pulumi.RunInfo) {
		ri.Config = s.Config
		ri.ConfigSecretKeys = s.SecretKeys
		ri.DryRun = true
		ri.RootDirectory = root
	})
	return cloud.declaredResources(), err
}

// assumedRegion is the region the check plans for a stack without aws:region: the provider takes
// one from the environment at deploy time, and the prices are us-east-1's.
const assumedRegion = "us-east-1"
