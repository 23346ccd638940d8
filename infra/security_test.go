package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// The security baseline as policies over the declared resources. Each test names the AWS
// Security Hub (FSBP) control and the Checkov/Trivy rule it re-implements.

const (
	clusterType      = "aws:ecs/cluster:Cluster"
	targetGroupType  = "aws:lb/targetGroup:TargetGroup"
	listenerType     = "aws:lb/listener:Listener"
	listenerRuleType = "aws:lb/listenerRule:ListenerRule"
	sgType           = "aws:ec2/securityGroup:SecurityGroup"
	ingressRuleType  = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressRuleType   = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	roleType         = "aws:iam/role:Role"
	rolePolicyType   = "aws:iam/rolePolicy:RolePolicy"
	logGroupType     = "aws:cloudwatch/logGroup:LogGroup"
	igwType          = "aws:ec2/internetGateway:InternetGateway"
)

// execPolicyOf returns the execution role's inline policy, parsed.
func execPolicyOf(t *testing.T, run *stackRun) policy {
	t.Helper()
	return rolePolicy(t, run, run.named(t, roleType, "api-execution-role"))
}

// rolePolicy returns the one inline policy attached to a role, parsed.
func rolePolicy(t *testing.T, run *stackRun, role *resourceRecord) policy {
	t.Helper()
	var found []*resourceRecord
	for _, p := range run.all(rolePolicyType) {
		if p.str("role") == role.ID {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d inline policies on role %s, want 1", len(found), role.Name)
	}
	var p policy
	jsonInput(t, found[0], "policy", &p)
	return p
}

// statement returns the policy statement with a Sid.
func statement(t *testing.T, p policy, sid string) policyStmt {
	t.Helper()
	for _, s := range p.Statement {
		if s.Sid == sid {
			return s
		}
	}
	t.Fatalf("no statement %s in policy", sid)
	return p.Statement[0]
}

func TestTaskDefinitionControls(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	td := run.taskDef(t)
	c := run.container(t)

	t.Run("ECS.17 CT.ECS.PR.4 awsvpc on Fargate", func(t *testing.T) {
		if got := td.str("networkMode"); got != "awsvpc" {
			t.Errorf("networkMode = %q, want awsvpc", got)
		}
		if got := td.strs("requiresCompatibilities"); !slices.Equal(got, []string{"FARGATE"}) {
			t.Errorf("requiresCompatibilities = %v, want [FARGATE]", got)
		}
	})
	t.Run("ECS.3 CKV_AWS_335 no host pid namespace", func(t *testing.T) {
		if got := td.str("pidMode"); got == "host" {
			t.Errorf("pidMode = %q", got)
		}
	})
	t.Run("ECS.20 ECS.1 non-root numeric user", func(t *testing.T) {
		user, _ := c["user"].(string)
		uid, _, _ := strings.Cut(user, ":")
		if user == "" || uid == "0" || uid == "root" {
			t.Errorf("user = %q, want a non-root numeric user", user)
		}
		if user != contract.User {
			t.Errorf("user = %q, want the image's nonroot user %q", user, contract.User)
		}
	})
	t.Run("ECS.21 Linux task so the Windows control does not apply", func(t *testing.T) {
		if got := td.str("runtimePlatform", "operatingSystemFamily"); got != "LINUX" {
			t.Errorf("operatingSystemFamily = %q, want LINUX", got)
		}
	})
	t.Run("ECS.4 CKV_AWS_334 not privileged", func(t *testing.T) {
		if c["privileged"] != false {
			t.Errorf("privileged = %v, want false", c["privileged"])
		}
	})
	t.Run("ECS.5 CKV_AWS_336 read-only root filesystem", func(t *testing.T) {
		if c["readonlyRootFilesystem"] != true {
			t.Errorf("readonlyRootFilesystem = %v, want true", c["readonlyRootFilesystem"])
		}
	})
	t.Run("ECS.8 AVD-AWS-0036 no secrets in environment", func(t *testing.T) {
		for name := range envOf(t, c) {
			if looksSecret(name) {
				t.Errorf("environment has secret-looking %s", name)
			}
		}
	})
	t.Run("ECS.9 awslogs to the stack's log group", func(t *testing.T) {
		logs, _ := c["logConfiguration"].(map[string]any)
		opts, _ := logs["options"].(map[string]any)
		group := run.named(t, logGroupType, "api-logs").str("name")
		if logs["logDriver"] != "awslogs" || opts["awslogs-group"] != group ||
			opts["awslogs-region"] != testRegion || opts["awslogs-stream-prefix"] == nil {
			t.Errorf("logConfiguration = %v, want awslogs to %s in %s with a stream prefix", logs, group, testRegion)
		}
	})
	t.Run("CKV_AWS_249 separate execution and task roles", func(t *testing.T) {
		exec, task := td.str("executionRoleArn"), td.str("taskRoleArn")
		if exec == "" || task == "" || exec == task {
			t.Errorf("executionRoleArn %q, taskRoleArn %q: want two different roles", exec, task)
		}
	})
	t.Run("capabilities dropped and init process", func(t *testing.T) {
		lp, _ := c["linuxParameters"].(map[string]any)
		caps, _ := lp["capabilities"].(map[string]any)
		if drop, _ := caps["drop"].([]any); len(drop) != 1 || drop[0] != "ALL" {
			t.Errorf("capabilities.drop = %v, want [ALL]", caps["drop"])
		}
		if add, _ := caps["add"].([]any); len(add) != 0 {
			t.Errorf("capabilities.add = %v, want none", add)
		}
		if lp["initProcessEnabled"] != true {
			t.Errorf("initProcessEnabled = %v, want true", lp["initProcessEnabled"])
		}
		for _, k := range []string{"devices", "sharedMemorySize"} {
			if _, ok := lp[k]; ok {
				t.Errorf("linuxParameters.%s is set", k)
			}
		}
	})
	t.Run("essential container whose health check ends before the next", func(t *testing.T) {
		if c["essential"] != true {
			t.Error("container is not essential")
		}
		hc, _ := c["healthCheck"].(map[string]any)
		if interval, timeout := hc["interval"].(float64), hc["timeout"].(float64); timeout < 2 || timeout >= interval {
			t.Errorf("health check timeout %v with interval %v: the probe needs 2 s and must end before the next", timeout, interval)
		}
	})
	t.Run("ECS.18 no EFS volumes", func(t *testing.T) {
		if v := td.prop("volumes"); v.IsArray() && len(v.ArrayValue()) > 0 {
			t.Errorf("volumes = %v, want none", v)
		}
	})
	t.Run("image pinned by digest", func(t *testing.T) {
		if img, _ := c["image"].(string); !strings.Contains(img, "@sha256:") {
			t.Errorf("image %q is not pinned by digest", img)
		}
	})
}

// containerPort is the port the container listens on, from its port mapping.
func containerPort(t *testing.T, run *stackRun) float64 {
	t.Helper()
	ports, _ := run.container(t)["portMappings"].([]any)
	if len(ports) != 1 {
		t.Fatalf("port mappings = %v, want one", ports)
	}
	return ports[0].(map[string]any)["containerPort"].(float64)
}

func toStrings(v []any) []string {
	out := make([]string, len(v))
	for i, e := range v {
		out[i], _ = e.(string)
	}
	return out
}

func TestServiceControls(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	svc := run.service(t)

	t.Run("ECS.10 Fargate latest platform", func(t *testing.T) {
		// Capacity comes from a strategy of Fargate providers (see TestCapacityProviders), so the
		// control's launchType check does not apply; the platform is what it protects.
		if got := svc.str("platformVersion"); got != "LATEST" {
			t.Errorf("platformVersion %q, want LATEST", got)
		}
		if got := svc.str("launchType"); got != "" {
			t.Errorf("launchType %q beside a capacity provider strategy; ECS rejects both", got)
		}
		for i := range svc.prop("capacityProviderStrategies").ArrayValue() {
			if p := svc.str("capacityProviderStrategies", i, "capacityProvider"); !strings.HasPrefix(p, "FARGATE") {
				t.Errorf("capacity provider %q is not Fargate", p)
			}
		}
	})
	t.Run("ECS.16 no task sets", func(t *testing.T) {
		if n := len(run.all("aws:ecs/taskSet:TaskSet")); n != 0 {
			t.Errorf("%d task sets", n)
		}
	})
	t.Run("CKV_AWS_223 ECS Exec off", func(t *testing.T) {
		if v, set := svc.boolean("enableExecuteCommand"); !set || v {
			t.Errorf("enableExecuteCommand = %v (set %v), want false", v, set)
		}
	})
	t.Run("ECS.13 tags propagate from the service", func(t *testing.T) {
		managed, _ := svc.boolean("enableEcsManagedTags")
		if svc.str("propagateTags") != "SERVICE" || !managed {
			t.Errorf("propagateTags %q enableEcsManagedTags %v, want SERVICE and true", svc.str("propagateTags"), managed)
		}
	})
	t.Run("load balancer wiring", func(t *testing.T) {
		if got, want := svc.str("loadBalancers", 0, "targetGroupArn"), run.targetGroup(t).ID; got != want {
			t.Errorf("service target group = %q, want %q", got, want)
		}
		if got := svc.str("loadBalancers", 0, "containerName"); got != containerName {
			t.Errorf("service load balancer container = %q, want %s", got, containerName)
		}
		if got := svc.strs("networkConfiguration", "securityGroups"); len(got) != 1 || got[0] != taskSG(t, run).ID {
			t.Errorf("task security groups = %v, want only the task group", got)
		}
	})
}

// subnetIDs returns the IDs of the subnets of a tier, in zone order (registrations arrive in
// any order; the logical names end in the zone index).
func subnetIDs(run *stackRun, tier string) []string {
	var out []string
	for _, s := range run.in("network", subnetType) {
		if s.str("tags", "tier") == tier {
			out = append(out, s.ID)
		}
	}
	return out
}

func taskSG(t *testing.T, run *stackRun) *resourceRecord {
	t.Helper()
	return run.named(t, sgType, "network-task-sg")
}

func albSG(t *testing.T, run *stackRun) *resourceRecord {
	t.Helper()
	return run.named(t, sgType, "web-sg")
}

func TestClusterContainerInsights(t *testing.T) {
	t.Parallel()
	// ECS.12, CKV_AWS_65: on by default; a config switch turns it off (dev waiver).
	for cfg, want := range map[string]string{"": "enabled", "false": "disabled"} {
		var opts []runOption
		if cfg != "" {
			opts = append(opts, withConfig(map[string]string{"containerInsights": cfg}))
		}
		cl := mustRun(t, opts...).cluster(t)
		if cl.str("settings", 0, "name") != "containerInsights" || cl.str("settings", 0, "value") != want {
			t.Errorf("containerInsights %q: cluster settings = %v, want %s", cfg, cl.prop("settings"), want)
		}
	}
}

func TestLoadBalancerControls(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	alb := run.alb(t)
	flag := func(key string) bool { v, _ := alb.boolean(key); return v }

	t.Run("ELB.4 CKV_AWS_131 drop invalid headers", func(t *testing.T) {
		if !flag("dropInvalidHeaderFields") {
			t.Error("dropInvalidHeaderFields is not true")
		}
	})
	t.Run("ELB.12 CKV_AWS_328 defensive desync mitigation", func(t *testing.T) {
		if got := alb.str("desyncMitigationMode"); got != "defensive" && got != "strictest" {
			t.Errorf("desyncMitigationMode = %q", got)
		}
	})
	t.Run("ELB.13 spans the availability zones", func(t *testing.T) {
		if got, want := alb.strs("subnets"), subnetIDs(run, "public"); len(got) < 2 || !slices.Equal(got, want) {
			t.Errorf("ALB subnets = %v, want the public subnets %v", got, want)
		}
	})
	t.Run("AVD-AWS-0053 internet-facing by design", func(t *testing.T) {
		if internal, set := alb.boolean("internal"); !set || internal {
			t.Errorf("internal = %v (set %v), want an explicit false", internal, set)
		}
	})
	t.Run("HTTP/2 on, WAF fail-closed", func(t *testing.T) {
		if !flag("enableHttp2") || flag("enableWafFailOpen") {
			t.Errorf("http2 %v wafFailOpen %v", flag("enableHttp2"), flag("enableWafFailOpen"))
		}
	})
	t.Run("only the load balancer's security group", func(t *testing.T) {
		if got := alb.strs("securityGroups"); len(got) != 1 || got[0] != albSG(t, run).ID {
			t.Errorf("ALB security groups = %v, want only its own", got)
		}
		if alb.str("loadBalancerType") != "application" {
			t.Errorf("loadBalancerType = %q", alb.str("loadBalancerType"))
		}
	})
	t.Run("CKV_AWS_261 target group health check", func(t *testing.T) {
		tg := run.targetGroup(t)
		if tg.str("healthCheck", "matcher") != "200" {
			t.Errorf("health check = %v, want a match on 200", tg.prop("healthCheck"))
		}
		if tg.str("targetType") != "ip" {
			t.Errorf("target type %q, want ip (awsvpc tasks)", tg.str("targetType"))
		}
	})
}

// TestDeletionProtectionFollowsConfig: ELB.6, CKV_AWS_150. Off by default so destroy works; the
// production profile of docs/configuration.md turns it on.
func TestDeletionProtectionFollowsConfig(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[string]bool{"": false, "true": true} {
		var opts []runOption
		if cfg != "" {
			opts = append(opts, withConfig(map[string]string{"deletionProtection": cfg}))
		}
		if got, _ := mustRun(t, opts...).alb(t).boolean("enableDeletionProtection"); got != want {
			t.Errorf("deletionProtection %q: enableDeletionProtection = %v, want %v", cfg, got, want)
		}
	}
}

// worldOpen reports whether a rule admits traffic from anywhere.
func worldOpen(r *resourceRecord) bool {
	return r.str("cidrIpv4") == "0.0.0.0/0" || r.str("cidrIpv6") == "::/0"
}

func TestSecurityGroupControls(t *testing.T) {
	t.Parallel()
	for _, egress := range []string{"natPerAz", "natSingle", "publicIp", "vpcEndpoints"} {
		t.Run(egress, func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, withConfig(map[string]string{"egress": egress}))
			task, lbSG, port := taskSG(t, run), albSG(t, run), containerPort(t, run)

			t.Run("EC2.18 EC2.19 EC2.53 only HTTP is open to the world, on the load balancer", func(t *testing.T) {
				for _, r := range run.all(ingressRuleType) {
					if !worldOpen(r) {
						continue
					}
					if r.str("securityGroupId") != lbSG.ID || r.str("ipProtocol") != "tcp" ||
						r.num("fromPort") != 80 || r.num("toPort") != 80 {
						t.Errorf("rule %s opens %s %v-%v to the world", r.Name, r.str("ipProtocol"), r.num("fromPort"), r.num("toPort"))
					}
				}
			})
			t.Run("tasks reachable only from the load balancer on the container port", func(t *testing.T) {
				rules := run.securityGroupRules(true, task.ID)
				if len(rules) != 1 {
					t.Fatalf("%d task ingress rules, want 1", len(rules))
				}
				r := rules[0]
				if r.str("referencedSecurityGroupId") != lbSG.ID || r.str("cidrIpv4") != "" ||
					r.num("fromPort") != port || r.num("toPort") != port || r.str("ipProtocol") != "tcp" {
					t.Errorf("task ingress = %v, want tcp %v from the load balancer's group only", r.Inputs, port)
				}
			})
			t.Run("load balancer egress only to the tasks", func(t *testing.T) {
				rules := run.securityGroupRules(false, lbSG.ID)
				if len(rules) != 1 || rules[0].str("referencedSecurityGroupId") != task.ID || rules[0].num("fromPort") != port ||
					rules[0].num("toPort") != port {
					t.Errorf("load balancer egress = %v, want tcp %v to the tasks only", rules, port)
				}
			})
			t.Run("CKV_AWS_382 AVD-AWS-0104 task egress HTTPS only", func(t *testing.T) {
				rules := run.securityGroupRules(false, task.ID)
				if len(rules) == 0 {
					t.Fatal("tasks have no egress: they cannot pull their image")
				}
				for _, r := range rules {
					if r.str("ipProtocol") != "tcp" || r.num("fromPort") != 443 || r.num("toPort") != 443 {
						t.Errorf("task egress %s allows %s %v-%v, want tcp 443", r.Name, r.str("ipProtocol"), r.num("fromPort"), r.num("toPort"))
					}
					if egress == "vpcEndpoints" && worldOpen(r) {
						t.Errorf("task egress %s leaves the VPC in vpcEndpoints mode", r.Name)
					}
				}
			})
			t.Run("CKV_AWS_23 AVD-AWS-0099 AVD-AWS-0124 descriptions everywhere", func(t *testing.T) {
				for _, sg := range run.all(sgType) {
					if d := sg.str("description"); d == "" || d == "Managed by Pulumi" {
						t.Errorf("security group %s has description %q", sg.Name, d)
					}
				}
				for _, r := range append(run.all(ingressRuleType), run.all(egressRuleType)...) {
					if r.str("description") == "" {
						t.Errorf("rule %s has no description", r.Name)
					}
				}
			})
			t.Run("no inline rules beside standalone rules", func(t *testing.T) {
				for _, sg := range run.all(sgType) {
					for _, k := range []string{"ingress", "egress"} {
						if v := sg.prop(k); v.IsArray() && len(v.ArrayValue()) > 0 {
							t.Errorf("security group %s has inline %s rules", sg.Name, k)
						}
					}
				}
				for _, r := range append(run.all(ingressRuleType), run.all(egressRuleType)...) {
					if r.str("ipProtocol") == "-1" {
						t.Errorf("rule %s allows every protocol", r.Name)
					}
				}
			})
		})
	}
}

func TestNetworkControls(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	vpc := run.vpc(t)

	t.Run("EC2.2 CKV2_AWS_12 default security group has no rules", func(t *testing.T) {
		d := run.named(t, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg")
		if d.str("vpcId") != vpc.ID {
			t.Errorf("default security group of %q, want the stack's VPC %q", d.str("vpcId"), vpc.ID)
		}
		for _, k := range []string{"ingress", "egress"} {
			if v := d.prop(k); v.IsArray() && len(v.ArrayValue()) > 0 {
				t.Errorf("default security group has %s rules: %v", k, v)
			}
		}
	})
	t.Run("EC2.21 default NACL admits neither 22 nor 3389 from anywhere", func(t *testing.T) {
		nacl := run.named(t, defaultNACLType, "network-default-nacl")
		if got, want := nacl.str("defaultNetworkAclId"), vpc.output("defaultNetworkAclId"); got != want || got == "" {
			t.Errorf("default NACL id = %q, want the VPC's %q", got, want)
		}
		ingress := nacl.prop("ingress").ArrayValue()
		for i := range ingress {
			cidr := nacl.str("ingress", i, "cidrBlock")
			if nacl.str("ingress", i, "action") != "allow" || (cidr != "0.0.0.0/0" && nacl.str("ingress", i, "ipv6CidrBlock") != "::/0") {
				continue
			}
			proto := nacl.str("ingress", i, "protocol")
			from, to := nacl.num("ingress", i, "fromPort"), nacl.num("ingress", i, "toPort")
			for _, port := range []float64{22, 3389} {
				if proto == "-1" || proto == "all" || ((proto == "tcp" || proto == "6" || proto == "udp" || proto == "17") && from <= port && port <= to) {
					t.Errorf("NACL rule %v allows %s %v-%v from %s, which covers %v", nacl.num("ingress", i, "ruleNo"), proto, from, to, cidr, port)
				}
			}
		}
		if got, want := len(nacl.strs("subnetIds")), len(run.in("network", subnetType)); got != want {
			t.Errorf("default NACL covers %d subnets, want all %d", got, want)
		}
	})
	t.Run("EC2.15 CKV_AWS_130 no subnet assigns addresses on launch", func(t *testing.T) {
		for _, s := range run.all(subnetType) {
			for _, k := range []string{"mapPublicIpOnLaunch", "assignIpv6AddressOnCreation"} {
				if v, set := s.boolean(k); !set || v {
					t.Errorf("subnet %s %s = %v (set %v), want false", s.Name, k, v, set)
				}
			}
			if v, _ := s.boolean("ipv6Native"); v {
				t.Errorf("subnet %s is IPv6-only", s.Name)
			}
		}
	})
	t.Run("CKV_AWS_148 no default VPC", func(t *testing.T) {
		if n := len(run.all("aws:ec2/defaultVpc:DefaultVpc")); n != 0 {
			t.Errorf("%d default VPCs declared", n)
		}
	})
	t.Run("EC2.6 flow logs are a switch", func(t *testing.T) {
		if run.find(flowLogType, "network-flow-log") != nil {
			t.Error("flow logs by default; want them off (they cost per GB)")
		}
	})
}

func TestFlowLogs(t *testing.T) {
	t.Parallel()
	// EC2.6, CKV2_AWS_11: flow logs to their own log group, through a least-privilege role.
	run := mustRun(t, withConfig(map[string]string{"flowLogs": "true"}))
	fl := run.named(t, flowLogType, "network-flow-log")
	group := run.named(t, logGroupType, "network-flow-logs")
	if fl.str("vpcId") != run.vpc(t).ID || fl.str("trafficType") != "ALL" ||
		fl.str("logDestinationType") != "cloud-watch-logs" || fl.str("logDestination") != group.output("arn") {
		t.Errorf("flow log = %v, want ALL traffic of the VPC to its log group", fl.Inputs)
	}
	role := run.named(t, roleType, "network-flow-logs-role")
	if fl.str("iamRoleArn") != role.output("arn") {
		t.Errorf("flow log role = %q, want %q", fl.str("iamRoleArn"), role.output("arn"))
	}
	var trust policy
	jsonInput(t, role, "assumeRolePolicy", &trust)
	if got := trust.Statement[0].Principal["Service"]; got != "vpc-flow-logs.amazonaws.com" {
		t.Errorf("flow log role trusts %v", got)
	}
	for _, s := range rolePolicy(t, run, role).Statement {
		for _, r := range s.Resource {
			if r == "*" {
				t.Errorf("flow log policy statement %s allows every resource", s.Sid)
			}
		}
	}
}

// TestLogRetention: CKV_AWS_66. The stack's log groups keep their logs for the configured retention.
func TestLogRetention(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"logRetentionDays": "14", "flowLogs": "true"}))
	for _, name := range []string{"api-logs", "network-flow-logs"} {
		if g := run.named(t, logGroupType, name); g.num("retentionInDays") != 14 {
			t.Errorf("log group %s retention = %v, want 14", g.Name, g.num("retentionInDays"))
		}
	}
}

func TestRegistryControls(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	repo := run.named(t, repositoryType, "registry-repo")

	t.Run("ECR.1 CKV_AWS_163 scan on push", func(t *testing.T) {
		if v, _ := repo.boolean("imageScanningConfiguration", "scanOnPush"); !v {
			t.Error("scanOnPush is not true")
		}
	})
	t.Run("ECR.2 CKV_AWS_51 immutable tags", func(t *testing.T) {
		if got := repo.str("imageTagMutability"); got != "IMMUTABLE" {
			t.Errorf("imageTagMutability = %q, want IMMUTABLE", got)
		}
	})
	t.Run("ECR.3 lifecycle policy keeps rollback targets", func(t *testing.T) {
		lp := run.named(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "registry-lifecycle")
		if lp.str("repository") != repo.str("name") {
			t.Errorf("lifecycle policy on %q, want %q", lp.str("repository"), repo.str("name"))
		}
		var doc struct {
			Rules []struct {
				RulePriority int
				Selection    struct {
					TagStatus, CountType, CountUnit string
					CountNumber                     int
				}
				Action struct{ Type string }
			}
		}
		jsonInput(t, lp, "policy", &doc)
		if len(doc.Rules) != 2 {
			t.Fatalf("%d lifecycle rules, want 2", len(doc.Rules))
		}
		first, last := doc.Rules[0], doc.Rules[1]
		if first.RulePriority != 1 || first.Selection.TagStatus != "untagged" || first.Selection.CountType != "sinceImagePushed" ||
			first.Selection.CountUnit != "days" || first.Selection.CountNumber != 1 {
			t.Errorf("first rule = %+v, want untagged images expiring one day after push", first)
		}
		if last.RulePriority <= first.RulePriority || last.Selection.TagStatus != "any" ||
			last.Selection.CountType != "imageCountMoreThan" || last.Selection.CountNumber != 30 {
			t.Errorf("last rule = %+v, want tagStatus any keeping 30 images with the highest priority number", last)
		}
	})
	t.Run("CKV_AWS_32 no repository policy", func(t *testing.T) {
		if n := len(run.all("aws:ecr/repositoryPolicy:RepositoryPolicy")); n != 0 {
			t.Errorf("%d repository policies", n)
		}
	})
	t.Run("deterministic name and no force delete by default", func(t *testing.T) {
		if repo.str("name") != run.prefix() {
			t.Errorf("repository name = %q, want %s", repo.str("name"), run.prefix())
		}
		if v, set := repo.boolean("forceDelete"); !set || v {
			t.Errorf("forceDelete = %v (set %v), want false", v, set)
		}
	})
	dev := mustRun(t, withConfig(map[string]string{"forceDelete": "true"}))
	if v, _ := dev.named(t, repositoryType, "registry-repo").boolean("forceDelete"); !v {
		t.Error("forceDelete true is not applied")
	}
}

func TestIAMControls(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"flowLogs": "true"}))
	exec := run.named(t, roleType, "api-execution-role")
	task := run.named(t, roleType, "api-task-role")

	t.Run("CKV_AWS_60 CKV_AWS_61 trust only ECS tasks of this account", func(t *testing.T) {
		for _, role := range []*resourceRecord{exec, task} {
			var trust policy
			jsonInput(t, role, "assumeRolePolicy", &trust)
			if len(trust.Statement) != 1 {
				t.Fatalf("role %s trust has %d statements, want 1", role.Name, len(trust.Statement))
			}
			s := trust.Statement[0]
			if len(s.Principal) != 1 || s.Principal["Service"] != "ecs-tasks.amazonaws.com" {
				t.Errorf("role %s trusts %v, want ecs-tasks.amazonaws.com only", role.Name, s.Principal)
			}
			if got := s.Condition["StringEquals"]["aws:SourceAccount"]; got != testAccount {
				t.Errorf("role %s aws:SourceAccount = %v, want %s", role.Name, got, testAccount)
			}
		}
	})
	t.Run("IAM.1 IAM.21 CKV_AWS_63 CKV_AWS_355 no wildcard actions, * only where unavoidable", func(t *testing.T) {
		for _, rp := range run.all(rolePolicyType) {
			var p policy
			jsonInput(t, rp, "policy", &p)
			for _, s := range p.Statement {
				for _, a := range s.Action {
					if a == "*" || strings.HasSuffix(a, ":*") || strings.Contains(a, "*") {
						t.Errorf("policy %s allows wildcard action %s", rp.Name, a)
					}
				}
				if slices.Contains(s.Resource, "*") && !allUnscoped(s.Action) {
					t.Errorf("policy %s allows %v on every resource", rp.Name, s.Action)
				}
			}
		}
	})
	t.Run("execution role pulls from this repository and logs to this group", func(t *testing.T) {
		p := execPolicyOf(t, run)
		repo := run.named(t, repositoryType, "registry-repo").output("arn")
		if got := statement(t, p, "PullImage").Resource; !slices.Equal(got, []string{repo}) {
			t.Errorf("pull resources = %v, want only %s", got, repo)
		}
		group := run.named(t, logGroupType, "api-logs").output("arn")
		for _, r := range statement(t, p, "WriteLogs").Resource {
			if !strings.HasPrefix(r, group) {
				t.Errorf("execution role writes logs to %s, outside %s", r, group)
			}
		}
	})
	t.Run("CKV_AWS_249 task role has no permissions unless a resource grants them", func(t *testing.T) {
		none := mustRun(t, withAppResources(map[string]appResource{}))
		task := none.named(t, roleType, "api-task-role")
		for _, rp := range none.all(rolePolicyType) {
			if rp.str("role") == task.ID {
				t.Errorf("task role has policy %s", rp.Name)
			}
		}
		for _, a := range run.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
			t.Errorf("policy attachment %s; roles use inline least-privilege policies only", a.Name)
		}
	})
	t.Run("one way of attaching policies", func(t *testing.T) {
		for _, role := range run.all(roleType) {
			for _, k := range []string{"inlinePolicies", "managedPolicyArns"} {
				if v := role.prop(k); v.IsArray() && len(v.ArrayValue()) > 0 {
					t.Errorf("role %s sets %s", role.Name, k)
				}
			}
		}
	})
}
