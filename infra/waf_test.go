package main

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The WAF web ACL on the load balancer (Security Hub ELB.16, Checkov CKV2_AWS_28).

const (
	webACLAssocType = "aws:wafv2/webAclAssociation:WebAclAssociation"
)

func TestWAFOffByDefault(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	if run.find(webACLType, "waf-acl") != nil || run.find(webACLAssocType, "waf-association") != nil {
		t.Error("a web ACL without waf")
	}
}

func TestWAF(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"waf": "true"}))
	acl := run.named(t, webACLType, "waf-acl")
	rules := acl.prop("rules").ArrayValue()

	t.Run("ELB.16 CKV2_AWS_28 associated with the load balancer", func(t *testing.T) {
		assoc := run.named(t, webACLAssocType, "waf-association")
		if assoc.str("resourceArn") != run.alb(t).ID || assoc.str("webAclArn") != acl.output("arn") {
			t.Errorf("association %s -> %s, want the web ACL %s on the load balancer %s",
				assoc.str("webAclArn"), assoc.str("resourceArn"), acl.output("arn"), run.alb(t).ID)
		}
	})
	t.Run("W1 regional, allow by default", func(t *testing.T) {
		if acl.str("scope") != "REGIONAL" {
			t.Errorf("scope = %q, want REGIONAL", acl.str("scope"))
		}
		if !acl.prop("defaultAction", "allow").IsObject() || !acl.prop("defaultAction", "block").IsNull() {
			t.Errorf("default action = %v, want allow", acl.prop("defaultAction"))
		}
	})
	t.Run("CKV_AWS_175 CKV2_AWS_76 AWS managed common rules and known bad inputs", func(t *testing.T) {
		var groups []string
		for i := range rules {
			if g := acl.prop("rules", i, "statement", "managedRuleGroupStatement"); g.IsObject() {
				if acl.str("rules", i, "statement", "managedRuleGroupStatement", "vendorName") != "AWS" {
					t.Errorf("rule %d is not an AWS managed group", i)
				}
				if !acl.prop("rules", i, "overrideAction", "none").IsObject() {
					t.Errorf("managed rule %d overrides its group's actions: %v", i, acl.prop("rules", i, "overrideAction"))
				}
				groups = append(groups, acl.str("rules", i, "statement", "managedRuleGroupStatement", "name"))
			}
		}
		if !slices.Equal(groups, []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}) {
			t.Errorf("managed rule groups = %v, want the common rule set and known bad inputs", groups)
		}
	})
	// The API's own limits and error shape stand: these rules of the common rule set only count.
	for _, c := range []struct{ rule, why string }{
		{"SizeRestrictions_BODY", "bodies over 8 KB get WAF's 403 instead of the API's 1 MiB limit and its JSON 413"},
		{"NoUserAgent_HEADER", "API clients without a User-Agent get WAF's 403"},
	} {
		t.Run(c.rule+" counts", func(t *testing.T) {
			if got := managedRuleOverride(acl, "AWSManagedRulesCommonRuleSet", c.rule); !got.IsObject() ||
				!got.ObjectValue()["count"].IsObject() || len(got.ObjectValue()) != 1 {
				t.Errorf("%s action = %v, want count: %s", c.rule, got, c.why)
			}
		})
	}
	t.Run("rate limit per client IP, answered with a JSON 429, evaluated first", func(t *testing.T) {
		var rate []int
		for i := range rules {
			if acl.prop("rules", i, "statement", "rateBasedStatement").IsObject() {
				rate = append(rate, i)
			}
		}
		if len(rate) != 1 {
			t.Fatalf("%d rate-based rules, want 1", len(rate))
		}
		i := rate[0]
		limit := acl.num("rules", i, "statement", "rateBasedStatement", "limit")
		if acl.str("rules", i, "statement", "rateBasedStatement", "aggregateKeyType") != "IP" || limit < 100 || limit > 20000 ||
			acl.num("rules", i, "statement", "rateBasedStatement", "evaluationWindowSec") != 300 {
			t.Errorf("rate rule = %v, want a per-IP limit over 5 minutes", acl.prop("rules", i, "statement"))
		}
		for j := range rules {
			if j != i && acl.num("rules", j, "priority") <= acl.num("rules", i, "priority") {
				t.Errorf("rule %d runs before the rate limit", j)
			}
		}
		if acl.num("rules", i, "action", "block", "customResponse", "responseCode") != 429 {
			t.Errorf("rate rule action = %v, want block with 429", acl.prop("rules", i, "action"))
		}
		// The body is the API's error shape: TestContractRelations.
		key := acl.str("rules", i, "action", "block", "customResponse", "customResponseBodyKey")
		if acl.str("customResponseBodies", 0, "key") != key || acl.str("customResponseBodies", 0, "contentType") != "APPLICATION_JSON" {
			t.Errorf("response bodies %v, want a JSON one under %q", acl.prop("customResponseBodies"), key)
		}
	})
	t.Run("WAF.12 CKV_AWS_342 metrics and sampled requests everywhere", func(t *testing.T) {
		metrics := map[string]bool{}
		check := func(what string, path ...any) {
			cw, _ := acl.boolean(append(path, "cloudwatchMetricsEnabled")...)
			sampled, _ := acl.boolean(append(path, "sampledRequestsEnabled")...)
			name := acl.str(append(path, "metricName")...)
			if !cw || !sampled || name == "" || metrics[name] {
				t.Errorf("%s visibility = %v, want metrics and sampled requests under a unique name", what, acl.prop(path...))
			}
			metrics[name] = true
		}
		check("web ACL", "visibilityConfig")
		priorities := map[float64]bool{}
		for i := range rules {
			check(acl.str("rules", i, "name"), "rules", i, "visibilityConfig")
			if p := acl.num("rules", i, "priority"); priorities[p] {
				t.Errorf("priority %v used twice", p)
			} else {
				priorities[p] = true
			}
			action, override := acl.prop("rules", i, "action"), acl.prop("rules", i, "overrideAction")
			if action.IsObject() == override.IsObject() {
				t.Errorf("rule %d needs exactly one of action and overrideAction", i)
			}
		}
		if len(rules) != 3 {
			t.Errorf("%d rules, want the rate limit and two managed groups", len(rules))
		}
	})
}

// managedRuleOverride is the action the web ACL uses for one rule of a managed rule group
// instead of the rule's own (actionToUse), or null when it overrides none.
func managedRuleOverride(acl *resourceRecord, group, rule string) resource.PropertyValue {
	for i := range acl.prop("rules").ArrayValue() {
		if acl.str("rules", i, "statement", "managedRuleGroupStatement", "name") != group {
			continue
		}
		overrides := acl.prop("rules", i, "statement", "managedRuleGroupStatement", "ruleActionOverrides")
		if !overrides.IsArray() {
			break
		}
		for j := range overrides.ArrayValue() {
			path := []any{"rules", i, "statement", "managedRuleGroupStatement", "ruleActionOverrides", j}
			if acl.str(append(path, "name")...) == rule {
				return acl.prop(append(path, "actionToUse")...)
			}
		}
	}
	return resource.NewNullProperty()
}
