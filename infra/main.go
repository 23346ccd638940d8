// Command infra is the Pulumi program that ships the API to ECS Fargate behind an Application
// Load Balancer: VPC, load balancer, ECR repository and image build, IAM, logs and the service.
package main

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func main() { pulumi.Run(program) }
