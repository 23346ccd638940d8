package main

import (
	"slices"
	"strings"
	"testing"
)

// The load balancer's access logs (Security Hub ELB.5, Checkov CKV_AWS_91) and their bucket.

const (
	bucketType          = "aws:s3/bucketV2:BucketV2"
	publicAccessType    = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	ownershipType       = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	encryptionType      = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	lifecycleType       = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	bucketPolicyType    = "aws:s3/bucketPolicy:BucketPolicy"
	serviceAccountCall  = "aws:elb/getServiceAccount:getServiceAccount"
	logDeliveryService  = "logdelivery.elasticloadbalancing.amazonaws.com"
	testELBAccountARN   = "arn:aws:iam::" + testELBAccount + ":root"
	accessLogsBucketKey = "bucket"
)

func TestAccessLogsOffByDefault(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	if run.find(bucketType, "access-logs-bucket") != nil {
		t.Error("an access-log bucket without accessLogs")
	}
	// Declared off rather than left out: the provider ignores a missing block, so a stack that
	// turns accessLogs off would go on logging to a bucket that left it.
	if enabled, set := run.alb(t).boolean("accessLogs", "enabled"); !set || enabled {
		t.Errorf("load balancer accessLogs = %v without accessLogs, want enabled false", run.alb(t).prop("accessLogs"))
	}
	if n := len(run.invoked(serviceAccountCall)); n != 0 {
		t.Errorf("%d log-delivery account lookups without accessLogs", n)
	}
}

func TestAccessLogs(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"accessLogs": "true", "logRetentionDays": "90"}))
	bucket := run.named(t, bucketType, "access-logs-bucket")
	name := bucket.output(accessLogsBucketKey)
	forBucket := func(typ, suffix string) *resourceRecord {
		t.Helper()
		r := run.named(t, typ, "access-logs-"+suffix)
		if r.str("bucket") != bucket.ID {
			t.Errorf("%s applies to %q, want the log bucket %q", typ, r.str("bucket"), bucket.ID)
		}
		return r
	}

	t.Run("ELB.5 CKV_AWS_91 the load balancer writes to the bucket once its policy exists", func(t *testing.T) {
		alb := run.alb(t)
		enabled, _ := alb.boolean("accessLogs", "enabled")
		if alb.str("accessLogs", "bucket") != name || !enabled || alb.str("accessLogs", "prefix") != "alb" {
			t.Errorf("accessLogs = %v, want enabled to %s under alb/", alb.prop("accessLogs"), name)
		}
		if policy := run.named(t, bucketPolicyType, "access-logs-policy"); !slices.Contains(alb.DependsOn, policy.URN) {
			t.Error("the load balancer does not wait for the bucket policy; enabling logs would fail with Access Denied")
		}
	})
	t.Run("a bucket per stack, kept on destroy unless forceDelete", func(t *testing.T) {
		if want := run.prefix() + "-alb-logs-"; bucket.str("bucketPrefix") != want || len(want) > 37 {
			t.Errorf("bucketPrefix = %q, want %s within 37 characters", bucket.str("bucketPrefix"), want)
		}
		if v, set := bucket.boolean("forceDestroy"); !set || v {
			t.Errorf("forceDestroy = %v (set %v), want false", v, set)
		}
	})
	t.Run("S3.8 CKV_AWS_53-56 CKV2_AWS_6 public access blocked", func(t *testing.T) {
		pab := forBucket(publicAccessType, "public-access-block")
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if v, _ := pab.boolean(k); !v {
				t.Errorf("%s is not true", k)
			}
		}
	})
	t.Run("S3.12 CKV2_AWS_65 ACLs disabled", func(t *testing.T) {
		if got := forBucket(ownershipType, "ownership").str("rule", "objectOwnership"); got != "BucketOwnerEnforced" {
			t.Errorf("objectOwnership = %q, want BucketOwnerEnforced", got)
		}
	})
	t.Run("CKV_AWS_19 SSE-S3, the only encryption log delivery supports", func(t *testing.T) {
		sse := forBucket(encryptionType, "encryption")
		if got := sse.str("rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"); got != "AES256" {
			t.Errorf("sseAlgorithm = %q, want AES256", got)
		}
		if got := sse.str("rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"); got != "" {
			t.Errorf("kmsMasterKeyId = %q; load balancer logs cannot be written with a KMS key", got)
		}
	})
	t.Run("S3.13 CKV2_AWS_61 CKV_AWS_300 logs expire with the log retention", func(t *testing.T) {
		lc := forBucket(lifecycleType, "lifecycle")
		if n := len(lc.prop("rules").ArrayValue()); n != 1 {
			t.Fatalf("%d lifecycle rules, want 1", n)
		}
		if lc.str("rules", 0, "status") != "Enabled" || lc.num("rules", 0, "expiration", "days") != 90 ||
			lc.num("rules", 0, "abortIncompleteMultipartUpload", "daysAfterInitiation") < 1 {
			t.Errorf("lifecycle = %v, want enabled, expiring after 90 days, aborting incomplete uploads", lc.prop("rules"))
		}
		if v := lc.prop("rules", 0, "filter"); !v.IsObject() || lc.str("rules", 0, "filter", "prefix") != "" {
			t.Errorf("lifecycle filter = %v, want the whole bucket", v)
		}
	})
	t.Run("S3.5 CKV_AWS_379 bucket policy: log delivery writes, nothing without TLS", func(t *testing.T) {
		pol := forBucket(bucketPolicyType, "policy")
		var doc policy
		jsonInput(t, pol, "policy", &doc)
		arn := bucket.output("arn")
		logs := arn + "/alb/AWSLogs/" + testAccount + "/*"
		if len(doc.Statement) != 3 {
			t.Errorf("%d statements, want service delivery, regional account delivery and the TLS deny", len(doc.Statement))
		}
		service := statement(t, doc, "LogDeliveryWrite")
		if service.Effect != "Allow" || service.Principal["Service"] != logDeliveryService ||
			!slices.Equal(service.Action, []string{"s3:PutObject"}) || !slices.Equal(service.Resource, []string{logs}) {
			t.Errorf("log delivery statement = %+v, want %s to put objects under %s only", service, logDeliveryService, logs)
		}
		account := statement(t, doc, "RegionalLoadBalancingAccountWrite")
		if account.Effect != "Allow" || account.Principal["AWS"] != testELBAccountARN ||
			!slices.Equal(account.Action, []string{"s3:PutObject"}) || !slices.Equal(account.Resource, []string{logs}) {
			t.Errorf("regional account statement = %+v, want %s to put objects under %s only", account, testELBAccountARN, logs)
		}
		deny := statement(t, doc, "DenyInsecureTransport")
		if deny.Effect != "Deny" || deny.Principal["AWS"] != "*" || !slices.Equal(deny.Action, []string{"s3:*"}) ||
			!slices.Equal(deny.Resource, []string{arn, arn + "/*"}) || deny.Condition["Bool"]["aws:SecureTransport"] != "false" {
			t.Errorf("TLS statement = %+v, want Deny s3:* on the bucket and its objects when aws:SecureTransport is false", deny)
		}
		for _, s := range doc.Statement {
			if s.Effect == "Allow" && (s.Principal["AWS"] == "*" || s.Principal["Service"] == "*") {
				t.Errorf("statement %s allows everyone", s.Sid)
			}
		}
		if pab := run.named(t, publicAccessType, "access-logs-public-access-block"); !slices.Contains(pol.DependsOn, pab.URN) {
			t.Error("the policy is written while the public access block may still change; S3 rejects that")
		}
	})
	t.Run("the Region's load balancing account is looked up through the stack's provider", func(t *testing.T) {
		calls := run.invoked(serviceAccountCall)
		if len(calls) != 1 || calls[0].Args["region"].StringValue() != testRegion {
			t.Errorf("log-delivery account lookups = %v, want one for %s", calls, testRegion)
		}
	})

	dev := mustRun(t, withConfig(map[string]string{"accessLogs": "true", "forceDelete": "true"}))
	if v, _ := dev.named(t, bucketType, "access-logs-bucket").boolean("forceDestroy"); !v {
		t.Error("forceDelete true does not let destroy delete the log bucket")
	}
}

// TestAccessLogsWithoutRegionalAccount: Regions opened since August 2022 have no load balancing
// account; log delivery is granted to the service alone.
func TestAccessLogsWithoutRegionalAccount(t *testing.T) {
	t.Parallel()
	m := newMockCloud().on(serviceAccountCall, invokeFails("unsupported AWS Region: ap-southeast-7"))
	run, err := runStack(t, m, withConfig(map[string]string{"accessLogs": "true", "aws:region": "ap-southeast-7"}))
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	var doc policy
	jsonInput(t, run.named(t, bucketPolicyType, "access-logs-policy"), "policy", &doc)
	var sids []string
	for _, s := range doc.Statement {
		sids = append(sids, s.Sid)
	}
	if !slices.Equal(sids, []string{"LogDeliveryWrite", "DenyInsecureTransport"}) {
		t.Errorf("statements %v, want the log-delivery service and the TLS deny only", sids)
	}
}

func TestAccessLogsAccountLookupFailure(t *testing.T) {
	t.Parallel()
	m := newMockCloud().on(serviceAccountCall, invokeFails("RequestError: send request failed: dial tcp: i/o timeout"))
	_, err := runStack(t, m, withConfig(map[string]string{"accessLogs": "true"}))
	if err == nil || !strings.Contains(err.Error(), "look up the load balancing account of us-east-1") ||
		!strings.Contains(err.Error(), "i/o timeout") {
		t.Errorf("error = %v, want the failed lookup with its cause", err)
	}
}

func TestBucketPrefix(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"gin-fargate-dev":                        "gin-fargate-dev-alb-logs-",
		"gin-fargate-" + strings.Repeat("x", 36): "gin-fargate-xxxxxxxxxxxxxxx-alb-logs-",
		"gin-fargate-acme-team-a-production":     "gin-fargate-acme-team-a-pro-alb-logs-",
		"gin-fargate-acme-team-abcd-prod":        "gin-fargate-acme-team-abcd-alb-logs-",
	}
	for in, want := range tests {
		got := bucketPrefix(in, "-alb-logs-")
		if got != want || len(got) > 37 || strings.Contains(got, "--") {
			t.Errorf("bucketPrefix(%q) = %q, want %q (at most 37 characters)", in, got, want)
		}
	}
}

// TestAccessLogsOffKeepsTheLogs: turning accessLogs off with forceDelete false declares no bucket
// any more, so the engine deletes what the last update declared, with the options it declared
// them with: every resource of the access-log component was declared retained (the bucket would
// fail to delete while it holds logs, and a deleted setting or policy would change what happens to
// them); the load balancer stops logging in the update itself (TestAccessLogsOffByDefault).
func TestAccessLogsOffKeepsTheLogs(t *testing.T) {
	t.Parallel()
	on := mustRun(t, withConfig(map[string]string{"accessLogs": "true", "forceDelete": "false"}))
	var component string
	for _, r := range on.records() {
		if !r.Custom && r.Name == "access-logs" {
			component = r.URN
		}
	}
	var children int
	for _, r := range on.records() {
		if r.Parent != component || component == "" {
			continue
		}
		children++
		if !r.RetainOnDelete {
			t.Errorf("%s %s is not retained: turning accessLogs off would delete it", r.Type, r.Name)
		}
	}
	if children == 0 {
		t.Fatal("no resources in the access-log component")
	}
}
