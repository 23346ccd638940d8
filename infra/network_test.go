package main

import (
	"slices"
	"strings"
	"testing"
)

// The network under changes of a live stack: zones that change state, a zone added, a changed
// vpcCidr, and what the service waits for in each egress mode.

const zonesToken = "aws:index/getAvailabilityZones:getAvailabilityZones"

// placement is where each subnet sits: its zone and its IPv4 block, by logical name.
type placement map[string][2]string

func subnetPlacement(run *stackRun) placement {
	out := placement{}
	for _, s := range run.in("network", subnetType) {
		out[s.Name] = [2]string{s.str("availabilityZone"), s.str("cidrBlock")}
	}
	return out
}

// usEast1 is a region as DescribeAvailabilityZones reports it, with the states of its first
// zones given: an opted-in Local Zone and a Wavelength Zone the account has not opted in to
// sort before and after the availability zones, and must never be used.
func usEast1(states ...string) []fakeAZ {
	zones := []fakeAZ{
		{Name: "us-east-1-bos-1a", ID: "use1-bos1-az1", State: "available", OptIn: "opted-in", Type: "local-zone"},
		{Name: "us-east-1-wl1-bos-wlz-1", ID: "use1-wl1-bos-wlz1", State: "available", OptIn: "not-opted-in", Type: "wavelength-zone"},
	}
	for i, name := range []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"} {
		state := "available"
		if i < len(states) {
			state = states[i]
		}
		zones = append(zones, fakeAZ{Name: name, ID: "use1-az" + string(rune('1'+i)), State: state,
			OptIn: "opt-in-not-required", Type: "availability-zone"})
	}
	return zones
}

func runInZones(t *testing.T, zones []fakeAZ, cfg map[string]string) *stackRun {
	t.Helper()
	run, err := runStack(t, newMockCloud().on(zonesToken, describeZones(zones...)), withConfig(cfg))
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return run
}

// TestSubnetsKeepTheirZonesWhateverTheZoneState: a used zone that turns impaired or constrained
// keeps its place, so no subnet moves (a move replaces the subnet, and the load balancer and the
// tasks in it, in the middle of the incident).
func TestSubnetsKeepTheirZonesWhateverTheZoneState(t *testing.T) {
	t.Parallel()
	cfg := map[string]string{"availabilityZones": "3"}
	healthy := subnetPlacement(runInZones(t, usEast1(), cfg))
	want := placement{
		"network-public-0": {"us-east-1a", "10.0.0.0/20"}, "network-private-0": {"us-east-1a", "10.0.128.0/20"},
		"network-public-1": {"us-east-1b", "10.0.16.0/20"}, "network-private-1": {"us-east-1b", "10.0.144.0/20"},
		"network-public-2": {"us-east-1c", "10.0.32.0/20"}, "network-private-2": {"us-east-1c", "10.0.160.0/20"},
	}
	for name, w := range want {
		if got := healthy[name]; got != w {
			t.Errorf("healthy region: subnet %s in %v, want %v", name, got, w)
		}
	}
	for _, states := range [][]string{{"available", "impaired", "constrained"}, {"information", "available", "unavailable"}} {
		t.Run(strings.Join(states, ","), func(t *testing.T) {
			t.Parallel()
			got := subnetPlacement(runInZones(t, usEast1(states...), cfg))
			for name, w := range want {
				if got[name] != w {
					t.Errorf("subnet %s moved to %v, want it kept in %v", name, got[name], w)
				}
			}
			if len(got) != len(want) {
				t.Errorf("subnets %v, want %d", got, len(want))
			}
		})
	}
}

// TestLookupAsksForEveryZoneState: the lookup sends no state (a zone leaves no gap while it is
// impaired) and excludes zones that need an opt-in (Local and Wavelength Zones).
func TestLookupAsksForEveryZoneState(t *testing.T) {
	t.Parallel()
	run := runInZones(t, usEast1(), nil)
	calls := run.invoked(zonesToken)
	if len(calls) != 1 {
		t.Fatalf("%d availability zone lookups, want 1", len(calls))
	}
	if v := calls[0].Args["state"]; v.IsString() && v.StringValue() != "" {
		t.Errorf("lookup asks for zones in state %q, want every state", v.StringValue())
	}
	for _, z := range subnetPlacement(run) {
		if !slices.Contains([]string{"us-east-1a", "us-east-1b"}, z[0]) {
			t.Errorf("subnet in %s, want the first two availability zones", z[0])
		}
	}
}

// TestAddingAZoneKeepsTheOthers: availabilityZones 2 -> 3 adds a subnet per tier in the third
// zone and leaves the first two zones' subnets (zone and block) as they are, even while a zone
// is impaired.
func TestAddingAZoneKeepsTheOthers(t *testing.T) {
	t.Parallel()
	zones := usEast1("available", "impaired")
	two := subnetPlacement(runInZones(t, zones, map[string]string{"availabilityZones": "2"}))
	three := subnetPlacement(runInZones(t, zones, map[string]string{"availabilityZones": "3"}))
	if len(two) != 4 || len(three) != 6 {
		t.Fatalf("%d and %d subnets, want 4 and 6", len(two), len(three))
	}
	for name, p := range two {
		if three[name] != p {
			t.Errorf("subnet %s moves from %v to %v when a zone is added", name, p, three[name])
		}
	}
	if got := three["network-public-2"]; got != [2]string{"us-east-1c", "10.0.32.0/20"} {
		t.Errorf("new public subnet %v, want us-east-1c 10.0.32.0/20", got)
	}
}

// TestVpcCIDRChangeRefused: a vpcCidr that differs from the deployed VPC's block fails the
// program, in a preview as in an update, with the deployed and the configured value and the two
// ways on, before any subnet (or anything after the VPC) is declared. The VPC itself never sees
// the change.
func TestVpcCIDRChangeRefused(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]runOption{
		"update":  nil,
		"preview": {asPreviewOfDeployedStack()},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMockCloud().reporting(vpcType, map[string]any{"cidrBlock": "10.0.0.0/16"})
			run, err := runStack(t, m, append(opts, withConfig(map[string]string{"vpcCidr": "10.1.0.0/16"}))...)
			if err == nil {
				t.Fatal("program accepts a new vpcCidr on a deployed VPC")
			}
			for _, want := range []string{
				"vpcCidr: 10.1.0.0/16 is not the deployed VPC's block 10.0.0.0/16",
				"pulumi config set vpcCidr 10.0.0.0/16",
				"create a new stack with vpcCidr 10.1.0.0/16",
				"point DNS and clients",
				"pulumi destroy",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if subnets := run.in("network", subnetType); len(subnets) != 0 {
				t.Errorf("%d subnets declared before the refusal", len(subnets))
			}
			if run.find(serviceType, "api-service") != nil || run.find(taskDefType, "api-task") != nil {
				t.Error("the service is declared despite the refusal")
			}
		})
	}
}

// TestVpcCIDRUnchanged: a deployed VPC whose block is vpcCidr deploys, and its subnets are cut
// from that block.
func TestVpcCIDRUnchanged(t *testing.T) {
	t.Parallel()
	m := newMockCloud().reporting(vpcType, map[string]any{"cidrBlock": "10.1.0.0/16"})
	run, err := runStack(t, m, asPreviewOfDeployedStack(), withConfig(map[string]string{"vpcCidr": "10.1.0.0/16"}))
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	vpc := run.vpc(t)
	if !slices.Contains(vpc.IgnoreChanges, "cidrBlock") {
		t.Errorf("VPC ignoreChanges = %v, want cidrBlock: the provider would replace the VPC", vpc.IgnoreChanges)
	}
	for _, s := range run.in("network", subnetType) {
		if !strings.HasPrefix(s.str("cidrBlock"), "10.1.") {
			t.Errorf("subnet %s block %s is outside 10.1.0.0/16", s.Name, s.str("cidrBlock"))
		}
	}
}

// TestTaskEgressReadiness: what the service waits for in each egress mode, by logical name:
// everything a task's image pull and API calls cross, and nothing else of the network.
func TestTaskEgressReadiness(t *testing.T) {
	t.Parallel()
	public := []string{"network-public-default", "network-public-rta-0", "network-public-rta-1"}
	private := []string{"network-private-rta-0", "network-private-rta-1"}
	natRoutes := []string{"network-private-default-0", "network-private-default-1"}
	always := []string{"network-default-nacl"}
	tests := map[string][]string{
		"natPerAz":  concat(always, []string{"network-task-egress-https", "network-nat-0", "network-nat-1"}, public, private, natRoutes),
		"natSingle": concat(always, []string{"network-task-egress-https", "network-nat-0"}, public, private, natRoutes),
		"publicIp":  concat(always, []string{"network-task-egress-https"}, public),
		"vpcEndpoints": concat(always, private, []string{
			"network-task-egress-endpoints", "network-task-egress-s3",
			"network-endpoint-sg", "network-endpoint-ingress-tasks",
			"network-endpoint-ecr.api", "network-endpoint-ecr.dkr", "network-endpoint-logs",
			"network-endpoint-secretsmanager", "network-endpoint-s3",
		}),
	}
	for mode, want := range tests {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, withConfig(map[string]string{"egress": mode}))
			got := waitsFor(t, run, "network")
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("service waits for\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// waitsFor returns the logical names of the resources of a component the service depends on
// explicitly (not through its inputs), sorted.
func waitsFor(t *testing.T, run *stackRun, component string) []string {
	t.Helper()
	svc := run.service(t)
	viaInputs := map[string]bool{}
	for _, urns := range svc.PropertyDeps {
		for _, u := range urns {
			viaInputs[u] = true
		}
	}
	var parent string
	for _, r := range run.records() {
		if !r.Custom && !r.Remote && r.Name == component {
			parent = r.URN
		}
	}
	var out []string
	for _, urn := range svc.DependsOn {
		if r := run.byURN(urn); r != nil && r.Parent == parent && !viaInputs[urn] {
			out = append(out, r.Name)
		}
	}
	slices.Sort(out)
	return out
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// networkResources returns the custom resources the network component declares, by type and
// logical name.
func networkResources(run *stackRun) map[string]*resourceRecord {
	out := map[string]*resourceRecord{}
	var parent string
	for _, r := range run.records() {
		if !r.Custom && !r.Remote && r.Name == "network" {
			parent = r.URN
		}
	}
	for _, r := range run.records() {
		if r.Custom && r.Parent == parent {
			out[r.Type+" "+r.Name] = r
		}
	}
	return out
}

// TestEgressChangeKeepsTheNetwork: moving between egress modes changes no input of the VPC, the
// subnets, the route tables and their associations, the internet gateway, the public routes or
// the default network ACL: the NAT gateways, private default routes, endpoints and task egress
// rules come and go around them (a private route moves to another NAT gateway in place).
func TestEgressChangeKeepsTheNetwork(t *testing.T) {
	t.Parallel()
	kept := []string{vpcType, subnetType, routeTableType, igwType, defaultNACLType,
		"aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
		"aws:ec2/securityGroup:SecurityGroup " + "network-task-sg"}
	core := func(run *stackRun) map[string]*resourceRecord {
		out := map[string]*resourceRecord{}
		for key, r := range networkResources(run) {
			for _, k := range kept {
				if strings.HasPrefix(key, k+" ") || key == k {
					out[key] = r
				}
			}
			if r.Type == routeType && strings.HasPrefix(r.Name, "network-public-") {
				out[key] = r
			}
		}
		return out
	}
	base := core(mustRun(t))
	for _, mode := range []string{"natSingle", "publicIp", "vpcEndpoints"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			other := core(mustRun(t, withConfig(map[string]string{"egress": mode})))
			if len(other) != len(base) {
				t.Errorf("%d core network resources, want %d", len(other), len(base))
			}
			for key, r := range base {
				if o := other[key]; o == nil || !o.Inputs.DeepEquals(r.Inputs) {
					t.Errorf("%s changes from natPerAz to %s", key, mode)
				}
			}
		})
	}
}

// TestFlowLogsToggleAddsOnlyTheFlowLog: flowLogs adds the flow log, its log group, role and
// policy, and changes nothing else of the network.
func TestFlowLogsToggleAddsOnlyTheFlowLog(t *testing.T) {
	t.Parallel()
	off, on := networkResources(mustRun(t)), networkResources(mustRun(t, withConfig(map[string]string{"flowLogs": "true"})))
	var added []string
	for key, r := range on {
		if o := off[key]; o == nil {
			added = append(added, r.Name)
		} else if !o.Inputs.DeepEquals(r.Inputs) {
			t.Errorf("%s changes with flowLogs", key)
		}
	}
	slices.Sort(added)
	if want := []string{"network-flow-log", "network-flow-logs", "network-flow-logs-policy", "network-flow-logs-role"}; !slices.Equal(added, want) {
		t.Errorf("flowLogs adds %v, want %v", added, want)
	}
	if len(on)-len(added) != len(off) {
		t.Errorf("flowLogs removes %d network resources", len(off)-(len(on)-len(added)))
	}
}
