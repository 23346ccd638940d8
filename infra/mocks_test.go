package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/infra/internal/ecsfake"
	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	testStack   = "test"
	testAccount = "123456789012"
	testRegion  = "us-east-1"
	// testDigest is the digest the mocked registry reports for an existing image.
	testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	// testIPv6Block is the IPv6 block the mocked VPC gets from Amazon's pool.
	testIPv6Block = "2600:1f18:4a3:6b00::/56"
	// testELBAccount is the us-east-1 Elastic Load Balancing account that delivers access logs.
	testELBAccount = "127311923021"
	// testALBZoneID is the canonical hosted zone of load balancers in us-east-1.
	testALBZoneID = "Z35SXDOTRQ7X7K"

	providerType = "pulumi:providers:aws"
)

// invokeFunc answers one invoke (a data-source lookup) of the program.
type invokeFunc func(args resource.PropertyMap) (resource.PropertyMap, error)

// resourceRecord is one registration the program made, with its inputs and options.
type resourceRecord struct {
	Type, Name, URN, ID string
	Custom, Remote      bool
	Inputs              resource.PropertyMap
	State               resource.PropertyMap // what the mock answered: inputs plus computed outputs
	Parent              string               // parent URN
	Provider            string               // provider reference, "URN::ID"
	Providers           map[string]string
	RetainOnDelete      bool
	DeleteBeforeReplace bool
	IgnoreChanges       []string
	DependsOn           []string            // URNs
	Aliases             []string            // the URNs the aliases resolve to
	PropertyDeps        map[string][]string // input key to the URNs its value came from
	Transforms          []pulumi.ResourceTransform
}

// invokeRecord is one invoke the program made.
type invokeRecord struct {
	Token    string
	Args     resource.PropertyMap
	Provider string
}

// mockCloud is a recording Pulumi mock: it answers registrations with plausible computed outputs
// per type token, answers invokes from a per-test table, and remembers everything for assertions.
// In preview mode every computed output is unknown, as in a real preview of a new stack.
type mockCloud struct {
	preview bool
	// project is the project's name, from Pulumi.yaml.
	project string

	mu        sync.Mutex
	invokes   map[string]invokeFunc
	resources []*resourceRecord
	calls     []invokeRecord
	// reported are outputs that resources of a type report whatever their inputs say, as a
	// deployed resource whose provider ignores changes of them does.
	reported map[string]map[string]any
}

// newMockCloud returns a mock with the default invokes: three availability zones, the test
// account and region, and a registry that does not hold the image yet.
func newMockCloud() *mockCloud {
	return &mockCloud{invokes: map[string]invokeFunc{
		"aws:index/getAvailabilityZones:getAvailabilityZones": availabilityZones("us-east-1a", "us-east-1b", "us-east-1c"),
		"aws:index/getCallerIdentity:getCallerIdentity": func(resource.PropertyMap) (resource.PropertyMap, error) {
			return resource.NewPropertyMapFromMap(map[string]any{
				"accountId": testAccount,
				"arn":       "arn:aws:iam::" + testAccount + ":user/deployer",
				"id":        testAccount,
				"userId":    "AIDAEXAMPLE",
			}), nil
		},
		"aws:index/getRegion:getRegion": func(resource.PropertyMap) (resource.PropertyMap, error) {
			return resource.NewPropertyMapFromMap(map[string]any{
				"name": testRegion, "id": testRegion, "description": "US East (N. Virginia)",
				"endpoint": "ec2.us-east-1.amazonaws.com",
			}), nil
		},
		"aws:ecr/getImage:getImage": imageMissing(),
		getEndpointServiceToken:     endpointServices(commercialEndpointServices(testRegion)...),
		"aws:elb/getServiceAccount:getServiceAccount": func(args resource.PropertyMap) (resource.PropertyMap, error) {
			return resource.NewPropertyMapFromMap(map[string]any{
				"id": testELBAccount, "arn": "arn:aws:iam::" + testELBAccount + ":root", "region": testRegion,
			}), nil
		},
	}}
}

// endpointService is a VPC endpoint service a region offers.
type endpointService struct{ Name, Type string }

// commercialEndpointServices are the endpoint services the program uses, as a commercial region
// names them (S3 is offered both as a gateway and as an interface endpoint, under one name).
func commercialEndpointServices(region string) []endpointService {
	var out []endpointService
	for _, s := range []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "s3"} {
		out = append(out, endpointService{"com.amazonaws." + region + "." + s, "Interface"})
	}
	return append(out, endpointService{"com.amazonaws." + region + ".s3", "Gateway"})
}

// endpointServices answers aws:ec2/getVpcEndpointService the way DescribeVpcEndpointServices
// filters: the offered services whose name is one of the service-name filter values and whose
// type is serviceType; exactly one match is an answer, none or several an error in the provider's words.
func endpointServices(offered ...endpointService) invokeFunc {
	return func(args resource.PropertyMap) (resource.PropertyMap, error) {
		var names []string
		for _, f := range args["filters"].ArrayValue() {
			if f.ObjectValue()["name"].StringValue() == "service-name" {
				for _, v := range f.ObjectValue()["values"].ArrayValue() {
					names = append(names, v.StringValue())
				}
			}
		}
		var found []endpointService
		for _, o := range offered {
			if slices.Contains(names, o.Name) && (!args["serviceType"].IsString() || args["serviceType"].StringValue() == o.Type) {
				found = append(found, o)
			}
		}
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("no matching EC2 VPC Endpoint Service found")
		case 1:
			return resource.NewPropertyMapFromMap(map[string]any{
				"id": found[0].Name, "serviceName": found[0].Name, "serviceType": found[0].Type,
			}), nil
		}
		return nil, fmt.Errorf("multiple EC2 VPC Endpoint Services matched; use additional constraints to reduce matches to a single EC2 VPC Endpoint Service")
	}
}

// on scripts the answer to an invoke token, replacing any default.
func (m *mockCloud) on(token string, f invokeFunc) *mockCloud {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.invokes[token] = f
	return m
}

// reporting makes every resource of a type report these outputs, whatever its inputs.
func (m *mockCloud) reporting(typ string, outputs map[string]any) *mockCloud {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reported == nil {
		m.reported = map[string]map[string]any{}
	}
	m.reported[typ] = outputs
	return m
}

// fakeAZ is a zone of the mocked region as DescribeAvailabilityZones reports it.
type fakeAZ struct {
	Name, ID string
	// State is available, information, impaired, unavailable or constrained.
	State string
	// OptIn is opt-in-not-required for availability zones, opted-in or not-opted-in for Local
	// and Wavelength Zones.
	OptIn string
	// Type is availability-zone, local-zone or wavelength-zone.
	Type string
}

// availabilityZones answers aws:index/getAvailabilityZones for a region whose zones are all
// available availability zones.
func availabilityZones(names ...string) invokeFunc {
	zones := make([]fakeAZ, len(names))
	for i, n := range names {
		zones[i] = fakeAZ{Name: n, ID: fmt.Sprintf("use1-az%d", i+1), State: "available",
			OptIn: "opt-in-not-required", Type: "availability-zone"}
	}
	return describeZones(zones...)
}

// describeZones answers aws:index/getAvailabilityZones as DescribeAvailabilityZones does: without
// allAvailabilityZones only zones that need no opt-in or are opted in, filtered by the state
// argument (sent as a state filter) and by the state, opt-in-status, zone-type and zone-name filters,
// in the order the region lists them.
func describeZones(zones ...fakeAZ) invokeFunc {
	return func(args resource.PropertyMap) (resource.PropertyMap, error) {
		filters := map[string][]string{}
		if v := args["state"]; v.IsString() && v.StringValue() != "" {
			filters["state"] = []string{v.StringValue()}
		}
		if v := args["filters"]; v.IsArray() {
			for _, f := range v.ArrayValue() {
				name := f.ObjectValue()["name"].StringValue()
				for _, value := range f.ObjectValue()["values"].ArrayValue() {
					filters[name] = append(filters[name], value.StringValue())
				}
			}
		}
		all := args["allAvailabilityZones"].IsBool() && args["allAvailabilityZones"].BoolValue()
		var names, ids []any
		for _, z := range zones {
			fields := map[string]string{"state": z.State, "opt-in-status": z.OptIn, "zone-type": z.Type, "zone-name": z.Name}
			keep := all || z.OptIn != "not-opted-in"
			for name, values := range filters {
				field, ok := fields[name]
				if !ok {
					return nil, fmt.Errorf("describe availability zones: the mock does not know filter %q", name)
				}
				keep = keep && slices.Contains(values, field)
			}
			if keep {
				names, ids = append(names, z.Name), append(ids, z.ID)
			}
		}
		return resource.NewPropertyMapFromMap(map[string]any{"names": names, "zoneIds": ids, "id": testRegion}), nil
	}
}

// imageFound answers aws:ecr/getImage with an existing image of the given digest.
func imageFound(digest string) invokeFunc {
	return func(args resource.PropertyMap) (resource.PropertyMap, error) {
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":             digest,
			"imageDigest":    digest,
			"imageTag":       args["imageTag"].StringValue(),
			"repositoryName": args["repositoryName"].StringValue(),
			"registryId":     testAccount,
			"imageTags":      []any{args["imageTag"].StringValue()},
		}), nil
	}
}

// imageMissing answers aws:ecr/getImage the way the provider reports a missing tag or a missing
// repository: its aws_ecr_image data source turns ECR's ImageNotFoundException and
// RepositoryNotFoundException into a not-found error that prints only "couldn't find resource".
func imageMissing() invokeFunc {
	return func(resource.PropertyMap) (resource.PropertyMap, error) {
		return nil, fmt.Errorf("invoking aws:ecr/getImage:getImage: 1 error occurred:\n\t* reading ECR Images: couldn't find resource\n\n")
	}
}

// imageMissingUnwrapped answers aws:ecr/getImage for a missing tag the way provider releases that
// wrap only RepositoryNotFoundException report it: with ECR's own error.
func imageMissingUnwrapped() invokeFunc {
	return func(args resource.PropertyMap) (resource.PropertyMap, error) {
		return nil, fmt.Errorf("invoking aws:ecr/getImage:getImage: 1 error occurred:\n\t* reading ECR Images: operation error ECR: "+
			"DescribeImages, https response error StatusCode: 400, RequestID: 5f1c0a3e-6b2d-4c1e-9a7f-2d3b4c5d6e7f, "+
			"ImageNotFoundException: The image with imageId {imageDigest:'null', imageTag:'%s'} does not exist within "+
			"the repository with name '%s' in the registry with id '%s'\n\n",
			args["imageTag"].StringValue(), args["repositoryName"].StringValue(), testAccount)
	}
}

// fakeZone is a Route 53 hosted zone in the mocked account.
type fakeZone struct {
	ID, Name string
	Private  bool
}

// route53Zones answers aws:route53/getZone from the given zones, by zoneId or by name and
// privateZone, and reports a missing zone in the provider's words.
func route53Zones(zones ...fakeZone) invokeFunc {
	return func(args resource.PropertyMap) (resource.PropertyMap, error) {
		found := func(z fakeZone) (resource.PropertyMap, error) {
			return resource.NewPropertyMapFromMap(map[string]any{
				"id": z.ID, "zoneId": z.ID, "name": z.Name, "privateZone": z.Private,
				"arn":         "arn:aws:route53:::hostedzone/" + z.ID,
				"nameServers": []any{"ns-1.awsdns-01.org", "ns-2.awsdns-02.net"},
			}), nil
		}
		if id := args["zoneId"]; id.IsString() && id.StringValue() != "" {
			for _, z := range zones {
				if z.ID == id.StringValue() {
					return found(z)
				}
			}
			// The provider wraps GetHostedZone's NoSuchHostedZone in a not-found error that prints only this.
			return nil, fmt.Errorf("couldn't find resource")
		}
		private := args["privateZone"].IsBool() && args["privateZone"].BoolValue()
		for _, z := range zones {
			if z.Name == strings.TrimSuffix(args["name"].StringValue(), ".") && z.Private == private {
				return found(z)
			}
		}
		return nil, fmt.Errorf("no matching Route 53 Hosted Zone found")
	}
}

// invokeFails answers an invoke with an arbitrary error.
func invokeFails(msg string) invokeFunc {
	return func(resource.PropertyMap) (resource.PropertyMap, error) { return nil, fmt.Errorf("%s", msg) }
}

// Call implements pulumi.MockResourceMonitor: invokes.
func (m *mockCloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, invokeRecord{Token: args.Token, Args: args.Args, Provider: args.Provider})
	f, ok := m.invokes[args.Token]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unexpected invoke %s", args.Token)
	}
	return f(args.Args)
}

// NewResource implements pulumi.MockResourceMonitor: registrations.
func (m *mockCloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	rec := &resourceRecord{
		Type:       args.TypeToken,
		Name:       args.Name,
		Custom:     args.Custom,
		Inputs:     args.Inputs,
		Provider:   args.Provider,
		Transforms: args.Transforms,
	}
	if rpc != nil {
		rec.Parent = rpc.GetParent()
		rec.Remote = rpc.GetRemote()
		rec.Providers = rpc.GetProviders()
		rec.RetainOnDelete = rpc.GetRetainOnDelete()
		rec.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		rec.IgnoreChanges = rpc.GetIgnoreChanges()
		rec.DependsOn = rpc.GetDependencies()
		rec.PropertyDeps = map[string][]string{}
		for k, deps := range rpc.GetPropertyDependencies() {
			rec.PropertyDeps[k] = deps.GetUrns()
		}
		for _, a := range rpc.GetAliases() {
			rec.Aliases = append(rec.Aliases, m.aliasURN(rec, a))
		}
	}
	rec.URN = string(newURN(testStack, m.project, rec.Parent, rec.Type, rec.Name))

	id, state := m.answer(rec)
	rec.ID, rec.State = id, state
	m.mu.Lock()
	m.resources = append(m.resources, rec)
	m.mu.Unlock()
	return id, state, nil
}

// newURN is the URN of a resource, as the engine forms it from its parent's.
func newURN(stack, project, parent, typ, name string) resource.URN {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType, tokens.Type(typ), name)
}

// aliasURN resolves an alias of a registration as the engine does: what a spec leaves out is the
// resource's own name, type, stack, project and parent.
func (m *mockCloud) aliasURN(rec *resourceRecord, a *pulumirpc.Alias) string {
	if urn := a.GetUrn(); urn != "" {
		return urn
	}
	spec := a.GetSpec()
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	parent := or(spec.GetParentUrn(), rec.Parent)
	if spec.GetNoParent() {
		parent = ""
	}
	return string(newURN(or(spec.GetStack(), testStack), or(spec.GetProject(), m.project), parent,
		or(spec.GetType(), rec.Type), or(spec.GetName(), rec.Name)))
}

// answer returns the ID and state for a registration: the inputs plus the outputs AWS computes.
// Remote components get only their outputs (echoing inputs breaks their output types), and local
// components nothing (they register their outputs themselves).
func (m *mockCloud) answer(r *resourceRecord) (string, resource.PropertyMap) {
	suffix := shortHash(r.Name)
	if !r.Custom {
		if r.Type == awsxImageType {
			repo := r.Inputs["repositoryUrl"]
			if m.preview || !repo.IsString() {
				return "", resource.PropertyMap{"imageUri": resource.MakeComputed(resource.NewStringProperty(""))}
			}
			tag := r.Inputs["imageTag"].StringValue()
			sum := sha256.Sum256([]byte(tag))
			return r.Name + "-id", resource.PropertyMap{
				"imageUri": resource.NewStringProperty(repo.StringValue() + "@sha256:" + hex.EncodeToString(sum[:])),
			}
		}
		return "", resource.PropertyMap{}
	}

	state := r.Inputs.Copy()
	name := mockName(r.Name)
	if v, ok := r.Inputs["name"]; ok && v.IsString() && v.StringValue() != "" {
		name = v.StringValue()
	}
	arn := mockARN
	id := r.Name + "-id"
	out := map[string]any{}
	switch r.Type {
	case providerType:
		return "provider-" + suffix, state
	case "aws:ec2/vpc:Vpc":
		id = "vpc-" + suffix
		out = map[string]any{"arn": arn("ec2", "vpc/"+id), "defaultNetworkAclId": "acl-" + suffix,
			"defaultSecurityGroupId": "sg-default-" + suffix, "mainRouteTableId": "rtb-main-" + suffix}
		if v := r.Inputs["assignGeneratedIpv6CidrBlock"]; v.IsBool() && v.BoolValue() {
			out["ipv6CidrBlock"], out["ipv6AssociationId"] = testIPv6Block, "vpc-cidr-assoc-"+suffix
		}
	case "aws:ec2/subnet:Subnet":
		id = "subnet-" + suffix
		out = map[string]any{"arn": arn("ec2", "subnet/"+id)}
	case "aws:ec2/securityGroup:SecurityGroup":
		id = "sg-" + suffix
		out = map[string]any{"arn": arn("ec2", "security-group/"+id), "name": name}
	case "aws:ec2/eip:Eip":
		id = "eipalloc-" + suffix
		out = map[string]any{"allocationId": id, "publicIp": "203.0.113.10"}
	case "aws:ec2/natGateway:NatGateway":
		id = "nat-" + suffix
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		id = "vpce-" + suffix
		out = map[string]any{"arn": arn("ec2", "vpc-endpoint/"+id), "prefixListId": "pl-63a5400a"}
	case "aws:lb/loadBalancer:LoadBalancer":
		id = arn("elasticloadbalancing", "loadbalancer/app/"+name+"/"+suffix)
		out = map[string]any{"arn": id, "arnSuffix": "app/" + name + "/" + suffix, "name": name,
			"dnsName": name + "-1234567890." + testRegion + ".elb.amazonaws.com", "zoneId": testALBZoneID}
	case "aws:lb/targetGroup:TargetGroup":
		id = arn("elasticloadbalancing", "targetgroup/"+name+"/"+suffix)
		out = map[string]any{"arn": id, "arnSuffix": "targetgroup/" + name + "/" + suffix, "name": name}
	case "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule":
		id = arn("elasticloadbalancing", "listener/app/"+r.Name+"/"+suffix)
		out = map[string]any{"arn": id}
	case "aws:ecr/repository:Repository":
		id = name
		out = map[string]any{"arn": arn("ecr", "repository/"+name), "name": name, "registryId": testAccount,
			"repositoryUrl": testAccount + ".dkr.ecr." + testRegion + ".amazonaws.com/" + name}
	case "aws:ecs/cluster:Cluster":
		id = arn("ecs", "cluster/"+name)
		out = map[string]any{"arn": id, "name": name}
	case "aws:ecs/service:Service":
		id = arn("ecs", "service/"+name)
		out = map[string]any{"name": name}
	case "aws:ecs/taskDefinition:TaskDefinition":
		family := r.Inputs["family"].StringValue()
		id = family
		out = map[string]any{"arn": mockTaskDefinitionARN(family, mockRevision), "revision": mockRevision,
			"arnWithoutRevision": arn("ecs", "task-definition/"+family)}
	case "aws:secretsmanager/secret:Secret":
		if prefix := r.Inputs["namePrefix"]; prefix.IsString() {
			name = prefix.StringValue() + "20260101000000000000000001"
		}
		id = arn("secretsmanager", "secret:"+name+"-"+suffix[:6])
		out = map[string]any{"arn": id, "name": name}
	case "aws:secretsmanager/secretVersion:SecretVersion":
		secretID := r.Inputs["secretId"]
		version := "version-" + suffix
		if secretID.IsString() {
			id = secretID.StringValue() + "|" + version
			out = map[string]any{"arn": secretID.StringValue(), "versionId": version}
		}
	case "aws:kms/key:Key":
		id = "key-" + suffix
		out = map[string]any{"arn": arn("kms", "key/"+id), "keyId": id}
	case "aws:sns/topic:Topic":
		id = arn("sns", name)
		out = map[string]any{"arn": id, "name": name}
	case "aws:sns/topicSubscription:TopicSubscription":
		out = map[string]any{"arn": arn("sns", "alarms-topic:"+suffix)}
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		id = name
		out = map[string]any{"arn": arn("cloudwatch", "alarm:"+name)}
	case "aws:cloudwatch/eventRule:EventRule":
		id = name
		out = map[string]any{"arn": arn("events", "rule/"+name), "name": name}
	case "aws:cloudwatch/dashboard:Dashboard":
		dashboard := r.Inputs["dashboardName"].StringValue()
		id = dashboard
		out = map[string]any{"dashboardArn": "arn:aws:cloudwatch::" + testAccount + ":dashboard/" + dashboard}
	case "aws:appautoscaling/target:Target":
		if v := r.Inputs["resourceId"]; v.IsString() {
			id = v.StringValue()
		}
		out = map[string]any{"arn": arn("application-autoscaling", "scalable-target/"+suffix)}
	case "aws:appautoscaling/policy:Policy":
		out = map[string]any{"arn": arn("autoscaling", "scalingPolicy:"+suffix+":resource/ecs/"+name), "alarmArns": []any{}}
	case "aws:cloudwatch/logGroup:LogGroup":
		id = name
		out = map[string]any{"arn": arn("logs", "log-group:"+name), "name": name}
	case "aws:acm/certificate:Certificate":
		id = arn("acm", "certificate/"+suffix+"-0000-4000-8000-000000000000")
		domain := r.str("domainName")
		out = map[string]any{"arn": id, "status": "PENDING_VALIDATION", "domainValidationOptions": []any{map[string]any{
			"domainName":          domain,
			"resourceRecordName":  "_3f2a" + suffix + "." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_9c1b" + suffix + ".zfyfvmchrl.acm-validations.aws.",
		}}}
	case "aws:acm/certificateValidation:CertificateValidation":
		id = r.str("certificateArn")
	case "aws:route53/record:Record":
		fqdn := strings.TrimSuffix(r.str("name"), ".")
		id = r.str("zoneId") + "_" + fqdn + "_" + r.str("type")
		out = map[string]any{"fqdn": fqdn}
	case "aws:s3/bucketV2:BucketV2":
		bucket := r.str("bucketPrefix") + "20260101000000000000000001"
		id = bucket
		out = map[string]any{"bucket": bucket, "arn": "arn:aws:s3:::" + bucket,
			"bucketDomainName": bucket + ".s3.amazonaws.com", "region": testRegion}
	case "aws:wafv2/webAcl:WebAcl":
		id = suffix + "-1111-4000-8000-000000000000"
		out = map[string]any{"arn": arn("wafv2", "regional/webacl/"+name+"/"+id), "capacity": 1200}
	case "aws:iam/role:Role":
		id = name
		out = map[string]any{"arn": "arn:aws:iam::" + testAccount + ":role/" + name, "name": name,
			"uniqueId": "AROA" + strings.ToUpper(suffix)}
	default:
		out = map[string]any{"arn": arn(strings.SplitN(strings.TrimPrefix(r.Type, "aws:"), "/", 2)[0], r.Name)}
	}
	for k, v := range resource.NewPropertyMapFromMap(out) {
		if m.preview {
			v = resource.MakeComputed(resource.NewStringProperty(""))
		}
		state[k] = v
	}
	m.mu.Lock()
	for k, v := range resource.NewPropertyMapFromMap(m.reported[r.Type]) {
		state[k] = v
	}
	m.mu.Unlock()
	if m.preview {
		return "", state
	}
	return id, state
}

// mockName is the name the mock gives a resource that declares none: its logical name and a suffix.
func mockName(logical string) string { return logical + "-" + shortHash(logical) }

// mockARN is the ARN of a resource of an AWS service in the test account and region.
func mockARN(service, rest string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, testRegion, testAccount, rest)
}

// mockRevision is the revision the mock registers the task definition as, as if the stack had
// deployed six before.
const mockRevision = 7

// mockTaskDefinitionARN is the ARN of a revision of a task definition family.
func mockTaskDefinitionARN(family string, revision int) string {
	return mockARN("ecs", fmt.Sprintf("task-definition/%s:%d", family, revision))
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:7]
}

// TestMain points the deployment watch of every run at a fake ECS endpoint that reports the
// service the mocks declare COMPLETED on the declared task definition, as after a deployment
// that held. The tests of the watch (rollback_test.go) point it at an endpoint of their own.
func TestMain(m *testing.M) {
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		fmt.Fprintf(os.Stderr, "load Pulumi.yaml: %v\n", err)
		os.Exit(1)
	}
	svc := mockedECS(proj.Name.String())
	fake := ecsfake.Start(ecsfake.Scenario{Steps: []ecsfake.Step{svc.step(svc.unchanged())}})
	for k, v := range fake.Env() {
		os.Setenv(k, v)
	}
	code := m.Run()
	fake.Close()
	os.Exit(code)
}

// defaultDeps are the program's dependencies in tests: the AWS resources the API uses as the
// program declares them, the wall clock, and a poll interval of a millisecond, so no test waits.
func defaultDeps() deps {
	return deps{resources: appResources(), clock: rollout.SystemClock{}, pollInterval: time.Millisecond}
}

// runOption changes how a test runs the program.
type runOption func(*runSettings)

type runSettings struct {
	config     map[string]string
	secretKeys []string
	dryRun     bool
	// deployed makes a preview see known outputs, as for a stack whose resources exist unchanged.
	deployed bool
	rootDir  string
	// resources replace the AWS resources the API uses, when set.
	resources map[string]appResource
}

// withConfig sets stack config; a key without a namespace belongs to the project.
func withConfig(kv map[string]string) runOption {
	return func(s *runSettings) {
		for k, v := range kv {
			s.config[k] = v
		}
	}
}

// withSecretConfig marks project keys as secret, as `pulumi config set --secret` does.
func withSecretConfig(keys ...string) runOption {
	return func(s *runSettings) { s.secretKeys = append(s.secretKeys, keys...) }
}

// asPreview runs the program as `pulumi preview` does on a new stack: every computed output is unknown.
func asPreview() runOption { return func(s *runSettings) { s.dryRun = true } }

// asPreviewOfDeployedStack runs the program as `pulumi preview` does on a deployed stack that
// nothing changes: the resources' outputs are known.
func asPreviewOfDeployedStack() runOption {
	return func(s *runSettings) { s.dryRun, s.deployed = true, true }
}

// withAppResources declares these AWS resources the API uses instead of appResources' (none
// when empty).
func withAppResources(resources map[string]appResource) runOption {
	return func(s *runSettings) { s.resources = resources }
}

// withSourceRoot hashes the image from dir instead of a fresh fixture.
func withSourceRoot(dir string) runOption { return func(s *runSettings) { s.rootDir = dir } }

// awaitedOutput is the resolved value of one stack output.
type awaitedOutput struct {
	Value  any
	Known  bool
	Secret bool
}

// stackRun is one run of the program under the mock.
type stackRun struct {
	*mockCloud
	outputs map[string]awaitedOutput
	root    string
}

// prefix is the name prefix of the stack's resources.
func (r *stackRun) prefix() string { return namePrefix(r.project, testStack) }

// runStack runs the program under m as the Pulumi CLI would with a stack file that sets
// aws:region and opts' config: Pulumi.yaml's project name and defaults, then the stack's values.
// It awaits every stack output before the run ends.
func runStack(t *testing.T, m *mockCloud, opts ...runOption) (*stackRun, error) {
	t.Helper()
	s := &runSettings{config: map[string]string{"aws:region": testRegion}}
	for _, o := range opts {
		o(s)
	}
	if s.rootDir == "" {
		s.rootDir = writeSourceTree(t, nil)
	}
	proj := loadProject(t)
	var secretKeys []string
	for _, k := range s.secretKeys {
		secretKeys = append(secretKeys, configKey(t, proj, k))
	}
	m.project = proj.Name.String()
	m.preview = s.dryRun && !s.deployed
	run := &stackRun{mockCloud: m, outputs: map[string]awaitedOutput{}, root: s.rootDir}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		d := defaultDeps()
		if s.resources != nil {
			d.resources = s.resources
		}
		outs, err := declareStack(ctx, d)
		if err != nil {
			return err
		}
		for name, o := range outs {
			res, err := internals.UnsafeAwaitOutput(ctx.Context(), o)
			if err != nil {
				return fmt.Errorf("await output %s: %w", name, err)
			}
			run.outputs[name] = awaitedOutput{Value: res.Value, Known: res.Known, Secret: res.Secret}
			ctx.Export(name, o)
		}
		return nil
	}, pulumi.WithMocks(m.project, testStack, m), func(ri *pulumi.RunInfo) {
		ri.Config = cliConfig(t, proj, s.config)
		ri.ConfigSecretKeys = secretKeys
		ri.DryRun = s.dryRun
		ri.RootDirectory = s.rootDir
	})
	return run, err
}

// mustRun runs the program under a fresh default mock and fails the test on error.
func mustRun(t *testing.T, opts ...runOption) *stackRun {
	t.Helper()
	run, err := runStack(t, newMockCloud(), opts...)
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return run
}

// writeSourceTree writes a small build context (Dockerfile, go.mod, app sources) to a temporary
// directory, plus extra files, and returns its path.
func writeSourceTree(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Dockerfile":       "FROM golang:1.26 AS build\nCOPY go.mod go.sum ./\nCOPY app/ ./app/\n",
		".dockerignore":    "**\n!go.mod\n!go.sum\n!app/\n",
		"go.mod":           "module example.com/m\n\ngo 1.26\n",
		"go.sum":           "",
		"app/main.go":      "package main\n\nfunc main() {}\n",
		"app/main_test.go": "package main\n",
		"README.md":        "# readme\n",
		"infra/main.go":    "package main\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// all returns the records of a type, in registration order.
func (m *mockCloud) all(typ string) []*resourceRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*resourceRecord
	for _, r := range m.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// records returns every registration.
func (m *mockCloud) records() []*resourceRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.resources)
}

// find returns the record of a type with the given logical name, or nil.
func (m *mockCloud) find(typ, name string) *resourceRecord {
	for _, r := range m.all(typ) {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// named returns the record of a type with the given logical name, failing the test if none.
func (m *mockCloud) named(t *testing.T, typ, name string) *resourceRecord {
	t.Helper()
	r := m.find(typ, name)
	if r == nil {
		t.Fatalf("no %s named %s", typ, name)
	}
	return r
}

// in returns the records of a type that a component (by logical name) declares, by name.
func (m *mockCloud) in(component, typ string) []*resourceRecord {
	var parents []string
	for _, r := range m.records() {
		if !r.Custom && !r.Remote && r.Name == component {
			parents = append(parents, r.URN)
		}
	}
	var out []*resourceRecord
	for _, r := range m.all(typ) {
		if slices.Contains(parents, r.Parent) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *resourceRecord) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// The resources most tests look at, by their logical names.
func (m *mockCloud) alb(t *testing.T) *resourceRecord {
	t.Helper()
	return m.named(t, albType, "web-alb")
}
func (m *mockCloud) targetGroup(t *testing.T) *resourceRecord {
	t.Helper()
	return m.named(t, targetGroupType, "web-tg")
}
func (m *mockCloud) service(t *testing.T) *resourceRecord {
	t.Helper()
	return m.named(t, serviceType, "api-service")
}
func (m *mockCloud) cluster(t *testing.T) *resourceRecord {
	t.Helper()
	return m.named(t, clusterType, "api-cluster")
}
func (m *mockCloud) taskDef(t *testing.T) *resourceRecord {
	t.Helper()
	return m.named(t, taskDefType, "api-task")
}
func (m *mockCloud) vpc(t *testing.T) *resourceRecord {
	t.Helper()
	return m.named(t, vpcType, "network-vpc")
}

// byID returns the record of a type with the given ID, failing the test if none.
func (m *mockCloud) byID(t *testing.T, typ, id string) *resourceRecord {
	t.Helper()
	for _, r := range m.all(typ) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no %s with ID %s", typ, id)
	return nil
}

// byURN returns the record with a URN, or nil.
func (m *mockCloud) byURN(urn string) *resourceRecord {
	for _, r := range m.records() {
		if r.URN == urn {
			return r
		}
	}
	return nil
}

// invoked returns the invokes made with a token.
func (m *mockCloud) invoked(token string) []invokeRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []invokeRecord
	for _, c := range m.calls {
		if c.Token == token {
			out = append(out, c)
		}
	}
	return out
}

// prop walks into a record's inputs by object keys (string) and array indexes (int).
func (r *resourceRecord) prop(path ...any) resource.PropertyValue {
	v := resource.NewObjectProperty(r.Inputs)
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if !v.IsObject() {
				return resource.NewNullProperty()
			}
			v = v.ObjectValue()[resource.PropertyKey(k)]
		case int:
			if !v.IsArray() || k >= len(v.ArrayValue()) {
				return resource.NewNullProperty()
			}
			v = v.ArrayValue()[k]
		}
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
	}
	return v
}

// output is a computed string output the mock answered for the record ("" when unknown).
func (r *resourceRecord) output(key string) string {
	v := r.State[resource.PropertyKey(key)]
	if !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// str is prop as a string ("" when absent or not a string).
func (r *resourceRecord) str(path ...any) string {
	v := r.prop(path...)
	if !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// num is prop as a number (-1 when absent or not a number).
func (r *resourceRecord) num(path ...any) float64 {
	v := r.prop(path...)
	if !v.IsNumber() {
		return -1
	}
	return v.NumberValue()
}

// boolean is prop as a bool, and whether it was set.
func (r *resourceRecord) boolean(path ...any) (bool, bool) {
	v := r.prop(path...)
	if !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

// strs is prop as a list of strings.
func (r *resourceRecord) strs(path ...any) []string {
	v := r.prop(path...)
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// jsonInput parses a JSON string input (container definitions, IAM policies) into out.
func jsonInput(t *testing.T, r *resourceRecord, key string, out any) {
	t.Helper()
	raw := r.str(key)
	if raw == "" {
		t.Fatalf("%s %s has no %s", r.Type, r.Name, key)
	}
	if err := json.Unmarshal([]byte(raw), out); err != nil {
		t.Fatalf("%s %s: %s is not JSON: %v", r.Type, r.Name, key, err)
	}
}

// container returns the task definition's one container definition, parsed.
func (m *mockCloud) container(t *testing.T) map[string]any {
	t.Helper()
	var defs []map[string]any
	jsonInput(t, m.taskDef(t), "containerDefinitions", &defs)
	if len(defs) != 1 {
		t.Fatalf("%d container definitions, want 1", len(defs))
	}
	return defs[0]
}

// policy is an IAM policy document as the tests read it.
type policy struct {
	Statement []policyStmt
}

type policyStmt struct {
	Sid       string
	Effect    string
	Principal map[string]any
	Action    stringOrList
	Resource  stringOrList
	Condition map[string]map[string]any
}

// stringOrList reads an IAM field that may be a string or a list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// securityGroupRules returns the ingress or egress rules attached to a security group ID.
func (m *mockCloud) securityGroupRules(ingress bool, sgID string) []*resourceRecord {
	typ := "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	if ingress {
		typ = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	}
	var out []*resourceRecord
	for _, r := range m.all(typ) {
		if r.str("securityGroupId") == sgID {
			out = append(out, r)
		}
	}
	return out
}
