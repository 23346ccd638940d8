package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// repoURL is the URL of the stack's registry as the mock answers it.
func repoURL(run *stackRun) string {
	return testAccount + ".dkr.ecr." + testRegion + ".amazonaws.com/" + run.prefix()
}

func envOf(t *testing.T, container map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := container["environment"].([]any)
	for _, e := range list {
		kv := e.(map[string]any)
		out[kv["name"].(string)] = kv["value"].(string)
	}
	return out
}

// TestImageBuildInputs: a tag the registry does not hold is built from the repository root with
// the platform of the configured architecture and the content tag.
func TestImageBuildInputs(t *testing.T) {
	t.Parallel()
	for _, arch := range []architecture{archARM64, archX8664} {
		t.Run(string(arch), func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, withConfig(map[string]string{"architecture": string(arch)}))
			img := run.named(t, awsxImageType, "image-build")
			tag := mustTag(t, run.root, arch.platform())
			checks := []struct{ field, got, want string }{
				{"context", img.str("context"), ".."},
				{"dockerfile", img.str("dockerfile"), "../Dockerfile"},
				{"imageTag", img.str("imageTag"), tag},
				{"args.VERSION", img.str("args", "VERSION"), tag},
				{"repositoryUrl", img.str("repositoryUrl"), repoURL(run)},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("image %s = %q, want %q", c.field, c.got, c.want)
				}
			}
			if !img.Remote || img.Custom {
				t.Errorf("image is remote=%v custom=%v, want the awsx remote component", img.Remote, img.Custom)
			}
			lookups := run.invoked("aws:ecr/getImage:getImage")
			if len(lookups) != 1 {
				t.Fatalf("%d ECR image lookups, want 1", len(lookups))
			}
			if got, want := lookups[0].Args["repositoryName"].StringValue(), run.prefix(); got != want {
				t.Errorf("lookup repository = %q, want %q", got, want)
			}
			if got := lookups[0].Args["imageTag"].StringValue(); got != tag {
				t.Errorf("lookup tag = %q, want %q", got, tag)
			}
			uri := run.outputs["imageUri"].Value.(string)
			if !strings.HasPrefix(uri, repoURL(run)+"@sha256:") {
				t.Errorf("imageUri = %q, want the built image pinned by digest", uri)
			}
			if got := run.container(t)["image"]; got != uri {
				t.Errorf("container image = %v, want the built image %q", got, uri)
			}
		})
	}
}

// TestExistingImageIsNotRebuilt: when ECR already holds the tag, the task runs its digest and no
// build is declared (a revert or a fresh CI runner never pushes an IMMUTABLE tag twice).
func TestExistingImageIsNotRebuilt(t *testing.T) {
	t.Parallel()
	m := newMockCloud().on("aws:ecr/getImage:getImage", imageFound(testDigest))
	run, err := runStack(t, m)
	if err != nil {
		t.Fatal(err)
	}
	if run.find(awsxImageType, "image-build") != nil {
		t.Error("an image build declared for an image ECR holds")
	}
	want := repoURL(run) + "@" + testDigest
	if got := run.container(t)["image"]; got != want {
		t.Errorf("container image = %v, want %q", got, want)
	}
	if got := run.outputs["imageUri"].Value; got != want {
		t.Errorf("imageUri = %v, want %q", got, want)
	}
	if got, want := envOf(t, run.container(t))["APP_VERSION"], mustTag(t, run.root, "linux/arm64"); got != want {
		t.Errorf("APP_VERSION = %q, want the content tag %q", got, want)
	}
}

// TestMissingImageMeansBuild: both ways the provider reports a tag or repository that is not
// there (a fresh stack, a new tag) lead to a build.
func TestMissingImageMeansBuild(t *testing.T) {
	t.Parallel()
	for name, answer := range map[string]invokeFunc{
		"not-found error":                    imageMissing(),
		"ECR's ImageNotFoundException as is": imageMissingUnwrapped(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run, err := runStack(t, newMockCloud().on("aws:ecr/getImage:getImage", answer))
			if err != nil {
				t.Fatal(err)
			}
			if run.find(awsxImageType, "image-build") == nil {
				t.Error("no image build")
			}
		})
	}
}

func TestImageLookupFailureFailsTheProgram(t *testing.T) {
	t.Parallel()
	m := newMockCloud().on("aws:ecr/getImage:getImage",
		invokeFails("operation error ECR: DescribeImages, AccessDeniedException: not authorized"))
	run, err := runStack(t, m)
	if err == nil {
		t.Fatal("program ignored a failed ECR lookup")
	}
	for _, want := range []string{"look up image " + run.prefix() + ":", "AccessDeniedException"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if run.find(awsxImageType, "image-build") != nil {
		t.Error("a build declared after a failed lookup")
	}
}

func TestIsImageNotFound(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"invoking aws:ecr/getImage:getImage: 1 error occurred:\n\t* reading ECR Images: couldn't find resource\n\n": true,
		"reading ECR Images: couldn't find resource":                                                                true,
		"ImageNotFoundException: The image with imageId {imageTag:'x'} does not exist within the repo":              true,
		"RepositoryNotFoundException: The repository with name 'x' does not exist in the registry":                  true,
		"reading ECR Images: empty result":                                                                          true,
		"AccessDeniedException: User is not authorized to perform: ecr:DescribeImages":                              false,
		"no valid credential sources found":                                                                         false,
		"RequestError: send request failed: dial tcp: i/o timeout":                                                  false,
	}
	for msg, want := range tests {
		if got := isImageNotFound(errors.New(msg)); got != want {
			t.Errorf("isImageNotFound(%q) = %v, want %v", msg, got, want)
		}
	}
}

// TestPrebuiltImageSkipsLookupAndBuild: with image set, the program deploys it as is, and the
// execution role may pull from that image's ECR repository only.
func TestPrebuiltImageSkipsLookupAndBuild(t *testing.T) {
	t.Parallel()
	const image = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shared/api:v1.4.2"
	run := mustRun(t, withConfig(map[string]string{"image": image}))
	if run.find(awsxImageType, "image-build") != nil {
		t.Error("a build with a prebuilt image")
	}
	if got := len(run.invoked("aws:ecr/getImage:getImage")); got != 0 {
		t.Errorf("%d ECR lookups with a prebuilt image, want 0", got)
	}
	c := run.container(t)
	if got := c["image"]; got != image {
		t.Errorf("container image = %v, want %q", got, image)
	}
	if got := envOf(t, c)["APP_VERSION"]; got != "v1.4.2" {
		t.Errorf("APP_VERSION = %q, want the image tag v1.4.2", got)
	}
	if got := run.outputs["imageUri"].Value; got != image {
		t.Errorf("imageUri = %v, want %q", got, image)
	}
	pull := statement(t, execPolicyOf(t, run), "PullImage")
	if got, want := strings.Join(pull.Resource, ","), "arn:aws:ecr:eu-west-1:210987654321:repository/shared/api"; got != want {
		t.Errorf("execution role pulls from %s, want %s", got, want)
	}
}

func TestPrebuiltImageOutsideECRNeedsNoRegistryAccess(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"image": "ghcr.io/acme/api:v2"}))
	for _, s := range execPolicyOf(t, run).Statement {
		for _, a := range s.Action {
			if strings.HasPrefix(a, "ecr:") {
				t.Errorf("execution role allows %s for an image outside ECR", a)
			}
		}
	}
}

// TestDockerBuildOptions: the transform keeps pushed images and builds nothing in a preview, on
// docker-build images only, and keeps their other properties and options.
func TestDockerBuildOptions(t *testing.T) {
	t.Parallel()
	res := dockerBuildOptions(context.Background(), &pulumi.ResourceTransformArgs{
		Custom: true, Type: dockerBuildImageType, Name: "abc123", Props: pulumi.Map{"push": pulumi.Bool(true)},
		Opts: pulumi.ResourceOptions{IgnoreChanges: []string{"tags"}},
	})
	if res == nil {
		t.Fatal("transform left the docker-build image unchanged")
	}
	if !res.Opts.RetainOnDelete {
		t.Error("docker-build image does not retain on delete")
	}
	if got := res.Props["buildOnPreview"]; got != pulumi.Bool(false) {
		t.Errorf("buildOnPreview = %v, want false: a preview would build the image", got)
	}
	if got := res.Opts.IgnoreChanges; len(got) != 1 || got[0] != "tags" {
		t.Errorf("transform dropped the other options: IgnoreChanges = %v", got)
	}
	if _, ok := res.Props["push"]; !ok {
		t.Error("transform dropped the properties")
	}
	for _, typ := range []string{"aws:ecr/repository:Repository", "awsx:ecr:Image", "docker:index/image:Image"} {
		if res := dockerBuildOptions(context.Background(), &pulumi.ResourceTransformArgs{Type: typ}); res != nil {
			t.Errorf("transform changed %s", typ)
		}
	}
}

// TestImageBuildSetsDockerBuildOptions: the transform is attached to the awsx image, so the engine
// applies it to the docker-build child awsx creates.
func TestImageBuildSetsDockerBuildOptions(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	img := run.named(t, awsxImageType, "image-build")
	attached := false
	for _, tr := range img.Transforms {
		res := tr(context.Background(), &pulumi.ResourceTransformArgs{Custom: true, Type: dockerBuildImageType, Name: "tag"})
		if res != nil && res.Opts.RetainOnDelete && res.Props["buildOnPreview"] == pulumi.Bool(false) {
			attached = true
		}
	}
	if !attached {
		t.Error("no attached transform sets RetainOnDelete and buildOnPreview false on docker-build:index:Image")
	}
}

// TestSourceChangeRollsANewImage: an app change gives the deploy a new tag (a new build and task
// definition); a README change deploys the same tag.
func TestSourceChangeRollsANewImage(t *testing.T) {
	t.Parallel()
	tagOf := func(extra map[string]string) string {
		run := mustRun(t, withSourceRoot(writeSourceTree(t, extra)))
		return run.named(t, awsxImageType, "image-build").str("imageTag")
	}
	base := tagOf(nil)
	if got := tagOf(map[string]string{"README.md": "# other\n"}); got != base {
		t.Errorf("README change deploys tag %s, want the unchanged %s", got, base)
	}
	if got := tagOf(map[string]string{"app/main.go": "package main\n\nfunc main() { println() }\n"}); got == base {
		t.Errorf("app change deploys the old tag %s", got)
	}
}
