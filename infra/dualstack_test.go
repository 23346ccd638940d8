package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// Dual-stack: the load balancer answers over IPv4 and IPv6; the VPC has an Amazon-provided IPv6
// block, the public subnets a /64 each with a route to the internet gateway, whatever ipv6 says;
// tasks and private subnets stay IPv4 only.

const (
	vpcType         = "aws:ec2/vpc:Vpc"
	routeType       = "aws:ec2/route:Route"
	routeTableType  = "aws:ec2/routeTable:RouteTable"
	defaultNACLType = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
)

func TestDualStackByDefault(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"availabilityZones": "3"}))
	vpc := run.vpc(t)
	if v, _ := vpc.boolean("assignGeneratedIpv6CidrBlock"); !v {
		t.Error("VPC has no Amazon-provided IPv6 block")
	}
	block := netip.MustParsePrefix(testIPv6Block)

	t.Run("a /64 of the VPC's block per public subnet, none on private subnets", func(t *testing.T) {
		want := map[string]string{
			"network-public-0": "2600:1f18:4a3:6b00::/64",
			"network-public-1": "2600:1f18:4a3:6b01::/64",
			"network-public-2": "2600:1f18:4a3:6b02::/64",
		}
		seen := map[string]bool{}
		for _, s := range run.in("network", subnetType) {
			got := s.str("ipv6CidrBlock")
			if s.str("tags", "tier") == "private" {
				if got != "" {
					t.Errorf("private subnet %s has IPv6 block %s; tasks stay IPv4", s.Name, got)
				}
				continue
			}
			if got != want[s.Name] {
				t.Errorf("subnet %s IPv6 block = %q, want %q", s.Name, got, want[s.Name])
			}
			p, err := netip.ParsePrefix(got)
			if err != nil || p.Bits() != 64 || !block.Contains(p.Addr()) || seen[got] {
				t.Errorf("subnet %s IPv6 block %q is not a distinct /64 of %s", s.Name, got, block)
			}
			seen[got] = true
		}
		if len(seen) != 3 {
			t.Errorf("%d public subnets with IPv6, want 3", len(seen))
		}
	})
	t.Run("::/0 to the internet gateway from the public route table only", func(t *testing.T) {
		public := run.named(t, routeTableType, "network-public-rt")
		igw := run.named(t, igwType, "network-igw")
		var v6 []*resourceRecord
		for _, r := range run.in("network", routeType) {
			if r.str("destinationIpv6CidrBlock") != "" {
				v6 = append(v6, r)
			}
		}
		if len(v6) != 1 {
			t.Fatalf("%d IPv6 routes, want the public default route only", len(v6))
		}
		r := v6[0]
		if r.str("destinationIpv6CidrBlock") != "::/0" || r.str("routeTableId") != public.ID || r.str("gatewayId") != igw.ID {
			t.Errorf("IPv6 route %v, want ::/0 from the public route table to the internet gateway", r.Inputs)
		}
		if n := len(run.in("network", "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway")); n != 0 {
			t.Errorf("%d egress-only gateways; private subnets have no IPv6", n)
		}
	})
	t.Run("dual-stack load balancer", func(t *testing.T) {
		if got := run.alb(t).str("ipAddressType"); got != "dualstack" {
			t.Errorf("ipAddressType = %q, want dualstack", got)
		}
		lbSG := albSG(t, run)
		var v6 []*resourceRecord
		for _, r := range run.securityGroupRules(true, lbSG.ID) {
			if r.str("cidrIpv6") != "" {
				v6 = append(v6, r)
			}
		}
		if len(v6) != 1 || v6[0].str("cidrIpv6") != "::/0" || v6[0].num("fromPort") != 80 || v6[0].num("toPort") != 80 ||
			v6[0].str("ipProtocol") != "tcp" || !strings.Contains(v6[0].str("description"), "IPv6") {
			t.Errorf("IPv6 ingress = %v, want tcp 80 from ::/0, described", v6)
		}
	})
	t.Run("tasks stay IPv4", func(t *testing.T) {
		for _, r := range append(run.all(ingressRuleType), run.all(egressRuleType)...) {
			if r.str("securityGroupId") == taskSG(t, run).ID && r.str("cidrIpv6") != "" {
				t.Errorf("task rule %s uses IPv6", r.Name)
			}
		}
	})
}

// TestDefaultNACLOverIPv6: the ::/0 rules admit every TCP and UDP port but 22 and 3389 (EC2.21
// itself: TestNetworkControls) like the IPv4 ones, ICMPv6 is allowed, the stateless ACL lets
// answers out over IPv6, and the IPv4 rules keep their numbers.
func TestDefaultNACLOverIPv6(t *testing.T) {
	t.Parallel()
	type rule struct {
		no       float64
		proto    string
		from, to float64
	}
	rules := func(nacl *resourceRecord, dir, field string) []rule {
		var out []rule
		for i := range nacl.prop(dir).ArrayValue() {
			if nacl.str(dir, i, "action") != "allow" || nacl.str(dir, i, field) == "" {
				continue
			}
			if field == "cidrBlock" && nacl.str(dir, i, field) != "0.0.0.0/0" {
				continue
			}
			out = append(out, rule{nacl.num(dir, i, "ruleNo"), nacl.str(dir, i, "protocol"),
				nacl.num(dir, i, "fromPort"), nacl.num(dir, i, "toPort")})
		}
		return out
	}
	dual := run1(t, "true").named(t, defaultNACLType, "network-default-nacl")
	v4only := run1(t, "false").named(t, defaultNACLType, "network-default-nacl")

	v6 := rules(dual, "ingress", "ipv6CidrBlock")
	if len(v6) != 7 {
		t.Fatalf("%d ::/0 ingress rules, want TCP and UDP around 22 and 3389 plus ICMPv6: %v", len(v6), v6)
	}
	covered := map[string][]float64{}
	for _, r := range v6 {
		if r.proto == "tcp" || r.proto == "udp" {
			covered[r.proto] = append(covered[r.proto], r.from, r.to)
		}
	}
	for _, proto := range []string{"tcp", "udp"} {
		if got := covered[proto]; !slices.Equal(got, []float64{0, 21, 23, 3388, 3390, 65535}) {
			t.Errorf("%s ranges from ::/0 = %v, want 0-21, 23-3388, 3390-65535", proto, got)
		}
	}
	if !slices.ContainsFunc(v6, func(r rule) bool { return r.proto == "58" }) {
		t.Error("no ICMPv6 rule from ::/0: path MTU discovery breaks")
	}
	if egress := rules(dual, "egress", "ipv6CidrBlock"); len(egress) != 1 || egress[0].proto != "-1" {
		t.Errorf("IPv6 egress = %v, want allow all to ::/0 (network ACLs are stateless)", egress)
	}
	if got, want := rules(dual, "ingress", "cidrBlock"), rules(v4only, "ingress", "cidrBlock"); !slices.Equal(got, want) {
		t.Errorf("IPv4 rules change with IPv6 on:\n%v\nwant\n%v", got, want)
	}
	numbers := map[float64]bool{}
	for i := range dual.prop("ingress").ArrayValue() {
		no := dual.num("ingress", i, "ruleNo")
		if numbers[no] {
			t.Errorf("rule number %v used twice", no)
		}
		numbers[no] = true
	}
}

func run1(t *testing.T, ipv6 string) *stackRun {
	t.Helper()
	return mustRun(t, withConfig(map[string]string{"ipv6": ipv6}))
}

// TestIPv4Only: ipv6 false keeps the IPv6 blocks of the VPC and the public subnets and their
// route (a VPC cannot drop its block while subnets use it: InvalidCidrBlock.InUse), and exposes
// nothing over IPv6: an IPv4 load balancer, no ::/0 ingress, no ::/0 network ACL rules.
func TestIPv4Only(t *testing.T) {
	t.Parallel()
	run := run1(t, "false")
	if v, _ := run.vpc(t).boolean("assignGeneratedIpv6CidrBlock"); !v {
		t.Error("VPC without its IPv6 block: turning ipv6 off would fail with InvalidCidrBlock.InUse")
	}
	for _, s := range run.in("network", subnetType) {
		public := s.str("tags", "tier") == "public"
		if got := s.str("ipv6CidrBlock"); public != (got != "") {
			t.Errorf("%s subnet %s has IPv6 block %q; want one on the public subnets only", s.str("tags", "tier"), s.Name, got)
		}
	}
	if got := run.named(t, routeType, "network-public-default-ipv6").str("destinationIpv6CidrBlock"); got != "::/0" {
		t.Errorf("public IPv6 default route to %q, want ::/0", got)
	}
	if got := run.alb(t).str("ipAddressType"); got != "ipv4" {
		t.Errorf("ipAddressType = %q, want ipv4", got)
	}
	for _, r := range run.all(ingressRuleType) {
		if r.str("cidrIpv6") != "" {
			t.Errorf("rule %s admits %s", r.Name, r.str("cidrIpv6"))
		}
	}
	nacl := run.named(t, defaultNACLType, "network-default-nacl")
	for _, dir := range []string{"ingress", "egress"} {
		for i := range nacl.prop(dir).ArrayValue() {
			if nacl.str(dir, i, "ipv6CidrBlock") != "" {
				t.Errorf("NACL %s rule %v is IPv6", dir, nacl.num(dir, i, "ruleNo"))
			}
		}
	}
}

// TestIPv6ToggleKeepsTheNetwork: switching ipv6 either way changes no input of the VPC, its
// subnets or their routes, so neither direction replaces or re-addresses anything: the provider
// adds a VPC's generated block and a subnet's block in place (no ForceNew on
// assign_generated_ipv6_cidr_block or ipv6_cidr_block, terraform-provider-aws 5.x), which is how a
// stack deployed with the former ipv6 false layout gains them.
func TestIPv6ToggleKeepsTheNetwork(t *testing.T) {
	t.Parallel()
	on, off := run1(t, "true"), run1(t, "false")
	for _, typ := range []string{vpcType, subnetType, routeType, routeTableType} {
		a, b := on.in("network", typ), off.in("network", typ)
		if len(a) != len(b) {
			t.Errorf("%d %s with ipv6 on, %d with it off", len(a), typ, len(b))
			continue
		}
		for i := range a {
			if a[i].Name != b[i].Name || !a[i].Inputs.DeepEquals(b[i].Inputs) {
				t.Errorf("%s %s changes with ipv6:\n%v\n%v", typ, a[i].Name, a[i].Inputs, b[i].Inputs)
			}
		}
	}
}

func TestIPv6SubnetCIDR(t *testing.T) {
	t.Parallel()
	tests := []struct {
		block string
		index int
		want  string // "error" when it must fail
	}{
		{"2600:1f18:4a3:6b00::/56", 0, "2600:1f18:4a3:6b00::/64"},
		{"2600:1f18:4a3:6b00::/56", 2, "2600:1f18:4a3:6b02::/64"},
		{"2600:1f18:4a3:6b00::/56", 255, "2600:1f18:4a3:6bff::/64"},
		{"2600:1f18:4a3:6b00::/56", 256, "error"},
		{"2600:1f18:4a3:6b00::/56", -1, "error"},
		{"2600:1f18:4a3:6000::/52", 17, "2600:1f18:4a3:6011::/64"},
		{"2600:1f18:4a3:6b00::/52", 0, "2600:1f18:4a3:6000::/64"},
		{"2a05:d018:1:ff00::/56", 1, "2a05:d018:1:ff01::/64"},
		{"2600:1f18:4a3:6b00::/64", 0, "2600:1f18:4a3:6b00::/64"},
		{"2600:1f18:4a3:6b00::/64", 1, "error"},
		{"2600:1f18:4a3:6b00::/96", 0, "error"},
		{"10.0.0.0/16", 0, "error"},
		{"not a block", 0, "error"},
		{"", 0, "error"},
	}
	for _, tt := range tests {
		got, err := ipv6SubnetCIDR(tt.block, tt.index)
		if tt.want == "error" {
			if err == nil {
				t.Errorf("ipv6SubnetCIDR(%q, %d) = %q, want an error", tt.block, tt.index, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ipv6SubnetCIDR(%q, %d) = %q, %v; want %q", tt.block, tt.index, got, err, tt.want)
		}
	}
}

// TestDualStackPreview: in preview the VPC's IPv6 block is unknown; the program still declares
// every subnet, and each public subnet's block waits for the VPC's instead of taking a made-up value.
func TestDualStackPreview(t *testing.T) {
	t.Parallel()
	run := mustRun(t, asPreview())
	vpc := run.vpc(t)
	public := 0
	for _, s := range run.in("network", subnetType) {
		if v := s.prop("ipv6CidrBlock"); v.IsString() {
			t.Errorf("subnet %s IPv6 block in preview = %q, want unknown", s.Name, v.StringValue())
		}
		fromVPC := slices.Contains(s.PropertyDeps["ipv6CidrBlock"], vpc.URN)
		if tier := s.str("tags", "tier"); tier == "public" {
			public++
			if !fromVPC {
				t.Errorf("public subnet %s IPv6 block does not come from the VPC's: %v", s.Name, s.PropertyDeps["ipv6CidrBlock"])
			}
		} else if fromVPC {
			t.Errorf("private subnet %s takes an IPv6 block", s.Name)
		}
	}
	if public != 2 {
		t.Errorf("%d public subnets in preview, want 2", public)
	}
}
