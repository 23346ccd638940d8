// Command infra is the Pulumi program that ships the API to ECS Fargate behind an Application
// Load Balancer: VPC, load balancer, ECR repository and image build, IAM, logs and the service.
// `go run ./infra check [STACK]` checks a stack's settings offline instead (just check).
package main

import (
	"fmt"
	"os"

	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "check" {
		dir, err := os.Getwd()
		if err != nil {
			fmt.Fprintf(os.Stderr, "check: %v\n", err)
			os.Exit(1)
		}
		os.Exit(runCheck(dir, os.Args[2:], os.Stdout, os.Stderr))
	}
	pulumi.Run(program)
}

// program is the Pulumi program as the CLI runs it: the deployment watch on the wall clock,
// polling ECS every rollout.PollInterval.
func program(ctx *pulumi.Context) error {
	return newProgram(productionDeps())(ctx)
}

// productionDeps are the program's dependencies outside tests.
func productionDeps() deps {
	return deps{resources: appResources(), clock: rollout.SystemClock{}, pollInterval: rollout.PollInterval}
}
