package main

import (
	"fmt"
	"slices"
	"testing"
)

const capacityProvidersType = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"

// strategy renders the service's capacity provider strategy as "PROVIDER base/weight" entries.
func strategy(svc *resourceRecord) []string {
	var out []string
	for i := range svc.prop("capacityProviderStrategies").ArrayValue() {
		base := svc.num("capacityProviderStrategies", i, "base")
		if base < 0 {
			base = 0
		}
		out = append(out, fmt.Sprintf("%s %v/%v", svc.str("capacityProviderStrategies", i, "capacityProvider"),
			base, svc.num("capacityProviderStrategies", i, "weight")))
	}
	slices.Sort(out)
	return out
}

// TestCapacityProviders: on-demand Fargate by default; with spot, a FARGATE base task and three
// Spot tasks for every further on-demand one. The cluster always offers both providers and the
// service always uses a strategy, so switching spot is an in-place update, not a new service.
func TestCapacityProviders(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		spot string
		want []string
	}{
		"default":    {"", []string{"FARGATE 1/1"}},
		"spot false": {"false", []string{"FARGATE 1/1"}},
		"spot true":  {"true", []string{"FARGATE 1/1", "FARGATE_SPOT 0/3"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts []runOption
			if tt.spot != "" {
				opts = append(opts, withConfig(map[string]string{"spot": tt.spot}))
			}
			run := mustRun(t, opts...)
			svc := run.service(t)
			if got := strategy(svc); !slices.Equal(got, tt.want) {
				t.Errorf("capacity provider strategy = %v, want %v", got, tt.want)
			}
			if v, _ := svc.boolean("forceNewDeployment"); !v {
				t.Error("forceNewDeployment is not true: ECS refuses a strategy change without a new deployment")
			}
			cp := run.named(t, capacityProvidersType, "api-capacity")
			if got := cp.strs("capacityProviders"); !slices.Equal(got, []string{"FARGATE", "FARGATE_SPOT"}) {
				t.Errorf("cluster capacity providers = %v, want both, whatever spot says", got)
			}
			if cp.str("clusterName") != run.cluster(t).output("name") {
				t.Errorf("capacity providers on cluster %q", cp.str("clusterName"))
			}
			if got := cp.str("defaultCapacityProviderStrategies", 0, "capacityProvider"); got != "FARGATE" {
				t.Errorf("cluster default provider = %q, want on-demand FARGATE", got)
			}
			if !slices.Contains(svc.DependsOn, cp.URN) {
				t.Error("service does not depend on the cluster's capacity providers: it may name one the cluster lacks")
			}
		})
	}
}

// TestSpotKeepsTheArchitecture: Spot runs the same image and runtime platform; ARM64 on Spot
// needs no other setting.
func TestSpotKeepsTheArchitecture(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"spot": "true"}))
	if got := run.taskDef(t).str("runtimePlatform", "cpuArchitecture"); got != "ARM64" {
		t.Errorf("cpuArchitecture on Spot = %q, want ARM64", got)
	}
	if got := run.named(t, awsxImageType, "image-build").str("platform"); got != "linux/arm64" {
		t.Errorf("image platform on Spot = %q, want linux/arm64", got)
	}
}

// TestServiceWaitsForExecutionPolicy: the service depends on the execution role's policy, not only
// on the role its task definition names. Without it ECS can start the first tasks (or those of a
// deployment that adds a secret) before they may pull the image, write logs or read the secret,
// and a destroy can delete the policy while the tasks drain (the provider's aws.ecs.Service note).
func TestServiceWaitsForExecutionPolicy(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"secrets": `{"DB_PASSWORD":"x"}`}), withSecretConfig("secrets"))
	policy := run.named(t, "aws:iam/rolePolicy:RolePolicy", "api-execution-policy")
	if !slices.Contains(run.service(t).DependsOn, policy.URN) {
		t.Error("service does not depend on the execution role policy: its tasks may start without permission to pull, log or read secrets")
	}
}

// TestServiceWaitsForTaskEgress: in every egress mode the service depends on what its tasks need
// to pull the image and ship logs from their subnets: the subnets' route table associations and
// default routes (NAT gateway, or internet gateway in publicIp mode), the VPC endpoints in
// vpcEndpoints mode, and the task security group's egress rules. Nothing else orders them: the
// service only names the subnets and the group, which exist long before the routes do, and tasks
// started earlier fail with CannotPullContainerError until the circuit breaker gives up.
func TestServiceWaitsForTaskEgress(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"natPerAz", "natSingle", "publicIp", "vpcEndpoints"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, withConfig(map[string]string{"egress": mode}))
			svc := run.service(t)
			taskSubnets := svc.strs("networkConfiguration", "subnets")
			var want []*resourceRecord
			tables := map[string]bool{}
			for _, rta := range run.in("network", "aws:ec2/routeTableAssociation:RouteTableAssociation") {
				if slices.Contains(taskSubnets, rta.str("subnetId")) {
					want = append(want, rta)
					tables[rta.str("routeTableId")] = true
				}
			}
			defaults := 0
			for _, r := range run.in("network", routeType) {
				if tables[r.str("routeTableId")] && r.str("destinationCidrBlock") == "0.0.0.0/0" {
					want = append(want, r)
					defaults++
				}
			}
			endpoints := run.in("network", endpointType)
			want = append(want, endpoints...)
			if defaults+len(endpoints) == 0 {
				t.Fatal("the task subnets have neither a default route nor VPC endpoints")
			}
			want = append(want, run.securityGroupRules(false, taskSG(t, run).ID)...)
			if len(want) < len(taskSubnets)+2 {
				t.Fatalf("found only %d network resources the tasks use", len(want))
			}
			for _, r := range want {
				if !slices.Contains(svc.DependsOn, r.URN) {
					t.Errorf("service does not depend on %s %s: its tasks may start before they can reach ECR", r.Type, r.Name)
				}
			}
		})
	}
}

// TestReplacedTaskDefinitionsStayRegistered: a new revision replaces the task definition, and the
// replaced one stays ACTIVE, so ECS can roll the service back to it.
func TestReplacedTaskDefinitionsStayRegistered(t *testing.T) {
	t.Parallel()
	if v, _ := mustRun(t).taskDef(t).boolean("skipDestroy"); !v {
		t.Error("task definition without skipDestroy: a replaced revision is deregistered, and ECS cannot roll back to it")
	}
}
