package main

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// keepImages is how many images the lifecycle policy keeps: enough that any recent task
// definition, and so any rollback target, can still pull its image.
const keepImages = 30

// Registry is the ECR repository the service's images are pushed to and pulled from.
type Registry struct {
	pulumi.ResourceState

	// Name is the repository name, known before deployment so the program can look images up.
	Name string
	URL  pulumi.StringOutput `pulumi:"repositoryUrl"`
	ARN  pulumi.StringOutput `pulumi:"repositoryArn"`
}

// RegistryArgs configures a Registry.
type RegistryArgs struct {
	// Name is the repository name; it must be deterministic (see repositoryName).
	Name string
	// ForceDelete lets a destroy remove the repository while it still holds images.
	ForceDelete bool
}

// NewRegistry declares an immutable, scanned ECR repository with a lifecycle policy.
// Security Hub ECR.1 (scan on push), ECR.2 (immutable tags), ECR.3 (lifecycle policy).
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	reg := &Registry{Name: args.Name}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Registry"), name, reg, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(reg)

	repo, err := ecr.NewRepository(ctx, name+"-repo", &ecr.RepositoryArgs{
		Name:               pulumi.String(args.Name),
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		ForceDelete: pulumi.Bool(args.ForceDelete),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create repository: %w", err)
	}
	policy, err := lifecyclePolicy(keepImages)
	if err != nil {
		return nil, fmt.Errorf("create lifecycle policy: %w", err)
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name+"-lifecycle", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(policy),
	}, parent); err != nil {
		return nil, fmt.Errorf("create lifecycle policy: %w", err)
	}

	reg.URL, reg.ARN = repo.RepositoryUrl, repo.Arn
	if err := ctx.RegisterResourceOutputs(reg, pulumi.Map{
		"repositoryUrl": reg.URL,
		"repositoryArn": reg.ARN,
	}); err != nil {
		return nil, err
	}
	return reg, nil
}

// lifecyclePolicy expires untagged images after a day and keeps the newest keep images of any
// kind. Only this policy removes images: a pushed image outlives the deploys that replace it.
// ECR requires the tagStatus "any" rule to have the highest priority number.
func lifecyclePolicy(keep int) (string, error) {
	type selection struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountUnit   string `json:"countUnit,omitempty"`
		CountNumber int    `json:"countNumber"`
	}
	type rule struct {
		RulePriority int               `json:"rulePriority"`
		Description  string            `json:"description"`
		Selection    selection         `json:"selection"`
		Action       map[string]string `json:"action"`
	}
	expire := map[string]string{"type": "expire"}
	doc := map[string][]rule{"rules": {
		{
			RulePriority: 1,
			Description:  "Expire untagged images one day after push",
			Selection:    selection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: 1},
			Action:       expire,
		},
		{
			RulePriority: 2,
			Description:  fmt.Sprintf("Keep the newest %d images so rollbacks can always pull", keep),
			Selection:    selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keep},
			Action:       expire,
		},
	}}
	b, err := json.Marshal(doc)
	return string(b), err
}
