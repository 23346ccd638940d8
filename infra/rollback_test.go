package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// previousRevision is what ECS runs after rolling the mock's first revision back.
func previousRevision(deployed string) string {
	return strings.TrimSuffix(deployed, ":1") + ":0"
}

// runProgram runs the real entry point, program, under m with the default test config plus kv:
// the exports included, as `pulumi up` runs it.
func runProgram(t *testing.T, m *mockCloud, kv map[string]string) error {
	t.Helper()
	proj := loadProject(t)
	cfg := map[string]string{"aws:region": testRegion}
	for k, v := range kv {
		cfg[k] = v
	}
	root := writeSourceTree(t, nil)
	m.project = proj.Name.String()
	return pulumi.RunErr(program, pulumi.WithMocks(m.project, testStack, m), func(ri *pulumi.RunInfo) {
		ri.Config = cliConfig(t, proj, cfg)
		ri.RootDirectory = root
	})
}

// TestRollbackFailsTheDeployment: ECS rolled the new task definition back while the provider
// reported success (or, with nothing to change, a deployment alarm rolled the last one back after
// `pulumi up` returned); the program fails with what runs, what was expected and where to look.
func TestRollbackFailsTheDeployment(t *testing.T) {
	t.Parallel()
	m := newMockCloud()
	m.on(getServiceToken, m.serviceRuns(previousRevision))
	run, err := runStack(t, m)
	if err == nil {
		t.Fatal("program succeeded although ECS runs the previous task definition")
	}
	cluster, service := run.cluster(t).output("name"), run.service(t).output("name")
	for _, want := range []string{
		fmt.Sprintf("deployment rolled back by ECS: service runs %[1]s:0, expected %[1]s:1", run.prefix()),
		"aws ecs describe-services --cluster " + cluster + " --services " + service,
		"just logs",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestRollbackFailsPulumiUp: the check reaches `pulumi up` through the stack exports of the real
// entry point, not only through the test harness.
func TestRollbackFailsPulumiUp(t *testing.T) {
	t.Parallel()
	held := newMockCloud()
	if err := runProgram(t, held, nil); err != nil {
		t.Fatalf("program failed on a deployment that held: %v", err)
	}
	rolledBack := newMockCloud()
	rolledBack.on(getServiceToken, rolledBack.serviceRuns(previousRevision))
	err := runProgram(t, rolledBack, nil)
	if err == nil || !strings.Contains(err.Error(), "deployment rolled back by ECS") {
		t.Errorf("RunErr(program) = %v, want the rollback error", err)
	}
}

func TestDeploymentThatHeldIsVerified(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	calls := run.invoked(getServiceToken)
	if len(calls) != 1 {
		t.Fatalf("%d service lookups, want 1", len(calls))
	}
	svc, cluster := run.service(t), run.cluster(t)
	// The lookup's arguments are the service's own outputs: it can only run after the update.
	if got, want := calls[0].Args["clusterArn"].StringValue(), cluster.output("arn"); got != want || got != svc.str("cluster") {
		t.Errorf("lookup cluster = %q, want the service's cluster %q", got, want)
	}
	if got, want := calls[0].Args["serviceName"].StringValue(), svc.output("name"); got != want {
		t.Errorf("lookup service = %q, want %q", got, want)
	}
}

// TestRollbackCheckInPreview: a preview deploys nothing and looks nothing up, whether the stack is
// new (the service's name and the new revision are unknown) or deployed and unchanged (the output
// shows the registered task definition), and never fails, whatever ECS would answer.
func TestRollbackCheckInPreview(t *testing.T) {
	t.Parallel()
	if n := len(mustRun(t, asPreview()).invoked(getServiceToken)); n != 0 {
		t.Errorf("%d service lookups in the preview of a new stack, want 0", n)
	}

	m := newMockCloud()
	m.on(getServiceToken, m.serviceRuns(previousRevision))
	unchanged, err := runStack(t, m, asPreviewOfDeployedStack())
	if err != nil {
		t.Fatalf("preview failed: %v", err)
	}
	if n := len(unchanged.invoked(getServiceToken)); n != 0 {
		t.Errorf("%d service lookups in the preview of a deployed stack, want 0", n)
	}
	if got, want := unchanged.outputs["taskDefinitionArn"].Value, unchanged.taskDef(t).output("arn"); got != want {
		t.Errorf("taskDefinitionArn in preview = %v, want the registered %v", got, want)
	}
}

func TestLookupFailureFailsTheDeployment(t *testing.T) {
	t.Parallel()
	m := newMockCloud().on(getServiceToken, invokeFails("AccessDeniedException: not authorized to perform ecs:DescribeServices"))
	if _, err := runStack(t, m); err == nil || !strings.Contains(err.Error(), "ecs:DescribeServices") {
		t.Errorf("error = %v, want the lookup's failure", err)
	}
}

func TestCompareTaskDefinitions(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/"
	tests := []struct {
		got, want string
		ok        bool
	}{
		{arn + "api:7", arn + "api:7", true},
		{"api:7", arn + "api:7", true},
		{arn + "api:7", "api:7", true},
		{"api", arn + "api:7", true}, // a bare family is its latest revision
		{"", arn + "api:7", true},    // nothing to compare
		{arn + "api:6", "", true},    // nothing registered to compare with
		{arn + "api:6", arn + "api:7", false},
		{"api:6", arn + "api:7", false},
		{arn + "api:17", arn + "api:7", false},
		{arn + "web:7", arn + "api:7", false},
		{"web", arn + "api:7", false},
		{"arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/api:6", "api:7", false},
	}
	for _, tt := range tests {
		err := compareTaskDefinitions(tt.got, tt.want, "arn:aws:ecs:us-east-1:123456789012:cluster/c-1", "s-1")
		if (err == nil) != tt.ok {
			t.Errorf("compare(%q, %q) = %v, want ok %v", tt.got, tt.want, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--cluster c-1 --services s-1") {
			t.Errorf("error %q does not name the cluster and service", err)
		}
	}
}
