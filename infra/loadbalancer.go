package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The rollout budget on the load-balancer side: a new task is in service one passing check after
// it starts, a failing one is out within unhealthyThreshold x interval, and a stopped one drains
// for deregistrationDelay before ECS sends it SIGTERM.
const (
	healthCheckIntervalSec = 5
	healthCheckTimeoutSec  = 3 // must stay below the interval, or AWS rejects the target group
	healthyThreshold       = 2
	unhealthyThreshold     = 3
	deregistrationDelaySec = 15
	albIdleTimeoutSec      = 60 // the app's idle timeout is longer, or the ALB sees sporadic 502s
	httpPort               = 80
	firstPathRulePriority  = 100
	maxConditionValues     = 5 // an ALB rule holds at most 5 condition values in all
	maxConditionWildcards  = 5 // and at most 5 wildcards
	notFoundContentType    = "application/json"
	targetGroupProtocol    = "HTTP"
	protocolTCP            = "tcp"
)

// LoadBalancer is the public entry point: an Application Load Balancer in the public subnets, its
// security group, the target group the service registers in, and the listener and rules that send
// the configured paths to it and answer everything else with a JSON 404.
type LoadBalancer struct {
	pulumi.ResourceState

	SecurityGroup   *ec2.SecurityGroup
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	LoadBalancer    *lb.LoadBalancer
	TargetGroup     *lb.TargetGroup
	// Listener is the listener that serves the application; Rules are its forward rules.
	Listener *lb.Listener
	Rules    []*lb.ListenerRule
	DNSName  pulumi.StringOutput `pulumi:"dnsName"`
	ZoneID   pulumi.StringOutput `pulumi:"zoneId"`
	URL      pulumi.StringOutput `pulumi:"url"`
	// ARNSuffix and TargetGroupARNSuffix are the CloudWatch metric dimensions.
	ARNSuffix            pulumi.StringOutput `pulumi:"arnSuffix"`
	TargetGroupARNSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
}

// LoadBalancerArgs configures a LoadBalancer.
type LoadBalancerArgs struct {
	NamePrefix string
	VpcID      pulumi.StringInput
	// SubnetIDs are the public subnets, one per availability zone.
	SubnetIDs pulumi.StringArrayInput
	// TaskSecurityGroupID is the tasks' security group: it gets the only ingress rule the tasks
	// have, the container port from this load balancer.
	TaskSecurityGroupID pulumi.StringInput
	ContainerPort       int
	HealthCheckPath     string
	// Paths are the ALB path patterns forwarded to the service.
	Paths              []string
	DeletionProtection bool
}

// NewLoadBalancer declares the load balancer and its wiring to the tasks.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil || len(args.Paths) == 0 || args.ContainerPort == 0 {
		return nil, fmt.Errorf("create load balancer: paths and a container port are required")
	}
	l := &LoadBalancer{}
	if err := ctx.RegisterComponentResource("gin-fargate:index:LoadBalancer", name, l, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(l)

	if err := l.addSecurityGroup(ctx, name, args, parent); err != nil {
		return nil, err
	}
	alb, err := lb.NewLoadBalancer(ctx, name+"-alb", &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		IpAddressType:            pulumi.String("ipv4"),
		Subnets:                  args.SubnetIDs,
		SecurityGroups:           pulumi.StringArray{l.SecurityGroup.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("defensive"),
		IdleTimeout:              pulumi.Int(albIdleTimeoutSec),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		EnableHttp2:              pulumi.Bool(true),
		EnableWafFailOpen:        pulumi.Bool(false),
		XffHeaderProcessingMode:  pulumi.String("append"),
		PreserveHostHeader:       pulumi.Bool(false),
		Tags:                     pulumi.StringMap{"Name": pulumi.String(args.NamePrefix)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create load balancer: %w", err)
	}
	tg, err := lb.NewTargetGroup(ctx, name+"-tg", &lb.TargetGroupArgs{
		TargetType:          pulumi.String("ip"),
		Protocol:            pulumi.String(targetGroupProtocol),
		Port:                pulumi.Int(args.ContainerPort),
		VpcId:               args.VpcID,
		DeregistrationDelay: pulumi.Int(deregistrationDelaySec),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String(targetGroupProtocol),
			Port:               pulumi.String("traffic-port"),
			Path:               pulumi.String(args.HealthCheckPath),
			Matcher:            pulumi.String("200"),
			Interval:           pulumi.Int(healthCheckIntervalSec),
			Timeout:            pulumi.Int(healthCheckTimeoutSec),
			HealthyThreshold:   pulumi.Int(healthyThreshold),
			UnhealthyThreshold: pulumi.Int(unhealthyThreshold),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(args.NamePrefix)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create target group: %w", err)
	}
	l.LoadBalancer, l.TargetGroup = alb, tg

	notFound, err := notFoundBody()
	if err != nil {
		return nil, err
	}
	listener, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(httpPort),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("fixed-response"),
			FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
				StatusCode:  pulumi.String("404"),
				ContentType: pulumi.String(notFoundContentType),
				MessageBody: pulumi.String(notFound),
			},
		}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create http listener: %w", err)
	}
	l.Listener = listener
	if err := l.addForwardRules(ctx, name, args.Paths, nil, parent); err != nil {
		return nil, err
	}

	l.DNSName, l.ZoneID = alb.DnsName, alb.ZoneId
	l.URL = pulumi.Sprintf("http://%s", alb.DnsName)
	l.ARNSuffix, l.TargetGroupARNSuffix = alb.ArnSuffix, tg.ArnSuffix
	if err := ctx.RegisterResourceOutputs(l, pulumi.Map{
		"securityGroupId":      l.SecurityGroupID,
		"dnsName":              l.DNSName,
		"zoneId":               l.ZoneID,
		"url":                  l.URL,
		"arnSuffix":            l.ARNSuffix,
		"targetGroupArnSuffix": l.TargetGroupARNSuffix,
	}); err != nil {
		return nil, err
	}
	return l, nil
}

// addSecurityGroup declares the load balancer's security group: HTTP from anywhere in, and out
// only the container port to the tasks; and the tasks' one ingress rule, the container port from
// this group (no CIDR). Only port 80 is open to the world (Security Hub EC2.18, EC2.19); every
// rule has a description (Checkov CKV_AWS_23).
func (l *LoadBalancer) addSecurityGroup(ctx *pulumi.Context, name string, args *LoadBalancerArgs, parent pulumi.ResourceOption) error {
	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:               args.VpcID,
		Description:         pulumi.String("Application Load Balancer: HTTP from the internet, container port to the tasks"),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-alb")},
	}, parent)
	if err != nil {
		return fmt.Errorf("create load balancer security group: %w", err)
	}
	l.SecurityGroup, l.SecurityGroupID = sg, sg.ID().ToStringOutput()

	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-ingress-http", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: sg.ID(),
		IpProtocol:      pulumi.String(protocolTCP),
		FromPort:        pulumi.Int(httpPort),
		ToPort:          pulumi.Int(httpPort),
		CidrIpv4:        pulumi.String(anywhereIPv4),
		Description:     pulumi.String("HTTP from the internet"),
	}, parent); err != nil {
		return fmt.Errorf("create load balancer ingress rule: %w", err)
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-egress-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           sg.ID(),
		IpProtocol:                pulumi.String(protocolTCP),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		ReferencedSecurityGroupId: args.TaskSecurityGroupID,
		Description:               pulumi.String("Requests and health checks to the tasks on the container port"),
	}, parent); err != nil {
		return fmt.Errorf("create load balancer egress rule: %w", err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-task-ingress", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           args.TaskSecurityGroupID,
		IpProtocol:                pulumi.String(protocolTCP),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		ReferencedSecurityGroupId: sg.ID(),
		Description:               pulumi.String("Container port from the load balancer only"),
	}, parent); err != nil {
		return fmt.Errorf("create task ingress rule: %w", err)
	}
	return nil
}

// addForwardRules forwards requests whose path matches one of paths (and whose host is one of
// hosts, when hosts is not empty) to the target group, with stable priorities from
// firstPathRulePriority. The paths are split across as many rules as ALB limits require.
func (l *LoadBalancer) addForwardRules(ctx *pulumi.Context, name string, paths, hosts []string, parent pulumi.ResourceOption) error {
	for i, group := range pathRuleGroups(paths, len(hosts)) {
		conditions := lb.ListenerRuleConditionArray{&lb.ListenerRuleConditionArgs{
			PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(group)},
		}}
		if len(hosts) > 0 {
			conditions = append(conditions, &lb.ListenerRuleConditionArgs{
				HostHeader: &lb.ListenerRuleConditionHostHeaderArgs{Values: pulumi.ToStringArray(hosts)},
			})
		}
		rule, err := lb.NewListenerRule(ctx, fmt.Sprintf("%s-forward-%d", name, i), &lb.ListenerRuleArgs{
			ListenerArn: l.Listener.Arn,
			Priority:    pulumi.Int(firstPathRulePriority + i),
			Conditions:  conditions,
			Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: l.TargetGroup.Arn,
			}},
		}, parent)
		if err != nil {
			return fmt.Errorf("create forward rule %d: %w", i, err)
		}
		l.Rules = append(l.Rules, rule)
	}
	return nil
}

// pathRuleGroups splits path patterns into groups that each fit one listener rule beside
// reserved other condition values (e.g. one host header): at most maxConditionValues values and
// maxConditionWildcards wildcards per rule. The order of paths is kept.
func pathRuleGroups(paths []string, reserved int) [][]string {
	perRule := maxConditionValues - reserved
	if perRule < 1 {
		perRule = 1
	}
	var groups [][]string
	var cur []string
	wildcards := 0
	for _, p := range paths {
		w := pathWildcards(p)
		if len(cur) > 0 && (len(cur) == perRule || wildcards+w > maxConditionWildcards) {
			groups = append(groups, cur)
			cur, wildcards = nil, 0
		}
		cur = append(cur, p)
		wildcards += w
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// pathWildcards counts the wildcards of a path pattern, as ALB limits count them.
func pathWildcards(p string) int {
	return strings.Count(p, "*") + strings.Count(p, "?")
}

// notFoundBody is the load balancer's answer to a request no rule forwards: the API's error shape.
func notFoundBody() (string, error) {
	b, err := json.Marshal(map[string]map[string]string{"error": {
		"code":    "not_found",
		"message": "no route for this path",
	}})
	if err != nil {
		return "", fmt.Errorf("encode not-found body: %w", err)
	}
	return string(b), nil
}
