package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// accessLogPrefix is where in the bucket the load balancer writes: alb/AWSLogs/<account>/...
	accessLogPrefix = "alb"
	// elbLogDeliveryService is the principal that delivers load balancer logs in the Regions AWS
	// opened since August 2022, and that AWS documents for the others too.
	elbLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"
)

// AccessLogs is the S3 bucket the load balancer writes its access logs to (Security Hub ELB.5): a
// private bucket (encrypted with S3-managed keys, which are all load balancer logs support) whose
// logs expire after the stack's log retention. Unless ForceDestroy, turning accessLogs off or
// destroying the stack leaves the bucket, its settings and the logs in the account.
type AccessLogs struct {
	pulumi.ResourceState

	BucketName pulumi.StringOutput `pulumi:"bucketName"`
	// Ready are the bucket settings the load balancer waits for before it turns logging on.
	Ready []pulumi.Resource
}

// AccessLogsArgs configures AccessLogs.
type AccessLogsArgs struct {
	NamePrefix string
	Account    string
	// RetentionDays is how long log files stay in the bucket.
	RetentionDays int
	// ForceDestroy deletes the bucket with the logs in it when it leaves the stack; without it the
	// bucket and its settings are retained.
	ForceDestroy bool
	// ELBAccountARN is the Region's Elastic Load Balancing account, which writes the logs in the
	// Regions that have one; "" in the others.
	ELBAccountARN string
}

// NewAccessLogs declares the access-log bucket and its settings.
func NewAccessLogs(ctx *pulumi.Context, name string, args *AccessLogsArgs, opts ...pulumi.ResourceOption) (*AccessLogs, error) {
	a := &AccessLogs{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "AccessLogs"), name, a, opts...); err != nil {
		return nil, err
	}
	bucket, err := newPrivateBucket(ctx, name, privateBucketArgs{
		NamePrefix:   args.NamePrefix,
		Use:          "alb-logs",
		ForceDestroy: args.ForceDestroy,
		// S3.13, CKV2_AWS_61: logs expire with the stack's log retention.
		Expiry: &bucketExpiry{Rule: "expire-access-logs", Days: args.RetentionDays},
		Statements: func(arn string) []policyStatement {
			return logDeliveryStatements(arn, args.Account, args.ELBAccountARN)
		},
	}, pulumi.Parent(a))
	if err != nil {
		return nil, err
	}
	a.BucketName, a.Ready = bucket.Name, bucket.Ready
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"bucketName": a.BucketName}); err != nil {
		return nil, err
	}
	return a, nil
}

// logDeliveryStatements let load balancer log delivery write this account's logs under the
// prefix, through the log-delivery service and, where the Region has one, its Elastic Load
// Balancing account.
func logDeliveryStatements(bucketARN, account, elbAccountARN string) []policyStatement {
	logs := fmt.Sprintf("%s/%s/AWSLogs/%s/*", bucketARN, accessLogPrefix, account)
	statements := []policyStatement{{
		Sid:       "LogDeliveryWrite",
		Effect:    "Allow",
		Principal: map[string]string{"Service": elbLogDeliveryService},
		Action:    []string{"s3:PutObject"},
		Resource:  []string{logs},
	}}
	if elbAccountARN != "" {
		statements = append(statements, policyStatement{
			Sid:       "RegionalLoadBalancingAccountWrite",
			Effect:    "Allow",
			Principal: map[string]string{"AWS": elbAccountARN},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{logs},
		})
	}
	return statements
}

// lookupELBAccount returns the ARN of the Region's Elastic Load Balancing account, or "" for a
// Region that has none (those opened since August 2022 only know the log-delivery service).
func lookupELBAccount(ctx *pulumi.Context, region string, opts ...pulumi.InvokeOption) (string, error) {
	res, err := elb.GetServiceAccount(ctx, &elb.GetServiceAccountArgs{Region: pulumi.StringRef(region)}, opts...)
	if err != nil {
		if strings.Contains(err.Error(), "unsupported AWS Region") {
			return "", nil
		}
		return "", fmt.Errorf("look up the load balancing account of %s: %w", region, err)
	}
	return res.Arn, nil
}
