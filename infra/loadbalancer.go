package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
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
	httpPort               = 80
	firstPathRulePriority  = 100
	maxConditionValues     = 5 // an ALB rule holds at most 5 condition values in all,
	maxValuesPerCondition  = 3 // at most 3 in any one condition,
	maxConditionWildcards  = 5 // and at most 5 wildcards
	notFoundContentType    = "application/json"
	targetGroupProtocol    = "HTTP"
	protocolTCP            = "tcp"
)

// tlsPolicy is the HTTPS listener's security policy. ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09 is
// on Security Hub ELB.17's current list of recommended policies and is the policy AWS recommends
// and the console's default for new listeners. It offers TLS 1.3, keeps TLS 1.2 (restricted to
// forward-secret AEAD ciphers) for clients that have no TLS 1.3 yet, and adds post-quantum hybrid
// key exchange (ML-KEM) for clients that support it. The provider passes the name to the ELB API
// unchecked, so any policy the API knows works here; the TLS13-1-3 variants would drop TLS 1.2
// clients. Unset, the API would fall back to the weak ELBSecurityPolicy-2016-08.
const tlsPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"

// LoadBalancer is the public entry point: an Application Load Balancer in the public subnets, its
// security group, the target group the service registers in, and the listeners and rules that send
// the configured paths (on the configured domain) to it and answer everything else with a JSON 404.
// With a domain it serves HTTPS on 443 and port 80 only redirects there; without one it serves
// HTTP on port 80.
type LoadBalancer struct {
	pulumi.ResourceState

	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	LoadBalancer    *lb.LoadBalancer
	TargetGroup     *lb.TargetGroup
	// Ready are the listener that serves the application (HTTPS with a domain, else HTTP) and its
	// forward rules: what the service waits for before it registers in the target group.
	Ready   []pulumi.Resource
	DNSName pulumi.StringOutput `pulumi:"dnsName"`
	ZoneID  pulumi.StringOutput `pulumi:"zoneId"`
	URL     pulumi.StringOutput `pulumi:"url"`
	// ARNSuffix and TargetGroupARNSuffix are the CloudWatch metric dimensions.
	ARNSuffix            pulumi.StringOutput `pulumi:"arnSuffix"`
	TargetGroupARNSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`

	listener *lb.Listener
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
	// Paths are the ALB path patterns forwarded to the service.
	Paths              []string
	DeletionProtection bool
	// IPv6 makes the load balancer dual-stack (the public subnets need IPv6 blocks).
	IPv6 bool
	// Domain is the host name served over HTTPS with CertificateARN, a validated ACM certificate
	// of that name. Empty serves HTTP on port 80, for any host name.
	Domain         string
	CertificateARN pulumi.StringInput
	// AccessLogs is where the load balancer writes its access logs; nil writes none.
	AccessLogs *AccessLogs
	// InternetPath is the network's way to and from the internet (Network.InternetPath). ELB
	// refuses an internet-facing load balancer in a VPC whose gateway is not attached yet
	// (InvalidSubnet: VPC has no internet gateway).
	InternetPath []pulumi.Resource
}

// NewLoadBalancer declares the load balancer and its wiring to the tasks.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	l := &LoadBalancer{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "LoadBalancer"), name, l, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(l)

	sg, worldRules, taskRules, err := addSecurityGroup(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	l.SecurityGroupID = sg.ID().ToStringOutput()
	albArgs := &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		IpAddressType:            pulumi.String(ipAddressType(args.IPv6)),
		Subnets:                  args.SubnetIDs,
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("defensive"),
		IdleTimeout:              pulumi.Int(int(contract.ALBIdleTimeout / time.Second)),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		EnableHttp2:              pulumi.Bool(true),
		EnableWafFailOpen:        pulumi.Bool(false),
		XffHeaderProcessingMode:  pulumi.String(contract.ALBXFFMode),
		PreserveHostHeader:       pulumi.Bool(false),
		Tags:                     pulumi.StringMap{"Name": pulumi.String(args.NamePrefix)},
	}
	// The load balancer (and so its DNS records) waits for the path from the internet and for its
	// rules from anywhere: turning ipv6 on makes it dual-stack only once ::/0 may reach it.
	albDeps := append(slices.Clone(args.InternetPath), worldRules...)
	if args.AccessLogs != nil {
		// Turning logging on makes the load balancer write a test object, so the bucket policy
		// must be in place first (Security Hub ELB.5).
		albArgs.AccessLogs = &lb.LoadBalancerAccessLogsArgs{
			Bucket:  args.AccessLogs.BucketName,
			Enabled: pulumi.Bool(true),
			Prefix:  pulumi.String(accessLogPrefix),
		}
		albDeps = append(albDeps, args.AccessLogs.Ready...)
	} else {
		// Turning accessLogs off must stop the logging in this update, before the engine deletes
		// (or, without forceDelete, retains) the bucket at its end. The block is declared, not left
		// out: the provider suppresses the diff of a missing optional block, and a load balancer
		// that keeps writing to a bucket that left the stack is easy to miss.
		albArgs.AccessLogs = &lb.LoadBalancerAccessLogsArgs{
			Bucket:  pulumi.String(""),
			Enabled: pulumi.Bool(false),
		}
	}
	alb, err := lb.NewLoadBalancer(ctx, name+"-alb", albArgs, parent, pulumi.DependsOn(albDeps))
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
			Path:               pulumi.String(contract.HealthPath),
			Matcher:            pulumi.String("200"),
			Interval:           pulumi.Int(healthCheckIntervalSec),
			Timeout:            pulumi.Int(healthCheckTimeoutSec),
			HealthyThreshold:   pulumi.Int(healthyThreshold),
			UnhealthyThreshold: pulumi.Int(unhealthyThreshold),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(args.NamePrefix)},
	}, parent,
		// A new port replaces a target group (ForceNew), and the forward rules would switch to the
		// new, empty one at once. The group's own port matters for nothing here: ECS registers each
		// task with the container port the service names, and the health check asks the port each
		// target registered with (traffic-port), so a port change keeps the group and rolls.
		pulumi.IgnoreChanges([]string{"port"}))
	if err != nil {
		return nil, fmt.Errorf("create target group: %w", err)
	}
	l.LoadBalancer, l.TargetGroup = alb, tg

	if err := l.addListeners(ctx, name, args, parent); err != nil {
		return nil, err
	}
	var hosts []string
	if args.Domain != "" {
		hosts = []string{args.Domain}
	}
	if err := l.addForwardRules(ctx, name, args.Paths, hosts, parent); err != nil {
		return nil, err
	}
	if args.Domain != "" {
		if err := l.addRedirect(ctx, name, parent); err != nil {
			return nil, err
		}
	}
	// New tasks need the rules of their port before the service rolls onto it.
	l.Ready = append(l.Ready, taskRules...)

	l.DNSName, l.ZoneID = alb.DnsName, alb.ZoneId
	l.URL = pulumi.Sprintf("http://%s", alb.DnsName)
	if args.Domain != "" {
		// Known once the HTTPS listener exists, like the load balancer's own name without a domain.
		l.URL = l.listener.Arn.ApplyT(func(string) string { return "https://" + args.Domain }).(pulumi.StringOutput)
	}
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

// addSecurityGroup declares the load balancer's security group: HTTP (and HTTPS with a domain)
// from anywhere in, over IPv4 and, when dual-stack, IPv6; out only the container port to the
// tasks; and the tasks' one ingress rule, the container port from this group (no CIDR). Only ports
// 80 and 443 are open to the world (Security Hub EC2.18, EC2.19); every rule has a description
// (Checkov CKV_AWS_23). The group's description stays the same in every mode, because changing it
// replaces the group.
func addSecurityGroup(ctx *pulumi.Context, name string, args *LoadBalancerArgs, parent pulumi.ResourceOption,
) (sg *ec2.SecurityGroup, world, tasks []pulumi.Resource, err error) {
	sg, err = ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:               args.VpcID,
		Description:         pulumi.String("Application Load Balancer: HTTP from the internet, container port to the tasks"),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-alb")},
	}, parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create load balancer security group: %w", err)
	}

	for _, rule := range worldIngress(args.Domain != "", args.IPv6) {
		ingress := &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			IpProtocol:      pulumi.String(protocolTCP),
			FromPort:        pulumi.Int(rule.Port),
			ToPort:          pulumi.Int(rule.Port),
			Description:     pulumi.String(rule.Description),
		}
		if rule.IPv6 {
			ingress.CidrIpv6 = pulumi.String(anywhereIPv6)
		} else {
			ingress.CidrIpv4 = pulumi.String(anywhereIPv4)
		}
		r, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-ingress-"+rule.Name, ingress, parent)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("create load balancer ingress rule %s: %w", rule.Name, err)
		}
		world = append(world, r)
	}
	if tasks, err = addTaskPortRules(ctx, name, sg, args, parent); err != nil {
		return nil, nil, nil, err
	}
	return sg, world, tasks, nil
}

// addTaskPortRules declares the two rules that let the load balancer reach the tasks on the
// container port: out of the load balancer's group, into the tasks' group (no CIDR). They are
// named after the port, so a new containerPort gets rules of its own beside the old port's: the
// tasks that still listen on the old port stay reachable while ECS rolls the service onto the new
// one, and the old rules are deleted only at the end of the update, after the deployment watch.
// The aliases keep the rules of stacks deployed before the names carried the port (changing the
// port in that same update updates those rules in place instead; upgrade first).
func addTaskPortRules(ctx *pulumi.Context, name string, sg *ec2.SecurityGroup, args *LoadBalancerArgs,
	parent pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	port := strconv.Itoa(args.ContainerPort)
	formerly := func(old string) pulumi.ResourceOption {
		return pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(old)}})
	}
	egress, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-egress-tasks-"+port, &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           sg.ID(),
		IpProtocol:                pulumi.String(protocolTCP),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		ReferencedSecurityGroupId: args.TaskSecurityGroupID,
		Description:               pulumi.String("Requests and health checks to the tasks on the container port"),
	}, parent, formerly(name+"-egress-tasks"))
	if err != nil {
		return nil, fmt.Errorf("create load balancer egress rule to port %s: %w", port, err)
	}
	ingress, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-task-ingress-"+port, &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           args.TaskSecurityGroupID,
		IpProtocol:                pulumi.String(protocolTCP),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		ReferencedSecurityGroupId: sg.ID(),
		Description:               pulumi.String("Container port from the load balancer only"),
	}, parent, formerly(name+"-task-ingress"))
	if err != nil {
		return nil, fmt.Errorf("create task ingress rule on port %s: %w", port, err)
	}
	return []pulumi.Resource{egress, ingress}, nil
}

// worldRule is one ingress rule of the load balancer from anywhere.
type worldRule struct {
	Name        string // suffix of the logical name
	Port        int
	IPv6        bool
	Description string
}

// worldIngress lists the load balancer's ingress rules from anywhere: HTTP, and HTTPS with a
// domain, each over IPv4 and, when dual-stack, over IPv6.
func worldIngress(https, ipv6 bool) []worldRule {
	httpUse := "HTTP from the internet"
	if https {
		httpUse = "HTTP from the internet, answered with a redirect to HTTPS"
	}
	rules := []worldRule{{Name: "http", Port: httpPort, Description: httpUse}}
	if https {
		rules = append(rules, worldRule{Name: "https", Port: httpsPort, Description: "HTTPS from the internet"})
	}
	if !ipv6 {
		return rules
	}
	for _, r := range slices.Clone(rules) {
		r.Name += "-ipv6"
		r.IPv6 = true
		r.Description += " over IPv6"
		rules = append(rules, r)
	}
	return rules
}

// ipAddressType is the load balancer's address type: dual-stack or IPv4 only.
func ipAddressType(ipv6 bool) string {
	if ipv6 {
		return "dualstack"
	}
	return "ipv4"
}

// addListeners declares the listeners. Without a domain, the HTTP listener on port 80 serves the
// application. With one, an HTTPS listener on 443 serves it with the validated certificate and the
// TLS 1.3 policy (Security Hub ELB.18, ELB.17, Checkov CKV_AWS_2, CKV_AWS_103), and the HTTP
// listener has exactly one action, a permanent redirect to HTTPS on 443 that keeps the host, path
// and query (ELB.1, CKV2_AWS_20), declared after the forward rules (addRedirect). The serving
// listener's default action is the JSON 404.
func (l *LoadBalancer) addListeners(ctx *pulumi.Context, name string, args *LoadBalancerArgs, parent pulumi.ResourceOption) error {
	body, err := errorBody(contract.CodeNotFound, "no route for this path")
	if err != nil {
		return fmt.Errorf("encode not-found body: %w", err)
	}
	notFound := lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
		Type: pulumi.String("fixed-response"),
		FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
			StatusCode:  pulumi.String("404"),
			ContentType: pulumi.String(notFoundContentType),
			MessageBody: pulumi.String(body),
		},
	}}
	if args.Domain == "" {
		http, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: l.LoadBalancer.Arn,
			Port:            pulumi.Int(httpPort),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  notFound,
		}, parent)
		if err != nil {
			return fmt.Errorf("create http listener: %w", err)
		}
		l.listener = http
		return nil
	}
	https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: l.LoadBalancer.Arn,
		Port:            pulumi.Int(httpsPort),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(tlsPolicy),
		CertificateArn:  args.CertificateARN,
		DefaultActions:  notFound,
	}, parent)
	if err != nil {
		return fmt.Errorf("create https listener: %w", err)
	}
	l.listener = https
	return nil
}

// addRedirect declares the HTTP listener of a stack with a domain: one permanent redirect to HTTPS
// on 443 that keeps the host, path and query. It waits for the HTTPS listener and its forward
// rules (l.Ready): on a stack that served HTTP so far, this update moves the forward rules from
// the HTTP listener to the HTTPS one (a new listenerArn replaces a rule), and HTTP may redirect
// only once HTTPS forwards, or clients get the HTTPS listener's 404 in between.
func (l *LoadBalancer) addRedirect(ctx *pulumi.Context, name string, parent pulumi.ResourceOption) error {
	if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: l.LoadBalancer.Arn,
		Port:            pulumi.Int(httpPort),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String(strconv.Itoa(httpsPort)),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, parent, pulumi.DependsOn(slices.Clone(l.Ready))); err != nil {
		return fmt.Errorf("create http redirect listener: %w", err)
	}
	return nil
}

// addForwardRules forwards requests whose path matches one of paths (and whose host is one of
// hosts, when hosts is not empty) to the target group. The paths are split across as many rules
// as ALB limits require; rule i has priority firstPathRulePriority+i, so the priorities follow the
// order of paths and stay the same from one deploy to the next.
func (l *LoadBalancer) addForwardRules(ctx *pulumi.Context, name string, paths, hosts []string, parent pulumi.ResourceOption) error {
	l.Ready = []pulumi.Resource{l.listener}
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
			ListenerArn: l.listener.Arn,
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
		l.Ready = append(l.Ready, rule)
	}
	return nil
}

// pathRuleGroups splits path patterns into groups that each fit one listener rule beside
// reserved other condition values (e.g. one host header): at most maxValuesPerCondition patterns
// in the rule's path-pattern condition, at most maxConditionValues values in all its conditions,
// and maxConditionWildcards wildcards per rule. The order of paths is kept.
func pathRuleGroups(paths []string, reserved int) [][]string {
	perRule := min(maxValuesPerCondition, maxConditionValues-reserved)
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

// errorBody is an answer the load balancer or the web ACL writes itself, in the API's error shape.
func errorBody(code, message string) (string, error) {
	b, err := json.Marshal(contract.ErrorResponse{Error: contract.ErrorBody{Code: code, Message: message}})
	return string(b), err
}
