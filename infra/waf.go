package main

import (
	"fmt"

	"github.com/gin-fargate/gin-fargate/app/contract"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// wafRateLimit is how many requests one client IP may send in wafRateWindowSec before the web
	// ACL answers it 429 until its rate drops: 2,000 per 5 minutes is about 7 a second, plenty for
	// a person or a well-behaved integration and far below a flood.
	wafRateLimit       = 2000
	wafRateWindowSec   = 300
	wafRateLimitedBody = "rate-limited"
)

// wafManagedRuleGroups are the AWS managed rule groups the web ACL runs, in order: the core rule
// set (OWASP-style injection, traversal, bad bots and oversize checks) and known bad inputs
// (Log4Shell and other exploit payloads, Checkov CKV2_AWS_76). Each costs US$1 a month. Counted
// are the group's rules whose block would replace the API's own answer with WAF's bare 403 (not
// the API's error shape): they still show in the metrics and sampled requests, and the request
// goes on to the API.
var wafManagedRuleGroups = []wafManagedGroup{
	{Name: "AWSManagedRulesCommonRuleSet", Count: []string{
		// Blocks bodies over 8 KB, the most WAF inspects on a load balancer; the API accepts
		// up to its MAX_BODY_BYTES (1 MiB by default) and answers a larger one with its own 413.
		"SizeRestrictions_BODY",
		// Blocks requests without a User-Agent, which API clients (scripts, SDKs, health
		// probes) often send none of.
		"NoUserAgent_HEADER",
	}},
	{Name: "AWSManagedRulesKnownBadInputsRuleSet"},
}

// wafManagedGroup is an AWS managed rule group the web ACL runs, and the rules of it that only count.
type wafManagedGroup struct {
	Name  string
	Count []string
}

// WebACL is a WAFv2 web ACL on the load balancer (Security Hub ELB.16, Checkov CKV2_AWS_28):
// requests pass unless the per-IP rate limit or an AWS managed rule group blocks them. The ACL and
// every rule publish CloudWatch metrics and keep sampled requests (WAF.12, CKV_AWS_342).
type WebACL struct {
	pulumi.ResourceState

	ARN pulumi.StringOutput `pulumi:"arn"`
}

// WebACLArgs configures a WebACL.
type WebACLArgs struct {
	NamePrefix      string
	LoadBalancerARN pulumi.StringInput
}

// NewWebACL declares the web ACL and associates it with the load balancer.
func NewWebACL(ctx *pulumi.Context, name string, args *WebACLArgs, opts ...pulumi.ResourceOption) (*WebACL, error) {
	w := &WebACL{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "WebACL"), name, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	visibility := func(metric string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(args.NamePrefix + "-" + metric),
			SampledRequestsEnabled:   pulumi.Bool(true),
		}
	}
	body, err := errorBody(contract.CodeTooManyRequests, "too many requests from this address; retry in a few minutes")
	if err != nil {
		return nil, fmt.Errorf("encode rate-limit body: %w", err)
	}

	// The rate limit runs first, so a flood is cut off before the managed rules inspect it.
	rules := wafv2.WebAclRuleArray{&wafv2.WebAclRuleArgs{
		Name:     pulumi.String("rate-limit-per-ip"),
		Priority: pulumi.Int(0),
		Action: &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{
			CustomResponse: &wafv2.WebAclRuleActionBlockCustomResponseArgs{
				ResponseCode:          pulumi.Int(429),
				CustomResponseBodyKey: pulumi.String(wafRateLimitedBody),
			},
		}},
		Statement: &wafv2.WebAclRuleStatementArgs{RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
			Limit:               pulumi.Int(wafRateLimit),
			EvaluationWindowSec: pulumi.Int(wafRateWindowSec),
			AggregateKeyType:    pulumi.String("IP"),
		}},
		VisibilityConfig: visibility("rate-limit-per-ip"),
	}}
	for i, group := range wafManagedRuleGroups {
		var overrides wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArray
		for _, rule := range group.Count {
			overrides = append(overrides, &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs{
				Name: pulumi.String(rule),
				ActionToUse: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs{
					Count: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs{},
				},
			})
		}
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:           pulumi.String(group.Name),
			Priority:       pulumi.Int(10 * (i + 1)),
			OverrideAction: &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}},
			Statement: &wafv2.WebAclRuleStatementArgs{
				ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
					Name:                pulumi.String(group.Name),
					VendorName:          pulumi.String("AWS"),
					RuleActionOverrides: overrides,
				},
			},
			VisibilityConfig: visibility(group.Name),
		})
	}
	acl, err := wafv2.NewWebAcl(ctx, name+"-acl", &wafv2.WebAclArgs{
		Name:          pulumi.String(args.NamePrefix),
		Description:   pulumi.String("Rate limit per client IP and AWS managed rules in front of the load balancer"),
		Scope:         pulumi.String("REGIONAL"),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		CustomResponseBodies: wafv2.WebAclCustomResponseBodyArray{&wafv2.WebAclCustomResponseBodyArgs{
			Key:         pulumi.String(wafRateLimitedBody),
			ContentType: pulumi.String("APPLICATION_JSON"),
			Content:     pulumi.String(body),
		}},
		Rules: rules,
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(args.NamePrefix + "-web-acl"),
			SampledRequestsEnabled:   pulumi.Bool(true),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(args.NamePrefix)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create web acl: %w", err)
	}
	if _, err := wafv2.NewWebAclAssociation(ctx, name+"-association", &wafv2.WebAclAssociationArgs{
		ResourceArn: args.LoadBalancerARN,
		WebAclArn:   acl.Arn,
	}, parent); err != nil {
		return nil, fmt.Errorf("associate web acl with the load balancer: %w", err)
	}
	w.ARN = acl.Arn
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{"arn": w.ARN}); err != nil {
		return nil, err
	}
	return w, nil
}
