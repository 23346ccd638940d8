package main

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// checkDeployedCIDR returns the VPC's IPv4 block as deployed, or an error when vpcCidr asks for
// another one. The VPC ignores changes of its block (a new block is a new VPC, which the load
// balancer, the internet gateway, the NAT addresses and the target group cannot follow), so the
// deployed block is what the VPC reports, and the way to another block is a new stack.
func checkDeployedCIDR(deployed string, configured netip.Prefix) (string, error) {
	if deployed == configured.String() {
		return deployed, nil
	}
	return "", fmt.Errorf("vpcCidr: %s is not the deployed VPC's block %s, and a live VPC cannot change its block "+
		"(a new VPC would strand the load balancer, the internet gateway, the NAT addresses and the target group in "+
		"the old one); nothing was changed. Either keep the deployed block: pulumi config set vpcCidr %s; or move "+
		"to the new block: create a new stack with vpcCidr %s beside this one, point DNS and clients at its url, "+
		"then pulumi destroy this stack", configured, deployed, deployed, configured)
}

// awaitCIDRCheck waits for the check of the VPC's block and returns its refusal, so a program
// that would move the VPC declares nothing after it, in a preview or an update. The block is
// unknown only in the preview of a VPC that does not exist yet, which has nothing to keep.
// Waiting needs the SDK's internals: the public Output API cannot tell an unknown value from one
// still to come, and would wait forever in such a preview.
func awaitCIDRCheck(ctx *pulumi.Context, checked pulumi.StringOutput) error {
	if _, err := internals.UnsafeAwaitOutput(ctx.Context(), checked); err != nil {
		return fmt.Errorf("check the VPC's block: %w", err)
	}
	return nil
}
