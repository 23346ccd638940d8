package main

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// TestDocumentedProfilesFitTheirSubnets: the defaults, the dev stack and the README's production
// profile leave room in every subnet.
func TestDocumentedProfilesFitTheirSubnets(t *testing.T) {
	t.Parallel()
	profiles := map[string]map[string]string{
		"defaults":           {},
		"Pulumi.dev.yaml":    stackFileConfig(t, "../Pulumi.dev.yaml"),
		"README's prod yaml": stackFileConfig(t, writeProductionProfile(t)),
	}
	for name, cfg := range profiles {
		if _, err := parseMap(t, cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestCapacityRefusesTooSmallSubnets: a maxCount whose deployment peak does not fit the subnets
// of vpcCidr is refused with the keys, the values and the limit.
func TestCapacityRefusesTooSmallSubnets(t *testing.T) {
	t.Parallel()
	_, err := parseMap(t, map[string]string{"vpcCidr": "10.0.0.0/23", "maxCount": "1000"})
	if err == nil {
		t.Fatal("a /23 VPC accepts 1000 tasks")
	}
	errs := configErrors(err)
	if len(errs) != 1 {
		t.Fatalf("%d errors, want 1: %v", len(errs), err)
	}
	for _, want := range []string{
		":maxCount: 1000 needs up to 1000 task addresses per zone during a deployment",
		"2000 tasks at deploymentMaximumPercent 200 over 2 zones, in the private subnets",
		"vpcCidr 10.0.0.0/23 over 2 zones gives /27 private subnets with 27 usable addresses",
		"use a larger vpcCidr",
		"or lower maxCount (at most 27 fits)",
	} {
		if !strings.Contains(errs[0].Error(), want) {
			t.Errorf("error %q does not say %q", errs[0], want)
		}
	}
}

// TestCapacityBoundaries: the largest maxCount that fits each layout passes, one more fails. A /23
// VPC has /27 subnets with 27 usable addresses; the load balancer takes 8 of a public subnet, the
// interface endpoints 4 of a private one; a deployment runs twice maxCount, spread over the zones.
func TestCapacityBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cidr, zones, egress string
		fits                      int
		tier                      string
	}{
		{"private subnets", "10.0.0.0/23", "2", "natPerAz", 27, "private"},
		{"private subnets, three zones", "10.0.0.0/23", "3", "natSingle", 40, "private"},
		{"beside the endpoints", "10.0.0.0/23", "2", "vpcEndpoints", 23, "private"},
		{"beside the load balancer", "10.0.0.0/23", "2", "publicIp", 19, "public"},
		{"beside the load balancer, three zones", "10.0.0.0/23", "3", "publicIp", 28, "public"},
		{"a /20", "10.0.0.0/20", "2", "natPerAz", 251, "private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := func(maxCount int) map[string]string {
				return map[string]string{"vpcCidr": tt.cidr, "availabilityZones": tt.zones, "egress": tt.egress,
					"maxCount": fmt.Sprint(maxCount)}
			}
			if _, err := parseMap(t, cfg(tt.fits)); err != nil {
				t.Errorf("maxCount %d does not fit: %v", tt.fits, err)
			}
			_, err := parseMap(t, cfg(tt.fits+1))
			if err == nil {
				t.Fatalf("maxCount %d fits, want it refused", tt.fits+1)
			}
			if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("maxCount: %d needs", tt.fits+1)) ||
				!strings.Contains(msg, tt.tier+" subnets with") || !strings.Contains(msg, fmt.Sprintf("at most %d fits", tt.fits)) {
				t.Errorf("error %q does not name maxCount %d, the %s subnets and the limit %d", msg, tt.fits+1, tt.tier, tt.fits)
			}
		})
	}
}

// TestSubnetLoads: what each tier's fullest subnet holds in each egress mode.
func TestSubnetLoads(t *testing.T) {
	t.Parallel()
	cidr := netip.MustParsePrefix("10.0.0.0/16")
	tests := map[egressMode][2]int{ // fixed addresses in the public and the private subnet
		egressNATPerAZ:     {9, 0},
		egressNATSingle:    {9, 0},
		egressPublicIP:     {8, 0},
		egressVPCEndpoints: {8, 4},
	}
	for mode, want := range tests {
		loads := subnetLoads(cidr, 3, mode, 10)
		if len(loads) != 2 || loads[0].tier != "public" || loads[1].tier != "private" {
			t.Fatalf("%s: loads %v, want public and private", mode, loads)
		}
		for i, l := range loads {
			if l.usable != 4091 || l.bits != 20 {
				t.Errorf("%s %s: /%d with %d usable, want /20 with 4091", mode, l.tier, l.bits, l.usable)
			}
			if got := l.fixedTotal(); got != want[i] {
				t.Errorf("%s %s: %d fixed addresses, want %d", mode, l.tier, got, want[i])
			}
		}
		taskTier := 1
		if mode == egressPublicIP {
			taskTier = 0
		}
		if got := loads[taskTier].tasks; got != 7 {
			t.Errorf("%s: %d task addresses per %s subnet, want 7 (10 tasks at 200%% over 3 zones)", mode, got, loads[taskTier].tier)
		}
		if got := loads[1-taskTier].tasks; got != 0 {
			t.Errorf("%s: %d task addresses in the %s subnets, want none", mode, got, loads[1-taskTier].tier)
		}
	}
}
