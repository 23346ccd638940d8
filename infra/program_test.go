package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// TestEveryResourceUsesTheTaggedProvider: ECS.13/14/15 and the tagging baseline. Stack transforms
// do not run under mocks, so the test checks the mechanism: one explicit provider with default
// tags, and every resource and lookup goes through it.
func TestEveryResourceUsesTheTaggedProvider(t *testing.T) {
	t.Parallel()
	run, err := runStack(t, domainCloud(), withConfig(map[string]string{"flowLogs": "true", "egress": "vpcEndpoints",
		"domain": testDomain, "accessLogs": "true", "waf": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	p := run.named(t, providerType, "aws")
	if got := p.str("region"); got != testRegion {
		t.Errorf("provider region = %q, want aws:region %q", got, testRegion)
	}
	for key, want := range map[string]string{"project": run.project, "stack": testStack, "managed-by": "pulumi"} {
		if got := p.str("defaultTags", "tags", key); got != want {
			t.Errorf("default tag %s = %q, want %q", key, got, want)
		}
	}
	ref := p.URN + "::" + p.ID
	custom := 0
	for _, r := range run.records() {
		switch {
		case r.Type == providerType:
		case r.Custom:
			custom++
			if !strings.HasPrefix(r.Type, "aws:") {
				t.Errorf("%s %s is not an aws resource", r.Type, r.Name)
			}
			if r.Provider != ref {
				t.Errorf("%s %s uses provider %q, want %q", r.Type, r.Name, r.Provider, ref)
			}
		case r.Remote:
			if got := r.Providers["aws"]; got != ref {
				t.Errorf("%s %s passes aws provider %q to its children, want %q", r.Type, r.Name, got, ref)
			}
		default:
			if !strings.HasPrefix(r.Type, run.project+":index:") {
				t.Errorf("component %s has type token outside %s:index", r.Type, run.project)
			}
			if parent := run.byURN(r.Parent); parent != nil {
				t.Errorf("component %s is nested under %s", r.Name, parent.Name)
			}
		}
		if r.Type != providerType && r.Custom {
			parent := run.byURN(r.Parent)
			if parent == nil || parent.Custom {
				t.Errorf("%s %s is not parented to a component", r.Type, r.Name)
			}
		}
	}
	if custom < 40 {
		t.Errorf("only %d aws resources declared", custom)
	}
	for _, c := range run.calls {
		if c.Provider != ref {
			t.Errorf("lookup %s uses provider %q, want %q", c.Token, c.Provider, ref)
		}
	}
}

func TestOutputs(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	dns := run.alb(t).output("dnsName")
	want := map[string]string{
		"url":                 "http://" + dns,
		"loadBalancerDnsName": dns,
		"repositoryUrl":       repoURL(run),
		"clusterName":         run.cluster(t).output("name"),
		"serviceName":         run.service(t).output("name"),
		"logGroupName":        "/ecs/" + run.prefix(),
		"imageUri":            run.container(t)["image"].(string),
		"imageTag":            envOf(t, run.container(t))["APP_VERSION"],
		"dashboardUrl": "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1" +
			"#dashboards:name=" + run.prefix(),
		// Once the deployment watch passed.
		"taskDefinitionArn": run.taskDef(t).output("arn"),
	}
	if len(run.outputs) != len(want) {
		t.Errorf("outputs %v, want exactly %v", sortedKeys(run.outputs), sortedKeys(want))
	}
	for name, w := range want {
		got, ok := run.outputs[name]
		if !ok || !got.Known || got.Value != w || w == "" {
			t.Errorf("output %s = %+v, want %q", name, got, w)
		}
		if got.Secret {
			t.Errorf("output %s is secret", name)
		}
	}
}

// TestPreview: in preview every computed value is unknown; the program still declares the whole
// stack and runs no lookup that depends on an unknown. Only the outputs that follow from the
// config and the sources alone are known.
func TestPreview(t *testing.T) {
	t.Parallel()
	full := mustRun(t)
	preview := mustRun(t, asPreview())
	if got, want := len(preview.records()), len(full.records()); got != want {
		t.Errorf("preview declares %d resources, up declares %d", got, want)
	}
	knownBeforeDeploy := map[string]bool{"imageTag": true, "dashboardUrl": true}
	for name, out := range preview.outputs {
		if out.Known != knownBeforeDeploy[name] {
			t.Errorf("output %s known in preview = %v (%v); want %v", name, out.Known, out.Value, knownBeforeDeploy[name])
		}
	}
	if got, want := preview.outputs["imageTag"].Value, full.outputs["imageTag"].Value; got != want {
		t.Errorf("imageTag in preview = %v, want the tag up deploys, %v", got, want)
	}
}

// TestArchitectureConsistency: one setting drives both the build platform and the task's
// runtimePlatform, so an image never lands on the wrong CPU ("exec format error").
func TestArchitectureConsistency(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ platform, cpu string }{
		"arm64":  {"linux/arm64", "ARM64"},
		"x86_64": {"linux/amd64", "X86_64"},
	}
	for arch, want := range tests {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, withConfig(map[string]string{"architecture": arch}))
			if got := run.named(t, awsxImageType, "image-build").str("platform"); got != want.platform {
				t.Errorf("image platform = %q, want %q", got, want.platform)
			}
			if got := run.taskDef(t).str("runtimePlatform", "cpuArchitecture"); got != want.cpu {
				t.Errorf("task cpuArchitecture = %q, want %q", got, want.cpu)
			}
		})
	}
	if got := mustRun(t).taskDef(t).str("runtimePlatform", "cpuArchitecture"); got != "ARM64" {
		t.Errorf("default cpuArchitecture = %q, want ARM64 (Graviton)", got)
	}
}

// TestEgressModes: each egress mode's NAT gateways, endpoints and routes, and where the tasks run:
// in the private subnets without a public IP unless the mode is publicIp (ECS.2, CKV_AWS_333).
func TestEgressModes(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		zones         string
		nats          int
		publicIP      bool
		taskTier      string
		endpoints     []string
		privateRoutes int // private route tables with a default route
	}{
		"natPerAz two zones":   {"2", 2, false, "private", nil, 2},
		"natPerAz three zones": {"3", 3, false, "private", nil, 3},
		"natSingle":            {"3", 1, false, "private", nil, 3},
		"publicIp":             {"2", 0, true, "public", nil, 0},
		"vpcEndpoints":         {"2", 0, false, "private", []string{"ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager"}, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mode, _, _ := strings.Cut(name, " ")
			run := mustRun(t, withConfig(map[string]string{"egress": mode, "availabilityZones": tt.zones}))
			nats := run.in("network", natType)
			if len(nats) != tt.nats {
				t.Errorf("%d NAT gateways, want %d", len(nats), tt.nats)
			}
			if got := len(run.in("network", eipType)); got != tt.nats {
				t.Errorf("%d elastic IPs, want %d", got, tt.nats)
			}
			natSubnets := map[string]bool{}
			for _, n := range nats {
				natSubnets[n.str("subnetId")] = true
				if !slices.Contains(subnetIDs(run, "public"), n.str("subnetId")) {
					t.Errorf("NAT gateway %s is not in a public subnet", n.Name)
				}
			}
			if len(natSubnets) != tt.nats {
				t.Errorf("NAT gateways share subnets: %v", natSubnets)
			}
			svc := run.service(t)
			if got, _ := svc.boolean("networkConfiguration", "assignPublicIp"); got != tt.publicIP {
				t.Errorf("assignPublicIp = %v, want %v", got, tt.publicIP)
			}
			if got, want := svc.strs("networkConfiguration", "subnets"), subnetIDs(run, tt.taskTier); !slices.Equal(got, want) {
				t.Errorf("tasks run in %v, want the %s subnets %v", got, tt.taskTier, want)
			}
			var services []string
			for _, e := range run.in("network", endpointType) {
				services = append(services, strings.TrimPrefix(e.str("serviceName"), "com.amazonaws."+testRegion+"."))
				wantType := "Interface"
				if strings.HasSuffix(e.str("serviceName"), ".s3") {
					wantType = "Gateway"
				}
				if e.str("vpcEndpointType") != wantType {
					t.Errorf("endpoint %s type = %q, want %s", e.str("serviceName"), e.str("vpcEndpointType"), wantType)
				}
				if wantType == "Interface" {
					if v, _ := e.boolean("privateDnsEnabled"); !v {
						t.Errorf("endpoint %s has no private DNS", e.str("serviceName"))
					}
					if got, want := e.strs("subnetIds"), subnetIDs(run, "private"); !slices.Equal(got, want) {
						t.Errorf("endpoint %s in %v, want the private subnets", e.str("serviceName"), got)
					}
				}
			}
			slices.Sort(services)
			if !slices.Equal(services, tt.endpoints) {
				t.Errorf("endpoints %v, want %v", services, tt.endpoints)
			}
			routes := 0
			for _, r := range run.in("network", routeType) {
				if r.str("natGatewayId") != "" {
					routes++
				}
			}
			if routes != tt.privateRoutes {
				t.Errorf("%d private default routes through NAT, want %d", routes, tt.privateRoutes)
			}
		})
	}
}

// TestEndpointServiceNamesPerPartition: the endpoints use the service names the region offers,
// looked up by type. In the China Regions ECR's interface endpoints (and S3's interface one) are
// cn.com.amazonaws.<region>.<service>, while CloudWatch Logs, Secrets Manager and the S3 gateway
// keep com.amazonaws.<region>.<service>; a hard-coded com.amazonaws name fails CreateVpcEndpoint
// there (InvalidServiceName).
func TestEndpointServiceNamesPerPartition(t *testing.T) {
	t.Parallel()
	const region = "cn-north-1"
	china := []endpointService{
		{"cn.com.amazonaws." + region + ".ecr.api", "Interface"},
		{"cn.com.amazonaws." + region + ".ecr.dkr", "Interface"},
		{"com.amazonaws." + region + ".logs", "Interface"},
		{"com.amazonaws." + region + ".secretsmanager", "Interface"},
		{"cn.com.amazonaws." + region + ".s3", "Interface"},
		{"com.amazonaws." + region + ".s3", "Gateway"},
	}
	t.Run("china", func(t *testing.T) {
		t.Parallel()
		m := newMockCloud().on(getEndpointServiceToken, endpointServices(china...))
		run, err := runStack(t, m, withConfig(map[string]string{"aws:region": region, "egress": "vpcEndpoints"}))
		if err != nil {
			t.Fatalf("program failed: %v", err)
		}
		got := map[string]string{}
		for _, e := range run.in("network", endpointType) {
			got[strings.TrimPrefix(e.Name, "network-endpoint-")] = e.str("serviceName")
		}
		want := map[string]string{
			"ecr.api": "cn.com.amazonaws.cn-north-1.ecr.api", "ecr.dkr": "cn.com.amazonaws.cn-north-1.ecr.dkr",
			"logs": "com.amazonaws.cn-north-1.logs", "secretsmanager": "com.amazonaws.cn-north-1.secretsmanager",
			"s3": "com.amazonaws.cn-north-1.s3",
		}
		if !maps.Equal(got, want) {
			t.Errorf("endpoint services = %v, want %v", got, want)
		}
	})
	t.Run("service the region does not offer", func(t *testing.T) {
		t.Parallel()
		m := newMockCloud().on(getEndpointServiceToken, endpointServices(china[1:]...))
		_, err := runStack(t, m, withConfig(map[string]string{"aws:region": region, "egress": "vpcEndpoints"}))
		if err == nil || !strings.Contains(err.Error(), "look up the Interface endpoint service of ecr.api in cn-north-1") {
			t.Errorf("error = %v, want the failed ecr.api lookup", err)
		}
	})
}

func TestVpcEndpointsModeKeepsTrafficInside(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"egress": "vpcEndpoints"}))
	epSG := run.named(t, sgType, "network-endpoint-sg")
	rules := run.securityGroupRules(true, epSG.ID)
	if len(rules) != 1 || rules[0].str("referencedSecurityGroupId") != taskSG(t, run).ID || rules[0].num("fromPort") != 443 {
		t.Errorf("endpoint ingress = %v, want HTTPS from the tasks only", rules)
	}
	var cidr, prefixList bool
	for _, r := range run.securityGroupRules(false, taskSG(t, run).ID) {
		cidr = cidr || r.str("cidrIpv4") == "10.0.0.0/16"
		prefixList = prefixList || r.str("prefixListId") == "pl-63a5400a"
	}
	if !cidr || !prefixList {
		t.Errorf("task egress to the VPC %v and to S3's prefix list %v, want both", cidr, prefixList)
	}
	s3 := run.named(t, endpointType, "network-endpoint-s3")
	if got := len(s3.strs("routeTableIds")); got != 2 {
		t.Errorf("S3 gateway endpoint on %d route tables, want the 2 private ones", got)
	}
}

func TestSubnetLayout(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"availabilityZones": "3", "vpcCidr": "10.20.0.0/16"}))
	want := map[string]string{
		"network-public-0": "10.20.0.0/20", "network-public-1": "10.20.16.0/20", "network-public-2": "10.20.32.0/20",
		"network-private-0": "10.20.128.0/20", "network-private-1": "10.20.144.0/20", "network-private-2": "10.20.160.0/20",
	}
	zones := map[string]string{}
	for _, s := range run.in("network", subnetType) {
		if got := s.str("cidrBlock"); got != want[s.Name] {
			t.Errorf("subnet %s = %s, want %s", s.Name, got, want[s.Name])
		}
		zones[s.Name] = s.str("availabilityZone")
	}
	if len(zones) != 6 || zones["network-public-0"] != "us-east-1a" || zones["network-private-2"] != "us-east-1c" {
		t.Errorf("subnet zones = %v, want one public and one private subnet in each of the three zones", zones)
	}
	if got := subnetCIDR(netip.MustParsePrefix("192.168.10.0/23"), 9).String(); got != "192.168.11.32/27" {
		t.Errorf("smallest VPC slot 9 = %s, want 192.168.11.32/27", got)
	}
}

func TestTooFewAvailabilityZones(t *testing.T) {
	t.Parallel()
	m := newMockCloud().on("aws:index/getAvailabilityZones:getAvailabilityZones", availabilityZones("us-east-1a", "us-east-1b"))
	_, err := runStack(t, m, withConfig(map[string]string{"availabilityZones": "3"}))
	if err == nil || !strings.Contains(err.Error(), "availabilityZones asks for 3") {
		t.Errorf("error = %v, want one saying the region has too few zones", err)
	}
}

// TestRolloutBudget: the settings that make a rolling deploy take about a minute, not 6-9.
func TestRolloutBudget(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	tg := run.targetGroup(t)
	interval, timeout := tg.num("healthCheck", "interval"), tg.num("healthCheck", "timeout")
	type budget struct {
		name     string
		got      float64
		min, max float64
	}
	checks := []budget{
		{"health check interval", interval, 5, 10},
		{"health check timeout", timeout, 2, 4},
		{"healthy threshold", tg.num("healthCheck", "healthyThreshold"), 2, 2},
		{"unhealthy threshold", tg.num("healthCheck", "unhealthyThreshold"), 2, 3},
		{"deregistration delay", tg.num("deregistrationDelay"), 10, 15},
	}
	svc := run.service(t)
	checks = append(checks,
		budget{"grace period", svc.num("healthCheckGracePeriodSeconds"), 10, 60},
		budget{"minimum healthy percent", svc.num("deploymentMinimumHealthyPercent"), 100, 100},
		budget{"maximum percent", svc.num("deploymentMaximumPercent"), 200, 200},
	)
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s = %v, want %v-%v", c.name, c.got, c.min, c.max)
		}
	}
	if timeout >= interval {
		t.Errorf("health check timeout %v is not below the interval %v; AWS rejects it", timeout, interval)
	}
	enable, _ := svc.boolean("deploymentCircuitBreaker", "enable")
	rollback, _ := svc.boolean("deploymentCircuitBreaker", "rollback")
	if !enable || !rollback {
		t.Errorf("circuit breaker enable %v rollback %v, want both", enable, rollback)
	}
	// The program follows the deployment itself (rollback_test.go): the provider's wait would end
	// before the bake time, and wait 20 minutes on a failing first deployment.
	if v, set := svc.boolean("waitForSteadyState"); !set || v {
		t.Errorf("waitForSteadyState = %v (set %v), want false", v, set)
	}
	ready := map[string]bool{}
	for _, urn := range svc.DependsOn {
		if r := run.byURN(urn); r != nil {
			ready[r.Type] = true
		}
	}
	if !ready[listenerType] || !ready[listenerRuleType] {
		t.Errorf("service depends on %v, want the listener and its rules", ready)
	}
}

// TestPublicResourcesWaitForTheInternetPath: the internet-facing load balancer waits for the way
// from the internet in every variant: ELB refuses to create it in a VPC whose gateway is not
// attached yet ("InvalidSubnet: VPC ... has no internet gateway"), and it serves (or, when ipv6 is
// turned on, turns dual-stack and gets its AAAA record) only once the routes, the network ACL and
// its own rules from anywhere let clients in. The NAT gateways' elastic IPs wait for the gateway,
// and on destroy the gateway can only be detached once they are gone.
func TestPublicResourcesWaitForTheInternetPath(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		cfg  map[string]string
		path []string
	}{
		"default": {nil, []string{"network-igw", "network-public-default", "network-public-default-ipv6",
			"network-default-nacl", "web-ingress-http", "web-ingress-http-ipv6"}},
		"ipv4 only":     {map[string]string{"ipv6": "false"}, []string{"network-igw", "network-default-nacl", "web-ingress-http"}},
		"public ip":     {map[string]string{"egress": "publicIp"}, []string{"network-igw", "network-public-default"}},
		"vpc endpoints": {map[string]string{"egress": "vpcEndpoints", "accessLogs": "true"}, []string{"network-igw"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, withConfig(c.cfg))
			deps := run.alb(t).DependsOn
			for _, name := range c.path {
				i := slices.IndexFunc(run.records(), func(r *resourceRecord) bool { return r.Name == name })
				if i < 0 {
					t.Errorf("no resource %s", name)
				} else if !slices.Contains(deps, run.records()[i].URN) {
					t.Errorf("load balancer does not wait for %s: clients could reach it before they may", name)
				}
			}
			igw := run.named(t, igwType, "network-igw")
			for _, eip := range run.in("network", eipType) {
				if !slices.Contains(eip.DependsOn, igw.URN) {
					t.Errorf("elastic IP %s does not depend on the internet gateway", eip.Name)
				}
			}
		})
	}
}

func TestManyPathsSplitAcrossRules(t *testing.T) {
	t.Parallel()
	paths := []string{"/api/v1/*", "/healthz", "/docs/*", "/a", "/b", "/c", "/d"}
	b, _ := json.Marshal(paths)
	run := mustRun(t, withConfig(map[string]string{"paths": string(b)}))
	rules := run.in("web", listenerRuleType)
	slices.SortFunc(rules, func(a, b *resourceRecord) int { return int(a.num("priority") - b.num("priority")) })
	if len(rules) != 3 {
		t.Fatalf("%d rules for %d paths, want 3 (3 patterns per rule)", len(rules), len(paths))
	}
	var got []string
	for i, r := range rules {
		if r.num("priority") != float64(100+i) {
			t.Errorf("rule %d priority = %v, want %d", i, r.num("priority"), 100+i)
		}
		if problem := ruleLimitProblem(r); problem != "" {
			t.Errorf("rule %d: %s", i, problem)
		}
		got = append(got, r.strs("conditions", 0, "pathPattern", "values")...)
	}
	if !slices.Equal(got, paths) {
		t.Errorf("rules forward %v, want %v", got, paths)
	}
}

// ruleLimitProblem says which ALB listener-rule limit a rule breaks, or "" when it fits: at most
// 3 match values in one condition, 5 in all the rule's conditions, and 5 wildcards
// (CreateRule rejects the rule otherwise).
func ruleLimitProblem(r *resourceRecord) string {
	total, wildcards := 0, 0
	for i := range r.prop("conditions").ArrayValue() {
		for _, kind := range []string{"pathPattern", "hostHeader"} {
			values := r.strs("conditions", i, kind, "values")
			if len(values) > 3 {
				return fmt.Sprintf("%s condition has %d values; an ALB condition holds at most 3", kind, len(values))
			}
			total += len(values)
			for _, v := range values {
				wildcards += strings.Count(v, "*") + strings.Count(v, "?")
			}
		}
	}
	switch {
	case total > 5:
		return fmt.Sprintf("%d condition values; an ALB rule holds at most 5", total)
	case wildcards > 5:
		return fmt.Sprintf("%d wildcards; an ALB rule holds at most 5", wildcards)
	}
	return ""
}

func TestPathRuleGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		paths    []string
		reserved int
		want     string
	}{
		{[]string{"/*"}, 0, "[/*]"},
		{[]string{"/a", "/b", "/c", "/d", "/e", "/f"}, 0, "[/a /b /c] [/d /e /f]"},
		{[]string{"/a", "/b", "/c", "/d", "/e"}, 1, "[/a /b /c] [/d /e]"},
		{[]string{"/a", "/b", "/c", "/d", "/e"}, 3, "[/a /b] [/c /d] [/e]"},
		{[]string{"/a/*/*", "/b/*/*", "/c/*"}, 0, "[/a/*/* /b/*/* /c/*]"},
		{[]string{"/a/*/*/*", "/b/*/*", "/c/*"}, 0, "[/a/*/*/* /b/*/*] [/c/*]"},
		{[]string{"/a/*?", "/b*", "/c*", "/d*", "/e*"}, 0, "[/a/*? /b* /c*] [/d* /e*]"},
	}
	for _, tt := range tests {
		groups := pathRuleGroups(tt.paths, tt.reserved)
		if got := strings.Trim(fmt.Sprint(groups), "[]"); "["+got+"]" != tt.want {
			t.Errorf("pathRuleGroups(%v, %d) = %v, want %s", tt.paths, tt.reserved, groups, tt.want)
		}
		for _, g := range groups {
			wild := 0
			for _, p := range g {
				wild += strings.Count(p, "*") + strings.Count(p, "?")
			}
			if len(g) > 3 || len(g)+tt.reserved > 5 || wild > 5 {
				t.Errorf("group %v exceeds the ALB rule limits", g)
			}
		}
	}
}

// TestContainerEnvironment: the container gets the contract's variables and env, and nothing else
// when no AWS resource hands it more (TestGrantsReachTheService).
func TestContainerEnvironment(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withAppResources(map[string]appResource{}), withConfig(map[string]string{
		"containerPort": "9000",
		"vpcCidr":       "10.42.0.0/16",
		"env":           `{"FEATURE_X":"on","LOG_LEVEL":"debug"}`,
	}))
	c := run.container(t)
	env := envOf(t, c)
	want := map[string]string{
		"PORT":             "9000",
		"LOG_LEVEL":        "debug",
		"SHUTDOWN_TIMEOUT": contract.ShutdownTimeout.String(),
		"TRUSTED_PROXIES":  "10.42.0.0/16",
		"FEATURE_X":        "on",
		"APP_VERSION":      mustTag(t, run.root, "linux/arm64"),
		"SERVICE_NAME":     run.project,
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if len(env) != len(want) {
		t.Errorf("env = %v, want exactly %v", env, want)
	}
	if got := envOf(t, mustRun(t).container(t))["LOG_LEVEL"]; got != "info" {
		t.Errorf("default LOG_LEVEL = %q, want info", got)
	}
	// One value for the container, the target group and the service (the security groups open
	// the container's port: TestSecurityGroupControls).
	if got := fmt.Sprint(c["portMappings"]); !strings.Contains(got, "containerPort:9000 hostPort:9000") ||
		!strings.Contains(got, "protocol:tcp") || strings.Count(got, "containerPort") != 1 {
		t.Errorf("port mappings = %s, want one, tcp 9000 on both sides", got)
	}
	if got := run.targetGroup(t).num("port"); got != 9000 {
		t.Errorf("target group port = %v, want 9000", got)
	}
	if got := run.service(t).num("loadBalancers", 0, "containerPort"); got != 9000 {
		t.Errorf("service container port = %v, want 9000", got)
	}
}

func TestTaskSize(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"cpu": "1024", "memory": "3072"}))
	td := run.taskDef(t)
	if td.str("cpu") != "1024" || td.str("memory") != "3072" {
		t.Errorf("task size %s/%s, want 1024/3072", td.str("cpu"), td.str("memory"))
	}
	if got := td.str("family"); got != run.prefix() {
		t.Errorf("family = %q, want %s", got, run.prefix())
	}
}

func TestNamePrefix(t *testing.T) {
	t.Parallel()
	tests := map[[2]string]string{
		{"gin-fargate", "dev"}:                   "gin-fargate-dev",
		{"gin-fargate", "Prod_EU.1"}:             "gin-fargate-prod-eu-1",
		{"gin-fargate", "acme/team/dev"}:         "gin-fargate-acme-team-dev",
		{"gin-fargate", strings.Repeat("x", 60)}: "gin-fargate-" + strings.Repeat("x", 36),
	}
	for in, want := range tests {
		if got := namePrefix(in[0], in[1]); got != want {
			t.Errorf("namePrefix(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func TestRegionFromTheEnvironmentWhenNotConfigured(t *testing.T) {
	t.Parallel()
	m := newMockCloud()
	run, err := runStack(t, m, withConfig(map[string]string{"aws:region": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(run.invoked("aws:index/getRegion:getRegion")); got != 1 {
		t.Errorf("%d region lookups, want 1", got)
	}
	logs, _ := run.container(t)["logConfiguration"].(map[string]any)
	if got := logs["options"].(map[string]any)["awslogs-region"]; got != testRegion {
		t.Errorf("awslogs-region = %v, want the looked-up %s", got, testRegion)
	}
}
