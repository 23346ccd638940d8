package main

import "net/netip"

// Addresses in the subnets: what AWS reserves in each and what the stack puts there. Subnets
// cannot grow once they hold anything, so a layout that runs out of addresses is refused before
// anything is declared (validateCapacity), not found out by a deployment that cannot place its
// tasks.
const (
	// awsReservedPerSubnet are the addresses AWS keeps in every subnet: the network address, the
	// VPC router, DNS, one for future use and the broadcast address.
	awsReservedPerSubnet = 5
	// albAddressesPerSubnet is what an Application Load Balancer needs free in each of its
	// subnets (Elastic Load Balancing: "at least 8 free IP addresses").
	albAddressesPerSubnet = 8
	// natAddressesPerSubnet is the one network interface of a NAT gateway in its subnet.
	natAddressesPerSubnet = 1
)

// addressUse is what one kind of resource takes in a subnet.
type addressUse struct {
	what string
	n    int
}

// subnetLoad is the most that any subnet of a tier must hold, against what it has.
type subnetLoad struct {
	tier string
	// bits is the subnets' prefix length and usable the addresses AWS leaves in each.
	bits, usable int
	// fixed is what the stack's own resources take (load balancer, NAT gateway, endpoints).
	fixed []addressUse
	// tasks is the most task addresses one subnet needs during a deployment.
	tasks int
}

// fixedTotal is the addresses the stack's own resources take.
func (l subnetLoad) fixedTotal() int {
	total := 0
	for _, u := range l.fixed {
		total += u.n
	}
	return total
}

// fits reports whether the subnet holds its resources and its tasks.
func (l subnetLoad) fits() bool { return l.fixedTotal()+l.tasks <= l.usable }

// peakTasks is the most tasks a deployment runs at once: maxCount at deploymentMaximumPercent
// (ECS rounds down).
func peakTasks(maxCount int) int { return maxCount * deploymentMaximumPercent / 100 }

// tasksPerZone is the peak spread evenly over the zones, as ECS spreads a service's tasks.
func tasksPerZone(maxCount, zones int) int { return (peakTasks(maxCount) + zones - 1) / zones }

// subnetLoads returns the load of the public and of the private subnets of a VPC with this block
// over this many zones, in an egress mode, for a service of at most maxCount tasks. Every subnet
// of a tier has the same size (subnetCIDR); the load is that of its fullest one: the load
// balancer sits in every public subnet, a NAT gateway in each (natPerAz) or in the first
// (natSingle), an interface endpoint per service in each private subnet (vpcEndpoints), and the
// tasks in the private subnets, or beside the load balancer with egress publicIp.
func subnetLoads(vpc netip.Prefix, zones int, egress egressMode, maxCount int) []subnetLoad {
	bits := vpc.Bits() + subnetSlotBits
	usable := 1<<(32-bits) - awsReservedPerSubnet
	public := subnetLoad{tier: "public", bits: bits, usable: usable,
		fixed: []addressUse{{"the load balancer", albAddressesPerSubnet}}}
	private := subnetLoad{tier: "private", bits: bits, usable: usable}
	if natGatewayCount(egress, zones) > 0 {
		public.fixed = append(public.fixed, addressUse{"a NAT gateway", natAddressesPerSubnet})
	}
	if egress == egressVPCEndpoints {
		private.fixed = append(private.fixed, addressUse{"the interface endpoints", len(interfaceEndpointServices)})
	}
	if egress == egressPublicIP {
		public.tasks = tasksPerZone(maxCount, zones)
	} else {
		private.tasks = tasksPerZone(maxCount, zones)
	}
	return []subnetLoad{public, private}
}

// largestFittingMaxCount is the largest maxCount whose tasks still fit the subnet (0 if none).
func largestFittingMaxCount(l subnetLoad, zones, maxCount int) int {
	for m := maxCount; m > 0; m-- {
		if l.fixedTotal()+tasksPerZone(m, zones) <= l.usable {
			return m
		}
	}
	return 0
}
