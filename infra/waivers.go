package main

import (
	"fmt"
	"math/big"
	"strings"
)

// waiver is a security control a stack does not meet: the controls (Security Hub, Checkov, Trivy
// and Pulumi policy IDs), the configuration that waives them, and what meeting them takes. The
// security waivers table of docs/security.md lists exactly these rows, in these words.
type waiver struct {
	Controls []string
	When     string
	Satisfy  string
	// inForce reports whether the stack's configuration waives the controls.
	inForce func(c *stackConfig) bool
}

// securityWaivers is every waiver a stack of this program can have, priced with p.
func securityWaivers(p priceTable) []waiver {
	always := func(*stackConfig) bool { return true }
	withSecrets := func(c *stackConfig) bool { return len(c.Secrets) > 0 }
	customerKey := "not configurable; a customer managed key would cost " + p.KMSKeyMonth.String()
	// The web ACL's rules: the rate limit and the managed rule groups.
	wafRules := int64(len(wafManagedRuleGroups) + 1)
	return []waiver{
		{[]string{"ELB.6", "CKV_AWS_150"}, "`deletionProtection: false`, so `pulumi destroy` can delete the load balancer",
			"`deletionProtection: true` once the stack is live; free (turn it off again before `just destroy`)",
			func(c *stackConfig) bool { return !c.DeletionProtection }},
		{[]string{"AVD-AWS-0053"}, "always: the load balancer is internet-facing, as a public API's is",
			"not configurable", always},
		{[]string{"AVD-AWS-0104", "EC2.55", "EC2.56"}, "`egress` natPerAz, natSingle or publicIp: task egress is HTTPS " +
			"to anywhere, and ECR is reached without interface endpoints",
			fmt.Sprintf("`egress: vpcEndpoints`: %d interface endpoints at %s (%s a month each per zone) instead of NAT "+
				"gateways", len(interfaceEndpointServices), p.EndpointZoneHour, monthly(p.EndpointZoneHour)),
			func(c *stackConfig) bool { return c.Egress != egressVPCEndpoints }},
		{[]string{"ELB.1", "ELB.18", "CKV_AWS_2", "CKV2_AWS_20", "AVD-AWS-0054"}, "no `domain`: plain HTTP on the load " +
			"balancer's name, unencrypted across the internet",
			"set `domain`: it needs a public Route 53 hosted zone (" + p.HostedZoneMonth.String() + "); the certificate is free",
			func(c *stackConfig) bool { return c.Domain == "" }},
		{[]string{"CKV_AWS_260", "disallow-inbound-http-traffic", "lb-listener-disallow-unencrypted-traffic"},
			"always: port 80 is open to the internet (the API without `domain`; with one only the redirect to HTTPS, " +
				"which ELB.1 asks for)",
			"not configurable", always},
		{[]string{"aws-lb-listener-configure-secure-tls"}, "with `domain`: this Pulumi policy predates the 2025 " +
			"post-quantum TLS policy of the HTTPS listener",
			"not configurable (the policy is on Security Hub ELB.17's current list)",
			func(c *stackConfig) bool { return c.Domain != "" }},
		{[]string{"ELB.21", "ELB.22", "CKV_AWS_378"}, "always: TLS ends at the load balancer; the tasks speak HTTP " +
			"inside the VPC, reachable only from the load balancer",
			"not configurable", always},
		{[]string{"ELB.5", "CKV_AWS_91"}, "`accessLogs: false`",
			"`accessLogs: true`: S3 storage at " + p.S3StorageGBMonth.String() + ", kept for `logRetentionDays`, and " +
				"PUT requests; delivery is free",
			func(c *stackConfig) bool { return !c.AccessLogs }},
		{[]string{"CKV_AWS_145", "S3.17"}, "`accessLogs: true`: the log bucket uses SSE-S3, the only encryption load " +
			"balancer log delivery supports",
			"not configurable", func(c *stackConfig) bool { return c.AccessLogs }},
		{[]string{"CKV_AWS_21", "CKV_AWS_144", "CKV_AWS_18", "S3.9", "CKV2_AWS_62"}, "`accessLogs: true`: the log " +
			"bucket, a log sink, has no versioning, replication, access logging or event notifications",
			"not configurable", func(c *stackConfig) bool { return c.AccessLogs }},
		{[]string{"ELB.16", "CKV2_AWS_28"}, "`waf: false`",
			fmt.Sprintf("`waf: true`: %s and %s for %d rules (%s a month), plus %s", p.WebACLMonth, p.WAFRuleMonth, wafRules,
				dollars(roundCents(new(big.Rat).Add(p.WebACLMonth.rat(), new(big.Rat).Mul(big.NewRat(wafRules, 1), p.WAFRuleMonth.rat())))),
				p.WAFMillionRequests),
			func(c *stackConfig) bool { return !c.WAF }},
		{[]string{"WAF.11", "CKV2_AWS_31"}, "`waf: true`: the web ACL has no logging configuration (its sampled " +
			"requests and metrics are on)",
			"not configurable; full logging would be charged per GB", func(c *stackConfig) bool { return c.WAF }},
		{[]string{"EC2.6"}, "`flowLogs: false`", "`flowLogs: true`: " + p.LogsIngestedGB.String() + " of flow logs",
			func(c *stackConfig) bool { return !c.FlowLogs }},
		{[]string{"CloudWatch.16", "CKV_AWS_338"}, "`logRetentionDays` below 365",
			"`logRetentionDays: 365`: " + p.LogsStoredGB.String(),
			func(c *stackConfig) bool { return c.LogRetentionDays < 365 }},
		{[]string{"ECS.12", "CKV_AWS_65"}, "`containerInsights: false`",
			"`containerInsights: true`: Container Insights metrics, charged per metric",
			func(c *stackConfig) bool { return !c.ContainerInsights }},
		{[]string{"CKV_AWS_158", "CKV_AWS_136"}, "always: logs and images are encrypted with AWS-managed keys",
			customerKey, always},
		{[]string{"CKV_AWS_332"}, "always: the service runs on a capacity provider strategy, so that `spot` switches in " +
			"place, and Checkov looks for `launchType: FARGATE`; the platform version it protects is `LATEST`",
			"not configurable", always},
		{[]string{"CKV_AWS_149"}, "`secrets` set: they are encrypted with the AWS-managed `aws/secretsmanager` key",
			customerKey, withSecrets},
		{[]string{"SecretsManager.1", "CKV2_AWS_57"}, "`secrets` set: the values come from the stack's config, so " +
			"Secrets Manager does not rotate them",
			"rotate them as Operations shows; free", withSecrets},
	}
}

// waiversInForce returns the waivers the configuration puts in force.
func waiversInForce(c *stackConfig, all []waiver) []waiver {
	var out []waiver
	for _, w := range all {
		if w.inForce(c) {
			out = append(out, w)
		}
	}
	return out
}

// plainText drops the Markdown code marks of a waiver's words for a terminal.
func plainText(s string) string { return strings.ReplaceAll(s, "`", "") }

// monthly is an hourly price over a month of quietMonth's hours, e.g. "$7.30".
func monthly(hourly price) string {
	return dollars(roundCents(new(big.Rat).Mul(hourly.rat(), big.NewRat(quietMonth().Hours, 1))))
}
