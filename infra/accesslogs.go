package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// accessLogPrefix is where in the bucket the load balancer writes: alb/AWSLogs/<account>/...
	accessLogPrefix = "alb"
	// elbLogDeliveryService is the principal that delivers load balancer logs in the Regions AWS
	// opened since August 2022, and that AWS documents for the others too.
	elbLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"
	abortMultipartDays    = 7
	// maxBucketPrefixLen is the longest bucket-name prefix S3 accepts for a generated name.
	maxBucketPrefixLen = 37
)

// AccessLogs is the S3 bucket the load balancer writes its access logs to (Security Hub ELB.5):
// encrypted with S3-managed keys (load balancer logs support no KMS key), no public access, no
// ACLs, TLS-only, and expiring after the stack's log retention.
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
	// ForceDestroy lets pulumi destroy delete the bucket with the logs in it.
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
	parent := pulumi.Parent(a)

	bucket, err := s3.NewBucketV2(ctx, name+"-bucket", &s3.BucketV2Args{
		BucketPrefix: pulumi.String(bucketPrefix(args.NamePrefix, "-alb-logs-")),
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
		Tags:         pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-alb-logs")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create access log bucket: %w", err)
	}
	a.BucketName = bucket.Bucket

	// S3.8, Checkov CKV_AWS_53-56: no public access, whatever a policy or ACL says later.
	block, err := s3.NewBucketPublicAccessBlock(ctx, name+"-public-access-block", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("block public access to the access log bucket: %w", err)
	}
	// S3.12, CKV2_AWS_65: ACLs off; the bucket owner owns every object, including delivered logs.
	ownership, err := s3.NewBucketOwnershipControls(ctx, name+"-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("set access log bucket ownership: %w", err)
	}
	// SSE-S3: the only encryption load balancer log delivery supports (so CKV_AWS_145 is waived).
	encryption, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-encryption",
		&s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm: pulumi.String("AES256"),
				},
			}},
		}, parent)
	if err != nil {
		return nil, fmt.Errorf("set access log bucket encryption: %w", err)
	}
	// S3.13, CKV2_AWS_61, CKV_AWS_300: logs expire with the stack's log retention, and parts of
	// uploads that never completed do not linger.
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-lifecycle", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("expire-access-logs"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{
				Days: pulumi.Int(args.RetentionDays),
			},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(abortMultipartDays),
			},
		}},
	}, parent); err != nil {
		return nil, fmt.Errorf("set access log bucket lifecycle: %w", err)
	}
	policy := bucket.Arn.ApplyT(func(arn string) (string, error) {
		return accessLogBucketPolicy(arn, args.Account, args.ELBAccountARN)
	}).(pulumi.StringOutput)
	// S3 rejects a policy written while the public access block is being changed, so one waits for the other.
	bucketPolicy, err := s3.NewBucketPolicy(ctx, name+"-policy", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policy,
	}, parent, pulumi.DependsOn([]pulumi.Resource{block, ownership}))
	if err != nil {
		return nil, fmt.Errorf("set access log bucket policy: %w", err)
	}
	a.Ready = []pulumi.Resource{bucketPolicy, ownership, encryption}

	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"bucketName": a.BucketName}); err != nil {
		return nil, err
	}
	return a, nil
}

// accessLogBucketPolicy lets load balancer log delivery write this account's logs under the prefix,
// through the log-delivery service and, where the Region has one, its Elastic Load Balancing
// account; and denies every request that does not use TLS (Security Hub S3.5, Checkov CKV_AWS_379).
func accessLogBucketPolicy(bucketARN, account, elbAccountARN string) (string, error) {
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
	statements = append(statements, policyStatement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]string{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{bucketARN, bucketARN + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	})
	doc, err := policyJSON(statements...)
	if err != nil {
		return "", fmt.Errorf("encode access log bucket policy: %w", err)
	}
	return doc, nil
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

// bucketPrefix is a generated bucket name's prefix: the stack's name prefix, shortened so that
// prefix and suffix fit the length S3 allows, then the suffix.
func bucketPrefix(namePrefix, suffix string) string {
	return shorten(namePrefix, maxBucketPrefixLen-len(suffix)) + suffix
}
