package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Grant is what a component of the stack hands the service, so that the API can use the AWS
// resources the component declares: statements of the task role's policy, and environment
// variables that tell the app where the resources are (docs/add-an-aws-resource.md).
type Grant struct {
	Allow []Permission
	// Env are environment variables of the container, under the rules of the env setting.
	Env pulumi.StringMap
}

// Permission is one Allow statement of the task role's policy: Actions named one by one (no "*":
// Security Hub IAM.21, Checkov CKV_AWS_63) on Resources by ARN ("*" only when every action is
// one of unscopedActions, CKV_AWS_355). Sid names it: letters and digits, unique in the policy.
type Permission struct {
	Sid       string
	Actions   []string
	Resources pulumi.StringArrayInput
}

// appResource declares one AWS resource the API uses, as a component of the given logical name,
// and returns what the component hands the service.
type appResource func(ctx *pulumi.Context, name string, cfg *stackConfig, t *target) (Grant, error)

// sidPattern is what IAM accepts as a statement ID.
var sidPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// declareAppResources declares each resource, in the order of their names, and returns their
// grants by name.
func declareAppResources(ctx *pulumi.Context, cfg *stackConfig, t *target, resources map[string]appResource,
) (map[string]Grant, error) {
	grants := map[string]Grant{}
	for _, name := range sortedKeys(resources) {
		g, err := resources[name](ctx, name, cfg, t)
		if err != nil {
			return nil, fmt.Errorf("declare %s: %w", name, err)
		}
		grants[name] = g
	}
	return grants, nil
}

// checkGrants refuses what the task role or the container cannot take from the grants: a
// permission against the rules of Permission, or an env name against the rules of the env setting
// (a name the program sets, ECS_, one that looks secret) or one that env, secrets or another grant
// also sets. It reports every problem at once.
func checkGrants(grants map[string]Grant, env map[string]string, secrets pulumi.StringMap) error {
	var errs []error
	fail := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	sids, envs := map[string]string{}, map[string]string{}
	for _, name := range sortedKeys(grants) {
		for _, p := range grants[name].Allow {
			switch other, taken := sids[p.Sid]; {
			case !sidPattern.MatchString(p.Sid):
				fail(name, "permission Sid %q is not letters and digits; allowed: a name such as ReadUploads", p.Sid)
			case taken:
				fail(name, "permission %s is also a permission of %s; allowed: a Sid unique in the task role's policy", p.Sid, other)
			}
			sids[p.Sid] = name
			if p.Resources == nil {
				fail(name, "permission %s names no resource; allowed: the ARNs of the resources it acts on", p.Sid)
			}
			if len(p.Actions) == 0 {
				fail(name, "permission %s allows no action; allowed: at least one, such as s3:GetObject", p.Sid)
			}
			for _, a := range p.Actions {
				if strings.Contains(a, "*") {
					fail(name, "permission %s allows %s; allowed: actions named one by one, such as s3:GetObject "+
						"(Security Hub IAM.21)", p.Sid, a)
				}
			}
		}
		for _, v := range sortedKeys(grants[name].Env) {
			problem := envNameProblem(name, v)
			other, taken := envs[v]
			switch {
			case problem != "":
				fail(name, "env %s", problem)
			case looksSecret(v):
				fail(name, "env %s looks like a secret; allowed: a name that does not (a secret value goes in secrets, "+
					"injected from Secrets Manager)", v)
			case hasKey(env, v):
				fail(name, "env %s is also set in env; allowed: one of the two", v)
			case hasKey(secrets, v):
				fail(name, "env %s is also set in secrets; allowed: one of the two", v)
			case taken:
				fail(name, "env %s is also handed to the service by %s; allowed: one of the two", v, other)
			}
			envs[v] = name
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the service cannot take what the stack's resources hand it:\n%w", err)
	}
	return nil
}

// grantEnv is the environment every grant hands the container.
func grantEnv(grants map[string]Grant) pulumi.StringMap {
	env := pulumi.StringMap{}
	for _, g := range grants {
		for k, v := range g.Env {
			env[k] = v
		}
	}
	return env
}

// taskPolicy is the task role's policy: every grant's permissions, in the order of the grants'
// names, once their resources are known; false when no grant allows anything (the role then has
// no policy at all).
func taskPolicy(grants map[string]Grant) (pulumi.StringOutput, bool) {
	var owners []string
	var perms []Permission
	var resources []any
	for _, name := range sortedKeys(grants) {
		for _, p := range grants[name].Allow {
			owners, perms = append(owners, name), append(perms, p)
			resources = append(resources, p.Resources.ToStringArrayOutput())
		}
	}
	if len(perms) == 0 {
		return pulumi.StringOutput{}, false
	}
	policy := pulumi.All(resources...).ApplyT(func(v []any) (string, error) {
		statements := make([]policyStatement, len(perms))
		for i, p := range perms {
			arns := v[i].([]string)
			if len(arns) == 0 || slices.Contains(arns, "*") && !allUnscoped(p.Actions) {
				return "", fmt.Errorf("%s: permission %s allows %s on %q; allowed: the ARNs of the resources it acts "+
					"on (\"*\" only for %s, which AWS scopes to no resource)", owners[i], p.Sid,
					strings.Join(p.Actions, ", "), arns, strings.Join(unscopedActions(), ", "))
			}
			statements[i] = policyStatement{Sid: p.Sid, Effect: "Allow", Action: p.Actions, Resource: arns}
		}
		return policyJSON(statements...)
	}).(pulumi.StringOutput)
	return policy, true
}

// allUnscoped reports whether every action is one AWS scopes to no resource.
func allUnscoped(actions []string) bool {
	for _, a := range actions {
		if !slices.Contains(unscopedActions(), a) {
			return false
		}
	}
	return true
}
