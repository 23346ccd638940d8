package main

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	awsxecr "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// dockerBuildImageType is the resource awsx.ecr.Image builds and pushes with.
	dockerBuildImageType = "docker-build:index:Image"
	// buildContext and buildDockerfile are relative to infra/, where Pulumi runs the program.
	// They stay relative: an absolute path would differ between machines and rename the build.
	buildContext    = ".."
	buildDockerfile = "../Dockerfile"
	// versionBuildArg is the Docker build argument the Dockerfile injects into the binary.
	versionBuildArg = "VERSION"
)

// AppImage is the container image the service runs: a prebuilt image, an image the registry
// already holds for the current sources, or a fresh build pushed to the registry.
type AppImage struct {
	pulumi.ResourceState

	// URI is the image reference for the task definition, digest-pinned unless a prebuilt image
	// was configured by tag.
	URI pulumi.StringOutput `pulumi:"imageUri"`
	// Version is what the app reports as APP_VERSION: the content tag, or the prebuilt image's tag.
	Version string
	// PullRepositoryARN is the ECR repository the execution role pulls from; empty when the
	// prebuilt image is not in ECR.
	PullRepositoryARN pulumi.StringOutput
}

// AppImageArgs configures an AppImage.
type AppImageArgs struct {
	Registry *Registry
	// Prebuilt, when set, is deployed as is: no lookup and no build.
	Prebuilt *imageRef
	// SourceRoot is the directory the content tag is computed from: the repository root.
	SourceRoot   string
	Architecture architecture
	// Provider is the AWS provider the build's registry login uses. A remote component's children
	// get only the providers passed to it explicitly, not those of its parent.
	Provider pulumi.ProviderResource
}

// NewAppImage decides where the image comes from. Its tag is a hash of the build inputs; when the
// registry already holds that tag (a revert, a fresh CI runner, an unchanged deploy), the program
// deploys its digest and declares no build, so an IMMUTABLE tag is never pushed twice.
func NewAppImage(ctx *pulumi.Context, name string, args *AppImageArgs, opts ...pulumi.ResourceOption) (*AppImage, error) {
	img := &AppImage{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "AppImage"), name, img, opts...); err != nil {
		return nil, err
	}
	if err := img.resolve(ctx, name, args); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(img, pulumi.Map{"imageUri": img.URI}); err != nil {
		return nil, err
	}
	return img, nil
}

func (img *AppImage) resolve(ctx *pulumi.Context, name string, args *AppImageArgs) error {
	if p := args.Prebuilt; p != nil {
		img.URI = pulumi.String(p.URI).ToStringOutput()
		img.Version = p.version()
		img.PullRepositoryARN = pulumi.String("").ToStringOutput()
		if p.ECR != nil {
			img.PullRepositoryARN = pulumi.String(p.ECR.arn()).ToStringOutput()
		}
		return nil
	}

	platform := args.Architecture.platform()
	tag, err := imageTag(args.SourceRoot, platform, map[string]string{versionBuildArg: "<image tag>"})
	if err != nil {
		return fmt.Errorf("compute image tag: %w", err)
	}
	img.Version = tag
	img.PullRepositoryARN = args.Registry.ARN

	existing, err := ecr.GetImage(ctx, &ecr.GetImageArgs{
		RepositoryName: args.Registry.Name,
		ImageTag:       pulumi.StringRef(tag),
	}, pulumi.Parent(img))
	switch {
	case err == nil && existing.ImageDigest != "":
		img.URI = pulumi.Sprintf("%s@%s", args.Registry.URL, existing.ImageDigest)
		return nil
	case err != nil && !isImageNotFound(err):
		return fmt.Errorf("look up image %s:%s in ECR: %w", args.Registry.Name, tag, err)
	}

	built, err := awsxecr.NewImage(ctx, name+"-build", &awsxecr.ImageArgs{
		RepositoryUrl: args.Registry.URL,
		Context:       pulumi.String(buildContext),
		Dockerfile:    pulumi.String(buildDockerfile),
		Platform:      pulumi.String(platform),
		ImageTag:      pulumi.String(tag),
		Args:          pulumi.StringMap{versionBuildArg: pulumi.String(tag)},
	}, pulumi.Parent(img), pulumi.Transforms([]pulumi.ResourceTransform{dockerBuildOptions}), pulumi.Providers(args.Provider))
	if err != nil {
		return fmt.Errorf("build image: %w", err)
	}
	img.URI = built.ImageUri
	return nil
}

// isImageNotFound reports whether an ECR image lookup failed because the tag or the repository
// does not exist (yet): the one failure that means "build it".
func isImageNotFound(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{
		"imagenotfoundexception",
		"repositorynotfoundexception",
		"couldn't find resource",
		"empty result",
		"does not exist within the repository",
		"does not exist in the registry",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// dockerBuildOptions sets two things on the docker-build image awsx declares, which awsx does not
// expose. RetainOnDelete keeps pushed images in the registry when the build resource goes away:
// awsx names its docker-build image after the tag, so every new tag replaces it, and docker-build
// deletes a replaced image from the registry, so the image the previous task definition runs, the
// rollback target, would vanish; only the ECR lifecycle policy removes images. buildOnPreview
// false (docker-build defaults to true) makes `pulumi preview` build nothing: docker-build then
// never reaches the daemon in a preview, except for a BuildKit check that DOCKER_BUILDKIT=1
// skips (the justfile's preview recipe and the workflow's preview job set it).
func dockerBuildOptions(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	if args.Type != dockerBuildImageType {
		return nil
	}
	props := pulumi.Map{}
	maps.Copy(props, args.Props)
	props["buildOnPreview"] = pulumi.Bool(false)
	opts := args.Opts
	opts.RetainOnDelete = true
	return &pulumi.ResourceTransformResult{Props: props, Opts: opts}
}
