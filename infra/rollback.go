package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// verifyDeployment reads the live service after its update and fails the deployment when ECS runs
// another task definition than the one just registered: the circuit breaker or a deployment alarm
// rolled it back, and the provider, which only waits for a steady service, reported success
// (hashicorp/terraform-provider-aws#20858, pulumi-awsx#1848). It returns the task definition the
// service runs; the caller must export it (or feed it to a resource), or the error is never seen.
//
// The lookup takes the service's cluster and name from the service's outputs, so it runs only
// once the update has finished. A preview deploys nothing, so there is nothing to verify: it looks
// nothing up and shows the task definition `pulumi up` will deploy and then verify (unknown for a
// new revision). When nothing changed, `pulumi up` still verifies, and so also reports a rollback
// that happened after the previous `pulumi up` returned (a deployment alarm firing late).
func verifyDeployment(ctx *pulumi.Context, svc *ecs.Service, expected pulumi.StringOutput,
	opts ...pulumi.InvokeOption,
) pulumi.StringOutput {
	if ctx.DryRun() {
		return expected
	}
	live := ecs.LookupServiceOutput(ctx, ecs.LookupServiceOutputArgs{
		ClusterArn:  svc.Cluster,
		ServiceName: svc.Name,
	}, opts...)
	return pulumi.All(expected, live.TaskDefinition(), svc.Cluster, svc.Name).ApplyT(func(v []any) (string, error) {
		want, got, cluster, service := v[0].(string), v[1].(string), v[2].(string), v[3].(string)
		if err := compareTaskDefinitions(got, want, cluster, service); err != nil {
			return "", err
		}
		return want, nil
	}).(pulumi.StringOutput)
}

// compareTaskDefinitions returns the rollback error when the service runs another task definition
// than want. An empty value on either side (a lookup that answered without one) proves nothing and
// passes: ECS itself always reports a task definition.
func compareTaskDefinitions(got, want, cluster, service string) error {
	if got == "" || want == "" || sameTaskDefinition(got, want) {
		return nil
	}
	return fmt.Errorf("deployment rolled back by ECS: service runs %s, expected %s; see the service events "+
		"(aws ecs describe-services --cluster %s --services %s --query 'services[0].events[:10].message') "+
		"and the logs (just logs)", taskDefinitionName(got), taskDefinitionName(want), clusterName(cluster), service)
}

// sameTaskDefinition compares two task definition references in any of the forms ECS uses: a full
// ARN, family:revision, or a bare family (the family's latest ACTIVE revision, which is always the
// one just registered).
func sameTaskDefinition(a, b string) bool {
	fa, ra := splitTaskDefinition(a)
	fb, rb := splitTaskDefinition(b)
	if fa != fb {
		return false
	}
	return ra == "" || rb == "" || ra == rb
}

// splitTaskDefinition returns the family and revision of a task definition reference.
func splitTaskDefinition(ref string) (family, revision string) {
	name := taskDefinitionName(ref)
	if i := strings.LastIndex(name, ":"); i >= 0 {
		return name[:i], name[i+1:]
	}
	return name, ""
}

// taskDefinitionName is family:revision of a task definition ARN ("arn:aws:ecs:us-east-1:
// 123456789012:task-definition/api:7" gives "api:7"); any other reference is returned as is.
func taskDefinitionName(ref string) string {
	if _, after, ok := strings.Cut(ref, ":task-definition/"); ok && strings.HasPrefix(ref, "arn:") {
		return after
	}
	return ref
}

// clusterName is the name of a cluster given by ARN or name.
func clusterName(ref string) string {
	if _, after, ok := strings.Cut(ref, ":cluster/"); ok && strings.HasPrefix(ref, "arn:") {
		return after
	}
	return ref
}
