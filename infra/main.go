// Command infra is the Pulumi program that ships the API to ECS Fargate behind an Application
// Load Balancer: VPC, load balancer, ECR repository and image build, IAM, logs and the service.
package main

import (
	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() { pulumi.Run(program) }

// program is the Pulumi program as the CLI runs it: the deployment watch on the wall clock,
// polling ECS every rollout.PollInterval.
func program(ctx *pulumi.Context) error {
	return newProgram(deps{clock: rollout.SystemClock{}, pollInterval: rollout.PollInterval})(ctx)
}
