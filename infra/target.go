package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// target is where the stack deploys: the one AWS provider every resource and lookup goes through
// (so every taggable resource carries its default tags), the names, and what is looked up before
// anything is declared, so a missing zone fails the deploy before it creates anything.
type target struct {
	provider        *aws.Provider
	prefix          string
	region, account string
	zones           []string
	// zone is the domain's hosted zone, nil without a domain; elbAccount is the Region's load
	// balancing account, looked up only for access logs.
	zone       *hostedZone
	elbAccount string
}

// opts places a component under the target's provider.
func (t *target) opts() pulumi.ResourceOption { return pulumi.Providers(t.provider) }

// lookupTarget declares the provider and looks up the region, the account, the zones, the
// domain's hosted zone and the log-delivery account.
func lookupTarget(ctx *pulumi.Context, cfg *stackConfig) (*target, error) {
	provider, err := newAWSProvider(ctx, cfg.Region, cfg.Profile)
	if err != nil {
		return nil, err
	}
	t := &target{provider: provider, prefix: namePrefix(ctx.Project(), ctx.Stack())}
	lookup := pulumi.Provider(provider)
	if t.region, err = resolveRegion(ctx, cfg.Region, lookup); err != nil {
		return nil, err
	}
	identity, err := aws.GetCallerIdentity(ctx, nil, lookup)
	if err != nil {
		return nil, fmt.Errorf("look up account: %w", err)
	}
	t.account = identity.AccountId
	if t.zones, err = lookupAvailabilityZones(ctx, cfg.AvailabilityZones, lookup); err != nil {
		return nil, err
	}
	if cfg.Domain != "" {
		if t.zone, err = lookupHostedZone(ctx, cfg.Domain, cfg.HostedZone, lookup); err != nil {
			return nil, err
		}
	}
	if cfg.AccessLogs {
		if t.elbAccount, err = lookupELBAccount(ctx, t.region, lookup); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// newAWSProvider declares the one AWS provider every resource uses, with the stack's default tags.
// An explicit provider reads no aws:* stack config, so it is given aws:region and aws:profile.
func newAWSProvider(ctx *pulumi.Context, region, profile string) (*aws.Provider, error) {
	args := &aws.ProviderArgs{
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
			"project":    pulumi.String(ctx.Project()),
			"stack":      pulumi.String(ctx.Stack()),
			"managed-by": pulumi.String("pulumi"),
		}},
	}
	if region != "" {
		args.Region = pulumi.String(region)
	}
	if profile != "" {
		args.Profile = pulumi.String(profile)
	}
	p, err := aws.NewProvider(ctx, "aws", args)
	if err != nil {
		return nil, fmt.Errorf("create aws provider: %w", err)
	}
	return p, nil
}

// resolveRegion returns aws:region, or the region the provider finds in its environment.
func resolveRegion(ctx *pulumi.Context, configured string, opts ...pulumi.InvokeOption) (string, error) {
	if configured != "" {
		return configured, nil
	}
	res, err := aws.GetRegion(ctx, nil, opts...)
	if err != nil {
		return "", fmt.Errorf("look up region (set aws:region): %w", err)
	}
	if res.Name == "" {
		return "", fmt.Errorf("look up region: none found; set aws:region")
	}
	return res.Name, nil
}

// sourceRoot is the repository root, where the Dockerfile and the build inputs live: the
// directory of Pulumi.yaml, or the parent of infra/ (the program's working directory).
func sourceRoot(ctx *pulumi.Context) string {
	if dir := ctx.RootDirectory(); dir != "" {
		return dir
	}
	return buildContext
}

// componentType is the type token of one of the program's components, in the project's own
// package, e.g. gin-fargate:index:Network: a renamed project is a new stack with its own URNs.
func componentType(ctx *pulumi.Context, name string) string { return ctx.Project() + ":index:" + name }

var nameUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// namePrefix is the stable, AWS-safe name of this stack's resources, e.g. "gin-fargate-dev": the
// ECR repository, the task family, the log group and the Name tags.
func namePrefix(project, stack string) string {
	s := nameUnsafe.ReplaceAllString(strings.ToLower(project+"-"+stack), "-")
	return shorten(strings.Trim(s, "-"), maxNamePrefixLen)
}

// maxNamePrefixLen leaves room for the suffixes of the longest names derived from the prefix.
const maxNamePrefixLen = 48

// shorten cuts a generated name to at most n bytes, leaving no hyphen at the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimRight(s[:n], "-")
}
