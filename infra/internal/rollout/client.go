package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// callTimeout bounds one ECS call: a call that hangs fails as a timeout, which the watch retries
// like throttling (see transient), so only the watch's own timeout ends a deploy.
const callTimeout = 30 * time.Second

// NewClient returns an ECS client from the AWS SDK's default configuration chain (environment,
// shared config and credentials files, SSO, web identity, container and instance roles, and the
// endpoint settings AWS_ENDPOINT_URL_ECS, AWS_ENDPOINT_URL and endpoint_url), with the stack's
// aws:region and aws:profile on top when set ("" leaves the chain's choice).
func NewClient(ctx context.Context, region, profile string) (*ecs.Client, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(callTimeout)),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration (aws:profile %q): %w", profile, err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set aws:region on the stack (pulumi config set aws:region us-east-1), " +
			"AWS_REGION, or a region in the AWS profile")
	}
	return ecs.NewFromConfig(cfg), nil
}
