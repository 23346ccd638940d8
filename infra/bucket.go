package main

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// abortMultipartDays is how long the parts of an upload that never completed stay in a bucket.
	abortMultipartDays = 7
	// maxBucketPrefixLen is the longest bucket-name prefix S3 accepts for a generated name.
	maxBucketPrefixLen = 37
)

// privateBucket is an S3 bucket of the stack that only this account reaches: encrypted with
// S3-managed keys, no public access, no ACLs, TLS only, and no parts of uploads that never
// completed. Unless ForceDestroy, the bucket and its settings stay in the account when they leave
// the stack, with the objects in it: S3 deletes no bucket that holds objects, and objects outlive
// a stack that is turned off or destroyed.
type privateBucket struct {
	Name, ARN pulumi.StringOutput
	// Ready are the settings that must exist before anything writes to the bucket.
	Ready []pulumi.Resource
}

// privateBucketArgs configures newPrivateBucket.
type privateBucketArgs struct {
	// NamePrefix and Use name the bucket <NamePrefix>-<Use>-<unique suffix> (NamePrefix shortened
	// to fit) and tag it Name <NamePrefix>-<Use>.
	NamePrefix, Use string
	// ForceDestroy deletes the bucket with its objects when it leaves the stack; without it the
	// bucket and its settings are retained.
	ForceDestroy bool
	// Expiry, when not nil, deletes every object Days after it was written.
	Expiry *bucketExpiry
	// Statements are the bucket policy's statements on the bucket of this ARN, before the deny of
	// every request without TLS that always ends it; nil for none.
	Statements func(bucketARN string) []policyStatement
}

// bucketExpiry is the lifecycle rule that deletes a bucket's objects after a number of days.
type bucketExpiry struct {
	Rule string
	Days int
}

// newPrivateBucket declares a private bucket and its settings under parent, named after name.
func newPrivateBucket(ctx *pulumi.Context, name string, args privateBucketArgs, parent pulumi.ResourceOption,
) (*privateBucket, error) {
	retain := pulumi.RetainOnDelete(!args.ForceDestroy)
	bucket, err := s3.NewBucketV2(ctx, name+"-bucket", &s3.BucketV2Args{
		BucketPrefix: pulumi.String(bucketPrefix(args.NamePrefix, "-"+args.Use+"-")),
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
		Tags:         pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-" + args.Use)},
	}, parent, retain)
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", name, err)
	}

	// S3.8, Checkov CKV_AWS_53-56: no public access, whatever a policy or ACL says later.
	block, err := s3.NewBucketPublicAccessBlock(ctx, name+"-public-access-block", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent, retain)
	if err != nil {
		return nil, fmt.Errorf("block public access to bucket %s: %w", name, err)
	}
	// S3.12, CKV2_AWS_65: ACLs off; the bucket owner owns every object, including delivered logs.
	ownership, err := s3.NewBucketOwnershipControls(ctx, name+"-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent, retain)
	if err != nil {
		return nil, fmt.Errorf("set bucket %s ownership: %w", name, err)
	}
	// CKV_AWS_19 SSE-S3: free, and the only encryption load balancer log delivery supports (so
	// CKV_AWS_145, a KMS key, is waived).
	encryption, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-encryption",
		&s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm: pulumi.String("AES256"),
				},
			}},
		}, parent, retain)
	if err != nil {
		return nil, fmt.Errorf("set bucket %s encryption: %w", name, err)
	}
	// S3.13, CKV2_AWS_61, CKV_AWS_300: parts of uploads that never completed do not linger, and
	// objects expire when the bucket has an expiry.
	rule := &s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String("abort-incomplete-uploads"),
		Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(abortMultipartDays),
		},
	}
	if e := args.Expiry; e != nil {
		rule.Id = pulumi.String(e.Rule)
		rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(e.Days)}
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-lifecycle", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  s3.BucketLifecycleConfigurationV2RuleArray{rule},
	}, parent, retain); err != nil {
		return nil, fmt.Errorf("set bucket %s lifecycle: %w", name, err)
	}
	policy := bucket.Arn.ApplyT(func(arn string) (string, error) {
		var statements []policyStatement
		if args.Statements != nil {
			statements = args.Statements(arn)
		}
		doc, err := policyJSON(append(statements, denyInsecureTransport(arn))...)
		if err != nil {
			return "", fmt.Errorf("encode bucket %s policy: %w", name, err)
		}
		return doc, nil
	}).(pulumi.StringOutput)
	// S3 rejects a policy written while the public access block is being changed, so one waits for the other.
	bucketPolicy, err := s3.NewBucketPolicy(ctx, name+"-policy", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policy,
	}, parent, retain, pulumi.DependsOn([]pulumi.Resource{block, ownership}))
	if err != nil {
		return nil, fmt.Errorf("set bucket %s policy: %w", name, err)
	}
	return &privateBucket{
		Name:  bucket.Bucket,
		ARN:   bucket.Arn,
		Ready: []pulumi.Resource{bucketPolicy, ownership, encryption},
	}, nil
}

// denyInsecureTransport denies every request to the bucket and its objects that does not use TLS
// (Security Hub S3.5, Checkov CKV_AWS_379).
func denyInsecureTransport(bucketARN string) policyStatement {
	return policyStatement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]string{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{bucketARN, bucketARN + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
}

// bucketPrefix is a generated bucket name's prefix: the stack's name prefix, shortened so that
// prefix and suffix fit the length S3 allows, then the suffix.
func bucketPrefix(namePrefix, suffix string) string {
	return shorten(namePrefix, maxBucketPrefixLen-len(suffix)) + suffix
}
