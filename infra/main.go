package main

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	_ "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := aws.NewProvider(ctx, "aws", nil)
		return err
	})
}
