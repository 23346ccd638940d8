package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	anywhereIPv4 = "0.0.0.0/0"
	anywhereIPv6 = "::/0"
	// icmpv6Protocol is ICMPv6's protocol number, as network ACLs name it.
	icmpv6Protocol = "58"
	httpsPort      = 443
	// The VPC CIDR is cut into 2^subnetSlotBits equal subnets: public subnets take slots 0-2,
	// private subnets 8-10, the rest stay free for later tiers.
	subnetSlotBits     = 4
	privateSlotOffset  = 8
	flowLogIntervalSec = 60
)

// interfaceEndpointServices are the AWS services tasks reach through interface endpoints in
// vpcEndpoints mode: image pulls (ecr.api, ecr.dkr), logs, and injected secrets.
var interfaceEndpointServices = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}

// Network is the VPC the service runs in: public and private subnets in each availability zone,
// the route to the internet, the egress path of the tasks, and the guard rails every VPC gets.
type Network struct {
	pulumi.ResourceState

	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// IPv6CIDR is the VPC's Amazon-provided IPv6 block, which it holds whether or not the load
	// balancer is dual-stack.
	IPv6CIDR         pulumi.StringOutput      `pulumi:"ipv6CidrBlock"`
	PublicSubnetIDs  pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// InternetPath is the way between the internet and a public address in the VPC: the internet
	// gateway, the public route table's default routes (IPv4 and IPv6) and the default network
	// ACL. An internet-facing load balancer waits for it, so it never serves, or turns
	// dual-stack, before its clients can reach it.
	InternetPath []pulumi.Resource
	// TaskSecurityGroupID holds the service's tasks. The network owns its egress rules (they
	// follow the egress mode); whoever sends traffic to the tasks adds the ingress rules.
	TaskSecurityGroupID pulumi.StringOutput `pulumi:"taskSecurityGroupId"`
	// TaskSubnetIDs are the subnets tasks run in and AssignPublicIP whether they get a public IP:
	// private subnets without one, unless the egress mode is publicIp.
	TaskSubnetIDs  pulumi.StringArrayOutput `pulumi:"taskSubnetIds"`
	AssignPublicIP bool
	// TaskEgressReady is what a task in the task subnets needs before it can pull its image and
	// reach CloudWatch Logs and Secrets Manager in the egress mode (taskEgressReady). A service
	// that starts tasks earlier sees them fail to pull their image.
	TaskEgressReady []pulumi.Resource

	vpc                           *ec2.Vpc
	publicSubnets, privateSubnets []*ec2.Subnet
	privateRouteTables            []*ec2.RouteTable
	taskSecurityGroup             *ec2.SecurityGroup
	// The paths out of the VPC, as they are declared: what taskEgressReady picks from.
	egress egressPath
}

// egressPath is every resource on the way from a task to ECR, CloudWatch Logs and Secrets Manager.
type egressPath struct {
	// publicDefaultRoute is the public route table's IPv4 default route to the internet gateway and
	// publicAssociations tie the public subnets to that table: the path of a task with a public IP,
	// and of the NAT gateways.
	publicDefaultRoute *ec2.Route
	publicAssociations []pulumi.Resource
	natGateways        []pulumi.Resource
	// privateRoutes are the private route tables' default routes to the NAT gateways.
	privateRoutes       []pulumi.Resource
	privateAssociations []pulumi.Resource
	// endpointSecurityGroup and endpointIngress let the tasks reach the interface endpoints.
	endpointSecurityGroup *ec2.SecurityGroup
	endpointIngress       *vpc.SecurityGroupIngressRule
	endpoints             []pulumi.Resource
	// defaultNetworkACL holds every subnet; its rules admit the answers to the tasks' requests.
	defaultNetworkACL *ec2.DefaultNetworkAcl
	taskEgressRules   []pulumi.Resource
}

// taskEgressReady is what a task needs in an egress mode before it can pull its image and reach
// the AWS APIs: the task security group's egress rules and the default network ACL always; in
// publicIp mode the public subnets' associations and IPv4 default route; in the NAT modes the
// private subnets' associations and default routes, the NAT gateways and the public path they
// leave through; in vpcEndpoints mode the private subnets' associations, the endpoints, their
// security group and its ingress rule from the tasks.
func (p egressPath) taskEgressReady(mode egressMode) []pulumi.Resource {
	ready := append([]pulumi.Resource{p.defaultNetworkACL}, p.taskEgressRules...)
	public := append([]pulumi.Resource{p.publicDefaultRoute}, p.publicAssociations...)
	switch mode {
	case egressPublicIP:
		ready = append(ready, public...)
	case egressNATPerAZ, egressNATSingle:
		ready = append(ready, public...)
		ready = append(ready, p.natGateways...)
		ready = append(ready, p.privateRoutes...)
		ready = append(ready, p.privateAssociations...)
	case egressVPCEndpoints:
		ready = append(ready, p.privateAssociations...)
		ready = append(ready, p.endpointSecurityGroup, p.endpointIngress)
		ready = append(ready, p.endpoints...)
	}
	return ready
}

// NetworkArgs configures a Network.
type NetworkArgs struct {
	// NamePrefix starts every Name tag, e.g. "gin-fargate-dev".
	NamePrefix        string
	CIDR              netip.Prefix
	AvailabilityZones []string
	Egress            egressMode
	Region            string
	Account           string
	FlowLogs          bool
	LogRetentionDays  int
	// IPv6 opens the default network ACL to ::/0 for a dual-stack load balancer. The VPC holds an
	// Amazon-provided IPv6 block and each public subnet a /64 of it, routed to the internet
	// gateway, whatever IPv6 says (see NewNetwork). Tasks and private subnets stay IPv4.
	IPv6 bool
}

// NewNetwork declares the VPC and everything in it.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	n := &Network{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Network"), name, n, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(n)
	nameTag := func(suffix string) pulumi.StringMap {
		return pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-" + suffix)}
	}

	// The IPv6 block is always there (Amazon's is free): a VPC cannot give it up while subnets use
	// it (InvalidCidrBlock.InUse, hashicorp/terraform-provider-aws#39854), so the ipv6 key only
	// switches what faces the internet over IPv6. The provider updates both this and the subnets'
	// blocks in place, so a stack deployed without IPv6 gains them without replacement.
	//
	// A VPC's IPv4 block cannot change in place: a new one means a new VPC, and the load
	// balancer, the internet gateway, the NAT addresses and the target group cannot follow it
	// (the load balancer is updated, not replaced, onto subnets of the new VPC:
	// hashicorp/terraform-provider-aws#18317, pulumi/pulumi-aws#1382). So the provider never sees a
	// change of it; checkDeployedCIDR refuses one instead.
	v, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:                    pulumi.String(args.CIDR.String()),
		AssignGeneratedIpv6CidrBlock: pulumi.Bool(true),
		EnableDnsSupport:             pulumi.Bool(true),
		EnableDnsHostnames:           pulumi.Bool(true),
		Tags:                         nameTag("vpc"),
	}, parent, pulumi.IgnoreChanges([]string{"cidrBlock"}))
	if err != nil {
		return nil, fmt.Errorf("create vpc: %w", err)
	}
	n.vpc, n.VpcID, n.IPv6CIDR = v, v.ID().ToStringOutput(), v.Ipv6CidrBlock
	checked := v.CidrBlock.ApplyT(func(deployed string) (string, error) {
		return checkDeployedCIDR(deployed, args.CIDR)
	}).(pulumi.StringOutput)
	if err := awaitCIDRCheck(ctx, checked); err != nil {
		return nil, err
	}

	if err := n.lockDownDefaults(ctx, name, args, parent); err != nil {
		return nil, err
	}
	igw, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
		VpcId: v.ID(),
		Tags:  nameTag("igw"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create internet gateway: %w", err)
	}
	if err := n.addSubnets(ctx, name, args, igw, parent); err != nil {
		return nil, err
	}
	if err := n.addNATGateways(ctx, name, args, igw, parent); err != nil {
		return nil, err
	}
	if err := n.addDefaultNetworkACL(ctx, name, args, parent); err != nil {
		return nil, err
	}

	taskSG, err := ec2.NewSecurityGroup(ctx, name+"-task-sg", &ec2.SecurityGroupArgs{
		VpcId:               v.ID(),
		Description:         pulumi.String("ECS tasks: ingress only from the load balancer, egress per the egress mode"),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                nameTag("tasks"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create task security group: %w", err)
	}
	n.taskSecurityGroup, n.TaskSecurityGroupID = taskSG, taskSG.ID().ToStringOutput()
	if err := n.addTaskEgress(ctx, name, args, parent); err != nil {
		return nil, err
	}
	if args.FlowLogs {
		if err := n.addFlowLogs(ctx, name, args, parent); err != nil {
			return nil, err
		}
	}

	n.AssignPublicIP = args.Egress == egressPublicIP
	n.TaskSubnetIDs = n.PrivateSubnetIDs
	if n.AssignPublicIP {
		n.TaskSubnetIDs = n.PublicSubnetIDs
	}
	n.TaskEgressReady = n.egress.taskEgressReady(args.Egress)
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":               n.VpcID,
		"ipv6CidrBlock":       n.IPv6CIDR,
		"publicSubnetIds":     n.PublicSubnetIDs,
		"privateSubnetIds":    n.PrivateSubnetIDs,
		"taskSecurityGroupId": n.TaskSecurityGroupID,
		"taskSubnetIds":       n.TaskSubnetIDs,
	}); err != nil {
		return nil, err
	}
	return n, nil
}

// subnetCIDR returns slot index of the VPC CIDR cut into 2^subnetSlotBits equal subnets. A
// subnet's slot depends on its tier and zone index only (public i, private privateSlotOffset+i),
// never on how many zones there are, so adding a zone leaves the others' subnets in place.
func subnetCIDR(vpcCIDR netip.Prefix, index int) netip.Prefix {
	bits := vpcCIDR.Bits() + subnetSlotBits
	base := vpcCIDR.Masked().Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n += uint32(index) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return netip.PrefixFrom(addr, bits)
}

// ipv6SubnetCIDR returns the index-th /64 of a VPC's IPv6 block.
func ipv6SubnetCIDR(vpcBlock string, index int) (string, error) {
	p, err := netip.ParsePrefix(vpcBlock)
	if err != nil || !p.Addr().Is6() || p.Bits() > 64 {
		return "", fmt.Errorf("derive subnet ipv6 block: %q is not an IPv6 block of /64 or larger", vpcBlock)
	}
	if index < 0 || uint64(index) >= uint64(1)<<(64-p.Bits()) {
		return "", fmt.Errorf("derive subnet ipv6 block: %s has no /64 number %d", vpcBlock, index)
	}
	b := p.Masked().Addr().As16()
	hi := binary.BigEndian.Uint64(b[:8]) + uint64(index)
	binary.BigEndian.PutUint64(b[:8], hi)
	return netip.PrefixFrom(netip.AddrFrom16(b), 64).String(), nil
}

// addSubnets declares a public and a private subnet per availability zone, each with the slot of
// the VPC's block that its tier and zone index give. No subnet assigns public IPs on
// launch (Security Hub EC2.15), IPv4 or IPv6: the ALB does not need it, and tasks that need one in
// publicIp mode get it from the service's network configuration. Each public subnet gets the /64
// of the VPC's IPv6 block with its slot number, and the public route table a default IPv6 route to
// the internet gateway, so the load balancer can turn dual-stack without a subnet changing.
func (n *Network) addSubnets(ctx *pulumi.Context, name string, args *NetworkArgs, igw *ec2.InternetGateway,
	parent pulumi.ResourceOption,
) error {
	public, err := ec2.NewRouteTable(ctx, name+"-public-rt", &ec2.RouteTableArgs{
		VpcId: n.vpc.ID(),
		Tags:  pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-public")},
	}, parent)
	if err != nil {
		return fmt.Errorf("create public route table: %w", err)
	}
	publicDefault, err := ec2.NewRoute(ctx, name+"-public-default", &ec2.RouteArgs{
		RouteTableId:         public.ID(),
		DestinationCidrBlock: pulumi.String(anywhereIPv4),
		GatewayId:            igw.ID(),
	}, parent)
	if err != nil {
		return fmt.Errorf("create public default route: %w", err)
	}
	n.egress.publicDefaultRoute = publicDefault
	publicDefaultIPv6, err := ec2.NewRoute(ctx, name+"-public-default-ipv6", &ec2.RouteArgs{
		RouteTableId:             public.ID(),
		DestinationIpv6CidrBlock: pulumi.String(anywhereIPv6),
		GatewayId:                igw.ID(),
	}, parent)
	if err != nil {
		return fmt.Errorf("create public default ipv6 route: %w", err)
	}
	n.InternetPath = append(n.InternetPath, igw, publicDefault, publicDefaultIPv6)

	var publicIDs, privateIDs pulumi.StringArray
	for i, az := range args.AvailabilityZones {
		for _, tier := range []struct {
			kind string
			slot int
		}{{"public", i}, {"private", privateSlotOffset + i}} {
			slot := tier.slot
			subnetArgs := &ec2.SubnetArgs{
				VpcId:                       n.vpc.ID(),
				CidrBlock:                   pulumi.String(subnetCIDR(args.CIDR, slot).String()),
				AvailabilityZone:            pulumi.String(az),
				MapPublicIpOnLaunch:         pulumi.Bool(false),
				AssignIpv6AddressOnCreation: pulumi.Bool(false),
				Tags: pulumi.StringMap{
					"Name": pulumi.String(fmt.Sprintf("%s-%s-%s", args.NamePrefix, tier.kind, az)),
					"tier": pulumi.String(tier.kind),
				},
			}
			if tier.kind == "public" {
				subnetArgs.Ipv6CidrBlock = n.vpc.Ipv6CidrBlock.ApplyT(func(block string) (string, error) {
					return ipv6SubnetCIDR(block, slot)
				}).(pulumi.StringOutput)
			}
			subnet, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-%s-%d", name, tier.kind, i), subnetArgs, parent)
			if err != nil {
				return fmt.Errorf("create %s subnet in %s: %w", tier.kind, az, err)
			}
			routeTable := public
			if tier.kind == "private" {
				routeTable, err = ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-rt-%d", name, i), &ec2.RouteTableArgs{
					VpcId: n.vpc.ID(),
					Tags:  pulumi.StringMap{"Name": pulumi.String(fmt.Sprintf("%s-private-%s", args.NamePrefix, az))},
				}, parent)
				if err != nil {
					return fmt.Errorf("create private route table in %s: %w", az, err)
				}
				n.privateRouteTables = append(n.privateRouteTables, routeTable)
				n.privateSubnets = append(n.privateSubnets, subnet)
				privateIDs = append(privateIDs, subnet.ID())
			} else {
				n.publicSubnets = append(n.publicSubnets, subnet)
				publicIDs = append(publicIDs, subnet.ID())
			}
			rta, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-%s-rta-%d", name, tier.kind, i),
				&ec2.RouteTableAssociationArgs{SubnetId: subnet.ID(), RouteTableId: routeTable.ID()}, parent)
			if err != nil {
				return fmt.Errorf("associate %s subnet in %s: %w", tier.kind, az, err)
			}
			if tier.kind == "private" {
				n.egress.privateAssociations = append(n.egress.privateAssociations, rta)
			} else {
				n.egress.publicAssociations = append(n.egress.publicAssociations, rta)
			}
		}
	}
	n.PublicSubnetIDs = publicIDs.ToStringArrayOutput()
	n.PrivateSubnetIDs = privateIDs.ToStringArrayOutput()
	return nil
}

// natGatewayCount is how many NAT gateways the egress mode needs.
func natGatewayCount(mode egressMode, zones int) int {
	switch mode {
	case egressNATPerAZ:
		return zones
	case egressNATSingle:
		return 1
	}
	return 0
}

// addNATGateways gives the private subnets a route to the internet in the NAT modes: one NAT
// gateway per zone (a zone outage does not cut the others off) or a single shared one (cheaper).
func (n *Network) addNATGateways(ctx *pulumi.Context, name string, args *NetworkArgs, igw *ec2.InternetGateway,
	parent pulumi.ResourceOption,
) error {
	count := natGatewayCount(args.Egress, len(args.AvailabilityZones))
	var nats []*ec2.NatGateway
	for i := 0; i < count; i++ {
		az := args.AvailabilityZones[i]
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-eip-%d", name, i), &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   pulumi.StringMap{"Name": pulumi.String(fmt.Sprintf("%s-nat-%s", args.NamePrefix, az))},
		}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return fmt.Errorf("create nat elastic ip in %s: %w", az, err)
		}
		nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-nat-%d", name, i), &ec2.NatGatewayArgs{
			AllocationId:     eip.AllocationId,
			SubnetId:         n.publicSubnets[i].ID(),
			ConnectivityType: pulumi.String("public"),
			Tags:             pulumi.StringMap{"Name": pulumi.String(fmt.Sprintf("%s-nat-%s", args.NamePrefix, az))},
		}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return fmt.Errorf("create nat gateway in %s: %w", az, err)
		}
		nats = append(nats, nat)
		n.egress.natGateways = append(n.egress.natGateways, nat)
	}
	if count == 0 {
		return nil
	}
	for i, rt := range n.privateRouteTables {
		nat := nats[min(i, count-1)]
		route, err := ec2.NewRoute(ctx, fmt.Sprintf("%s-private-default-%d", name, i), &ec2.RouteArgs{
			RouteTableId:         rt.ID(),
			DestinationCidrBlock: pulumi.String(anywhereIPv4),
			NatGatewayId:         nat.ID(),
		}, parent)
		if err != nil {
			return fmt.Errorf("create private default route: %w", err)
		}
		n.egress.privateRoutes = append(n.egress.privateRoutes, route)
	}
	return nil
}

// lockDownDefaults takes over the VPC's default security group and removes all its rules, so
// nothing that falls back to it is reachable (Security Hub EC2.2, Checkov CKV2_AWS_12).
func (n *Network) lockDownDefaults(ctx *pulumi.Context, name string, args *NetworkArgs, parent pulumi.ResourceOption) error {
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: n.vpc.ID(),
		Tags:  pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-default-unused")},
	}, parent); err != nil {
		return fmt.Errorf("take over default security group: %w", err)
	}
	return nil
}

// naclRule is one numbered allow rule of a network ACL.
type naclRule struct {
	RuleNo           int
	Protocol         string
	CIDR             string
	FromPort, ToPort int
}

// defaultNACLIngress returns the default network ACL's ingress rules: everything from inside the
// VPC, and from each world CIDR (0.0.0.0/0, and ::/0 when dual-stack) every TCP and UDP port
// except 22 (SSH) and 3389 (RDP), carved into ranges (Security Hub EC2.21 is not satisfied by a
// deny rule in front of an allow-all), plus ICMP (ICMPv6 for IPv6) for path MTU discovery. Nothing
// in this stack listens on 22 or 3389; the ranges keep return traffic of outbound connections and
// the load balancer's listeners working. The IPv4 rules keep their numbers whether or not the IPv6
// rules follow them.
func defaultNACLIngress(vpcCIDR string, worldCIDRs []string) []naclRule {
	rules := []naclRule{{RuleNo: 100, Protocol: "-1", CIDR: vpcCIDR}}
	ranges := [][2]int{{0, 21}, {23, 3388}, {3390, 65535}}
	no := 110
	for _, world := range worldCIDRs {
		for _, proto := range []string{"tcp", "udp"} {
			for _, r := range ranges {
				rules = append(rules, naclRule{RuleNo: no, Protocol: proto, CIDR: world, FromPort: r[0], ToPort: r[1]})
				no += 10
			}
		}
		icmp := "icmp"
		if isIPv6CIDR(world) {
			icmp = icmpv6Protocol
		}
		rules = append(rules, naclRule{RuleNo: no, Protocol: icmp, CIDR: world, FromPort: -1, ToPort: -1})
		no += 10
	}
	return rules
}

// isIPv6CIDR reports whether a CIDR is an IPv6 one.
func isIPv6CIDR(cidr string) bool { return strings.Contains(cidr, ":") }

// worldCIDRs are the "anywhere" blocks of the network: IPv4, and IPv6 when dual-stack.
func worldCIDRs(ipv6 bool) []string {
	if ipv6 {
		return []string{anywhereIPv4, anywhereIPv6}
	}
	return []string{anywhereIPv4}
}

// addDefaultNetworkACL takes over the default network ACL, which every subnet here uses. Network
// ACLs are stateless, so egress allows everything to every world CIDR: the answers to what the
// ingress rules admit.
func (n *Network) addDefaultNetworkACL(ctx *pulumi.Context, name string, args *NetworkArgs, parent pulumi.ResourceOption) error {
	var ingress ec2.DefaultNetworkAclIngressArray
	for _, r := range defaultNACLIngress(args.CIDR.String(), worldCIDRs(args.IPv6)) {
		rule := &ec2.DefaultNetworkAclIngressArgs{
			RuleNo:   pulumi.Int(r.RuleNo),
			Action:   pulumi.String("allow"),
			Protocol: pulumi.String(r.Protocol),
			FromPort: pulumi.Int(r.FromPort),
			ToPort:   pulumi.Int(r.ToPort),
		}
		if isIPv6CIDR(r.CIDR) {
			rule.Ipv6CidrBlock = pulumi.String(r.CIDR)
		} else {
			rule.CidrBlock = pulumi.String(r.CIDR)
		}
		if r.Protocol == "icmp" || r.Protocol == icmpv6Protocol {
			rule.FromPort, rule.ToPort = pulumi.Int(0), pulumi.Int(0)
			rule.IcmpType, rule.IcmpCode = pulumi.Int(-1), pulumi.Int(-1)
		}
		if r.Protocol == "-1" {
			rule.FromPort, rule.ToPort = pulumi.Int(0), pulumi.Int(0)
		}
		ingress = append(ingress, rule)
	}
	var subnetIDs pulumi.StringArray
	for _, s := range append(append([]*ec2.Subnet{}, n.publicSubnets...), n.privateSubnets...) {
		subnetIDs = append(subnetIDs, s.ID())
	}
	var egress ec2.DefaultNetworkAclEgressArray
	for i, world := range worldCIDRs(args.IPv6) {
		rule := &ec2.DefaultNetworkAclEgressArgs{
			RuleNo: pulumi.Int(100 + i), Action: pulumi.String("allow"), Protocol: pulumi.String("-1"),
			FromPort: pulumi.Int(0), ToPort: pulumi.Int(0),
		}
		if isIPv6CIDR(world) {
			rule.Ipv6CidrBlock = pulumi.String(world)
		} else {
			rule.CidrBlock = pulumi.String(world)
		}
		egress = append(egress, rule)
	}
	nacl, err := ec2.NewDefaultNetworkAcl(ctx, name+"-default-nacl", &ec2.DefaultNetworkAclArgs{
		DefaultNetworkAclId: n.vpc.DefaultNetworkAclId,
		Ingress:             ingress,
		Egress:              egress,
		SubnetIds:           subnetIDs,
		Tags:                pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-default")},
	}, parent)
	if err != nil {
		return fmt.Errorf("take over default network acl: %w", err)
	}
	n.egress.defaultNetworkACL = nacl
	n.InternetPath = append(n.InternetPath, nacl)
	return nil
}

// addTaskEgress gives the tasks the narrowest egress their egress mode allows: HTTPS only. Through
// a NAT or internet gateway the AWS API addresses are not fixed, so that is HTTPS to anywhere; with
// VPC endpoints it is HTTPS to the VPC (the interface endpoints) and to S3's prefix list (image
// layers through the gateway endpoint), and nothing leaves the VPC (Checkov CKV_AWS_382, Trivy
// AVD-AWS-0104). DNS, the task metadata endpoint and NTP are not subject to security groups.
func (n *Network) addTaskEgress(ctx *pulumi.Context, name string, args *NetworkArgs, parent pulumi.ResourceOption) error {
	egress := func(suffix, description string, set func(*vpc.SecurityGroupEgressRuleArgs)) error {
		rule := &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: n.taskSecurityGroup.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(httpsPort),
			ToPort:          pulumi.Int(httpsPort),
			Description:     pulumi.String(description),
		}
		set(rule)
		r, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-task-egress-"+suffix, rule, parent)
		if err != nil {
			return fmt.Errorf("create task egress rule %s: %w", suffix, err)
		}
		n.egress.taskEgressRules = append(n.egress.taskEgressRules, r)
		return nil
	}
	if args.Egress != egressVPCEndpoints {
		how := "the NAT gateway"
		if args.Egress == egressPublicIP {
			how = "the internet gateway"
		}
		return egress("https", "HTTPS to AWS APIs (ECR, CloudWatch Logs, Secrets Manager) through "+how,
			func(r *vpc.SecurityGroupEgressRuleArgs) { r.CidrIpv4 = pulumi.String(anywhereIPv4) })
	}
	s3, err := n.addEndpoints(ctx, name, args, parent)
	if err != nil {
		return err
	}
	if err := egress("endpoints", "HTTPS to the VPC interface endpoints (ECR, CloudWatch Logs, Secrets Manager)",
		func(r *vpc.SecurityGroupEgressRuleArgs) { r.CidrIpv4 = pulumi.String(args.CIDR.String()) }); err != nil {
		return err
	}
	return egress("s3", "HTTPS to S3 through the gateway endpoint (ECR image layers)",
		func(r *vpc.SecurityGroupEgressRuleArgs) { r.PrefixListId = s3.PrefixListId })
}

// addEndpoints declares the interface endpoints tasks need without internet access, their
// security group (HTTPS from the tasks only), and the free S3 gateway endpoint on the private
// route tables (Security Hub EC2.55, EC2.56), which it returns.
func (n *Network) addEndpoints(ctx *pulumi.Context, name string, args *NetworkArgs, parent pulumi.ResourceOption,
) (*ec2.VpcEndpoint, error) {
	sg, err := ec2.NewSecurityGroup(ctx, name+"-endpoint-sg", &ec2.SecurityGroupArgs{
		VpcId:               n.vpc.ID(),
		Description:         pulumi.String("VPC interface endpoints: HTTPS from the ECS tasks only"),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-endpoints")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create endpoint security group: %w", err)
	}
	ingress, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-endpoint-ingress-tasks", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           sg.ID(),
		ReferencedSecurityGroupId: n.taskSecurityGroup.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(httpsPort),
		ToPort:                    pulumi.Int(httpsPort),
		Description:               pulumi.String("HTTPS from the ECS tasks"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create endpoint ingress rule: %w", err)
	}
	n.egress.endpointSecurityGroup, n.egress.endpointIngress = sg, ingress
	var privateIDs pulumi.StringArray
	for _, s := range n.privateSubnets {
		privateIDs = append(privateIDs, s.ID())
	}
	services := append([]string{}, interfaceEndpointServices...)
	sort.Strings(services)
	for _, svc := range services {
		serviceName, err := lookupEndpointService(ctx, args.Region, svc, "Interface", pulumi.Parent(n))
		if err != nil {
			return nil, err
		}
		ep, err := ec2.NewVpcEndpoint(ctx, name+"-endpoint-"+svc, &ec2.VpcEndpointArgs{
			VpcId:             n.vpc.ID(),
			ServiceName:       pulumi.String(serviceName),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         privateIDs,
			SecurityGroupIds:  pulumi.StringArray{sg.ID()},
			Tags:              pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-" + svc)},
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("create %s endpoint: %w", svc, err)
		}
		n.egress.endpoints = append(n.egress.endpoints, ep)
	}
	var routeTableIDs pulumi.StringArray
	for _, rt := range n.privateRouteTables {
		routeTableIDs = append(routeTableIDs, rt.ID())
	}
	s3Name, err := lookupEndpointService(ctx, args.Region, "s3", "Gateway", pulumi.Parent(n))
	if err != nil {
		return nil, err
	}
	s3, err := ec2.NewVpcEndpoint(ctx, name+"-endpoint-s3", &ec2.VpcEndpointArgs{
		VpcId:           n.vpc.ID(),
		ServiceName:     pulumi.String(s3Name),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   routeTableIDs,
		Tags:            pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-s3")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create s3 endpoint: %w", err)
	}
	n.egress.endpoints = append(n.egress.endpoints, s3)
	return s3, nil
}

// lookupEndpointService returns the name of an AWS service's VPC endpoint service of a type
// (Interface or Gateway) in the region. Most are com.amazonaws.<region>.<service>, but in the China
// Regions some (ECR's among them) are cn.com.amazonaws.<region>.<service>: the lookup finds the
// one the region offers, and a region that offers neither fails the preview, not the deploy.
func lookupEndpointService(ctx *pulumi.Context, region, service, endpointType string, opts ...pulumi.InvokeOption) (string, error) {
	res, err := ec2.LookupVpcEndpointService(ctx, &ec2.LookupVpcEndpointServiceArgs{
		ServiceType: pulumi.StringRef(endpointType),
		Filters: []ec2.GetVpcEndpointServiceFilter{{
			Name:   "service-name",
			Values: []string{"com.amazonaws." + region + "." + service, "cn.com.amazonaws." + region + "." + service},
		}},
	}, opts...)
	if err != nil {
		return "", fmt.Errorf("look up the %s endpoint service of %s in %s: %w", endpointType, service, region, err)
	}
	return res.ServiceName, nil
}

// addFlowLogs sends the VPC's flow logs to their own log group through a role that may write to
// that group only (Security Hub EC2.6).
func (n *Network) addFlowLogs(ctx *pulumi.Context, name string, args *NetworkArgs, parent pulumi.ResourceOption) error {
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/vpc/" + args.NamePrefix + "/flow-logs"),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, parent)
	if err != nil {
		return fmt.Errorf("create flow log group: %w", err)
	}
	partition := partitionForRegion(args.Region)
	role, err := newServiceRole(ctx, name+"-flow-logs-role", "Delivers the VPC flow logs to CloudWatch Logs",
		"vpc-flow-logs.amazonaws.com", args.Account,
		fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", partition, args.Region, args.Account), parent)
	if err != nil {
		return fmt.Errorf("create flow log role: %w", err)
	}
	policy := group.Arn.ApplyT(func(arn string) (string, error) {
		write := logWriteStatement(arn)
		write.Action = append(write.Action, "logs:DescribeLogStreams")
		return policyJSON(write, policyStatement{
			Sid:      "FindLogGroup",
			Effect:   "Allow",
			Action:   []string{"logs:DescribeLogGroups"},
			Resource: []string{fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", partition, args.Region, args.Account)},
		})
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-flow-logs-policy", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, parent); err != nil {
		return fmt.Errorf("create flow log policy: %w", err)
	}
	if _, err := ec2.NewFlowLog(ctx, name+"-flow-log", &ec2.FlowLogArgs{
		VpcId:                  n.vpc.ID(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(flowLogIntervalSec),
		Tags:                   pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-flow-log")},
	}, parent); err != nil {
		return fmt.Errorf("create flow log: %w", err)
	}
	return nil
}

// lookupAvailabilityZones returns the first count availability zones of the region that need no
// opt-in (no Local or Wavelength Zones), in name order so the layout is stable. It asks for zones
// in every state: a zone that is impaired, constrained or under maintenance for a while keeps its
// place, and its subnets stay where they are (a state filter would drop it, shift the zones after
// it, and replace their subnets in the middle of the incident).
func lookupAvailabilityZones(ctx *pulumi.Context, count int, opts ...pulumi.InvokeOption) ([]string, error) {
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		Filters: []aws.GetAvailabilityZonesFilter{
			{Name: "opt-in-status", Values: []string{"opt-in-not-required"}},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("look up availability zones: %w", err)
	}
	names := append([]string{}, res.Names...)
	sort.Strings(names)
	if len(names) < count {
		return nil, fmt.Errorf("look up availability zones: the region has %d (%v), availabilityZones asks for %d",
			len(names), names, count)
	}
	return names[:count], nil
}
