package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
)

// withUploads declares the uploads bucket of docs/add-an-aws-resource.md (uploads_example_test.go)
// as the one AWS resource the API uses.
func withUploads() runOption {
	return withAppResources(map[string]appResource{"uploads": declareUploads})
}

// TestPrivateBuckets: every bucket of the stack, the access-log bucket and a bucket the API uses,
// is private the same way, and kept with its objects when it leaves the stack unless forceDelete.
func TestPrivateBuckets(t *testing.T) {
	t.Parallel()
	for _, forceDelete := range []bool{false, true} {
		run := mustRun(t, withConfig(map[string]string{"accessLogs": "true", "forceDelete": strconv.FormatBool(forceDelete)}),
			withUploads())
		for _, name := range []string{"access-logs", "uploads"} {
			t.Run(fmt.Sprintf("%s forceDelete %v", name, forceDelete), func(t *testing.T) {
				checkPrivateBucket(t, run, name, forceDelete)
			})
		}
	}
}

// checkPrivateBucket checks the bucket that newPrivateBucket declared as name, and its settings.
func checkPrivateBucket(t *testing.T, run *stackRun, name string, forceDelete bool) {
	t.Helper()
	bucket := run.named(t, bucketType, name+"-bucket")
	arn := bucket.output("arn")
	settings := map[string]*resourceRecord{}
	for typ, suffix := range map[string]string{publicAccessType: "public-access-block", ownershipType: "ownership",
		encryptionType: "encryption", lifecycleType: "lifecycle", bucketPolicyType: "policy"} {
		r := run.named(t, typ, name+"-"+suffix)
		if r.str("bucket") != bucket.ID {
			t.Errorf("%s applies to %q, want the bucket %q", r.Name, r.str("bucket"), bucket.ID)
		}
		settings[suffix] = r
	}

	t.Run("S3.8 CKV_AWS_53-56 public access blocked", func(t *testing.T) {
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if v, _ := settings["public-access-block"].boolean(k); !v {
				t.Errorf("%s is not true", k)
			}
		}
	})
	t.Run("S3.12 ACLs disabled", func(t *testing.T) {
		if got := settings["ownership"].str("rule", "objectOwnership"); got != "BucketOwnerEnforced" {
			t.Errorf("objectOwnership = %q, want BucketOwnerEnforced", got)
		}
	})
	t.Run("CKV_AWS_19 encrypted with S3-managed keys", func(t *testing.T) {
		if got := settings["encryption"].str("rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"); got != "AES256" {
			t.Errorf("sseAlgorithm = %q, want AES256", got)
		}
	})
	t.Run("CKV_AWS_300 incomplete multipart uploads aborted", func(t *testing.T) {
		lc := settings["lifecycle"]
		if lc.str("rules", 0, "status") != "Enabled" || lc.num("rules", 0, "abortIncompleteMultipartUpload", "daysAfterInitiation") != abortMultipartDays ||
			!lc.prop("rules", 0, "filter").IsObject() || lc.str("rules", 0, "filter", "prefix") != "" {
			t.Errorf("lifecycle = %v, want one enabled rule on the whole bucket aborting uploads after %d days", lc.prop("rules"), abortMultipartDays)
		}
	})
	t.Run("S3.5 CKV_AWS_379 nothing without TLS", func(t *testing.T) {
		pol := settings["policy"]
		var doc policy
		jsonInput(t, pol, "policy", &doc)
		deny := doc.Statement[len(doc.Statement)-1]
		if deny.Sid != "DenyInsecureTransport" || deny.Effect != "Deny" || deny.Principal["AWS"] != "*" ||
			!slices.Equal(deny.Action, []string{"s3:*"}) || !slices.Equal(deny.Resource, []string{arn, arn + "/*"}) ||
			deny.Condition["Bool"]["aws:SecureTransport"] != "false" {
			t.Errorf("last statement = %+v, want Deny s3:* on the bucket and its objects when aws:SecureTransport is false", deny)
		}
		for _, s := range doc.Statement {
			if s.Effect == "Allow" && (s.Principal["AWS"] == "*" || s.Principal["Service"] == "*") {
				t.Errorf("statement %s allows everyone", s.Sid)
			}
		}
		for _, before := range []string{"public-access-block", "ownership"} {
			if !slices.Contains(pol.DependsOn, settings[before].URN) {
				t.Errorf("the policy does not wait for the %s; S3 rejects a policy written while it changes", before)
			}
		}
	})
	t.Run("destroyed with its objects only with forceDelete", func(t *testing.T) {
		if v, set := bucket.boolean("forceDestroy"); !set || v != forceDelete {
			t.Errorf("forceDestroy = %v (set %v), want %v", v, set, forceDelete)
		}
		for _, r := range append(slices.Collect(maps.Values(settings)), bucket) {
			if r.RetainOnDelete == forceDelete {
				t.Errorf("%s retainOnDelete = %v, want %v", r.Name, r.RetainOnDelete, !forceDelete)
			}
		}
	})
}
