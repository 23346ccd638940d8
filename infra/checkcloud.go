package main

import (
	"fmt"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// checkAccount is the account the offline check reports: a placeholder, AWS's documented example.
	checkAccount = "123456789012"
	// checkZoneID is the ID the offline check gives the domain's hosted zone.
	checkZoneID = "Z0CHECKHOSTEDZONE"
	// checkELBAccount is the account that delivers load balancer access logs in us-east-1.
	checkELBAccount = "127311923021"
)

// declared is one resource the program declared under the offline check.
type declared struct {
	Type, Name string
	// Custom is a resource a provider manages; Remote a component whose children a provider
	// declares (awsx), invisible offline; neither is one of the program's own components.
	Custom, Remote bool
	Parent         resource.URN
	Inputs         resource.PropertyMap
}

// offlineCloud is the Pulumi monitor `check` runs the program under: no engine, no provider, no
// AWS. It answers every lookup the way a reachable account would for a new stack (the zones of the
// region, an account, a registry without the image yet, the endpoint services asked for, the
// domain's hosted zone as present) and each resource with its inputs, as a preview shows a new
// stack, and it records what was declared.
type offlineCloud struct {
	region string

	mu      sync.Mutex
	records []declared
}

func newOfflineCloud(region string) *offlineCloud { return &offlineCloud{region: region} }

// NewResource implements pulumi.MockResourceMonitor: a resource's state is its inputs.
func (c *offlineCloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	d := declared{Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Inputs: args.Inputs}
	if rpc := args.RegisterRPC; rpc != nil {
		d.Parent, d.Remote = resource.URN(rpc.GetParent()), rpc.GetRemote()
	}
	c.mu.Lock()
	c.records = append(c.records, d)
	c.mu.Unlock()
	if !args.Custom {
		// A component registers its own outputs; a remote one's stay unknown, as in a preview.
		return "", resource.PropertyMap{}, nil
	}
	return args.Name + "-id", args.Inputs, nil
}

// Call implements pulumi.MockResourceMonitor: the lookups the program makes before it declares
// anything.
func (c *offlineCloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	answer := func(m map[string]any) (resource.PropertyMap, error) { return resource.NewPropertyMapFromMap(m), nil }
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return answer(map[string]any{"id": c.region, "name": c.region})
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return answer(map[string]any{"id": checkAccount, "accountId": checkAccount,
			"arn": "arn:aws:iam::" + checkAccount + ":user/check", "userId": "AIDACHECK"})
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		var names []any
		for _, suffix := range []string{"a", "b", "c"} {
			names = append(names, c.region+suffix)
		}
		return answer(map[string]any{"id": c.region, "names": names})
	case "aws:ecr/getImage:getImage":
		// The provider's words for a tag the repository does not hold: a new stack builds its image.
		return nil, fmt.Errorf("reading ECR Images: couldn't find resource")
	case getEndpointServiceToken:
		name := firstFilterValue(args.Args, "service-name")
		return answer(map[string]any{"id": name, "serviceName": name, "serviceType": args.Args["serviceType"].StringValue()})
	case "aws:elb/getServiceAccount:getServiceAccount":
		return answer(map[string]any{"id": checkELBAccount, "arn": "arn:aws:iam::" + checkELBAccount + ":root"})
	case "aws:route53/getZone:getZone":
		zone := map[string]any{"id": checkZoneID, "zoneId": checkZoneID, "privateZone": false}
		if name := args.Args["name"]; name.IsString() {
			zone["name"] = name.StringValue()
		}
		return answer(zone)
	}
	return nil, fmt.Errorf("%s has no offline answer", args.Token)
}

// getEndpointServiceToken is the lookup of a VPC endpoint service.
const getEndpointServiceToken = "aws:ec2/getVpcEndpointService:getVpcEndpointService"

// firstFilterValue is the first value of the named filter of a lookup.
func firstFilterValue(args resource.PropertyMap, name string) string {
	for _, f := range args["filters"].ArrayValue() {
		if f.ObjectValue()["name"].StringValue() == name {
			if values := f.ObjectValue()["values"].ArrayValue(); len(values) > 0 {
				return values[0].StringValue()
			}
		}
	}
	return ""
}

// declaredResources returns what the program declared, in order.
func (c *offlineCloud) declaredResources() []declared {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.records)
}
