package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/infra/internal/ecsfake"
	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The tests of the deployment watch run the program as `pulumi up` runs it, with
// AWS_ENDPOINT_URL_ECS pointing at a fake ECS (t.Setenv: they cannot run in parallel) that plays
// what ECS answers for the cluster, service and task definition the mocks declare.

const circuitBreaker = "ECS deployment circuit breaker: tasks failed to start."

// at is the time offset after the program under test started, on the virtual clock the watch
// and the fake share.
func at(offset time.Duration) time.Time {
	return time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC).Add(offset)
}

// ecsService is the ECS service the mocks declare, as the deployment watch asks ECS about it.
type ecsService struct{ clusterArn, name, family string }

// declaredECS is the service of the project's stack under the mocks.
func declaredECS(t *testing.T) ecsService {
	t.Helper()
	return mockedECS(loadProject(t).Name.String())
}

// mockedECS is the service of a stack of project under the mocks.
func mockedECS(project string) ecsService {
	return ecsService{
		clusterArn: mockARN("ecs", "cluster/"+mockName("api-cluster")),
		name:       mockName("api-service"),
		family:     namePrefix(project, testStack),
	}
}

// revision is the ARN of a revision of the service's task definition family; the stack
// declares mockRevision.
func (s ecsService) revision(rev int) string { return mockTaskDefinitionARN(s.family, rev) }

// step is one poll's answer: the service with these deployments.
func (s ecsService) step(deployments ...ecsfake.Deployment) ecsfake.Step {
	return ecsfake.Step{Service: ecsfake.Service{ServiceName: s.name, ClusterArn: s.clusterArn, Deployments: deployments}}
}

// unchanged is the service's deployment when this update started none: the PRIMARY one,
// COMPLETED on the declared revision an hour before the program started.
func (s ecsService) unchanged() ecsfake.Deployment {
	d := s.previous("PRIMARY")
	d.TaskDefinition = s.revision(mockRevision)
	return d
}

// previous is the deployment of the previous `pulumi up`, COMPLETED on the revision before the
// declared one.
func (s ecsService) previous(status string) ecsfake.Deployment {
	return ecsfake.Deployment{
		ID: "ecs-svc/1111", Status: status, TaskDefinition: s.revision(mockRevision - 1), DesiredCount: 2,
		RunningCount: 2, CreatedAt: at(-time.Hour), RolloutState: "COMPLETED",
	}
}

// ours is the deployment this update started on the declared revision, 5 s after the program began.
func (s ecsService) ours(state string, running, pending, failed int32) ecsfake.Deployment {
	return ecsfake.Deployment{
		ID: "ecs-svc/2222", Status: "PRIMARY", TaskDefinition: s.revision(mockRevision), DesiredCount: 2,
		RunningCount: running, PendingCount: pending, FailedTasks: failed, CreatedAt: at(5 * time.Second),
		RolloutState: state,
	}
}

// rollback is the deployment ECS starts 3 minutes into the update to roll back to revision rev.
func (s ecsService) rollback(rev int) ecsfake.Deployment {
	return ecsfake.Deployment{
		ID: "ecs-svc/3333", Status: "PRIMARY", TaskDefinition: s.revision(rev), DesiredCount: 2, RunningCount: 1,
		CreatedAt: at(3 * time.Minute), RolloutState: "IN_PROGRESS",
	}
}

// failedWith is d marked FAILED by ECS for reason; its status is ACTIVE after a rollback.
func failedWith(d ecsfake.Deployment, status, reason string) ecsfake.Deployment {
	d.Status, d.RolloutState, d.RolloutStateReason = status, "FAILED", reason
	return d
}

// upRun is one run of the program against a fake ECS.
type upRun struct {
	// steps are what the fake ECS answers, one per DescribeServices call.
	steps  []ecsfake.Step
	config map[string]string
	// interval is the watch's poll interval: a millisecond unless set.
	interval time.Duration
	// preview runs the program as `pulumi preview` of a deployed stack, whose outputs are known,
	// or with newStack of a new one, whose computed outputs are unknown.
	preview, newStack bool
}

// upResult is what a run declared, what the fake ECS received, and the program's error.
type upResult struct {
	*mockCloud
	fake *ecsfake.Server
	err  error
}

// run runs the real entry point, newProgram, under fresh mocks, with the exports and the
// dependents of the watch's output as the program declares them, and the fake's environment.
func (r upRun) run(t *testing.T) upResult {
	t.Helper()
	proj := loadProject(t)
	clock := ecsfake.NewClock(at(0))
	fake := ecsfake.Start(ecsfake.Scenario{Steps: r.steps, Now: clock.Now})
	t.Cleanup(fake.Close)
	for k, v := range fake.Env() {
		t.Setenv(k, v)
	}
	cfg := map[string]string{"aws:region": testRegion}
	for k, v := range r.config {
		cfg[k] = v
	}
	interval := r.interval
	if interval == 0 {
		interval = time.Millisecond
	}
	m := newMockCloud()
	m.project, m.preview = proj.Name.String(), r.newStack
	root := writeSourceTree(t, nil)
	err := pulumi.RunErr(newProgram(deps{clock: clock, pollInterval: interval}), pulumi.WithMocks(m.project, testStack, m),
		func(ri *pulumi.RunInfo) {
			ri.Config = cliConfig(t, proj, cfg)
			ri.DryRun = r.preview
			ri.RootDirectory = root
		})
	return upResult{mockCloud: m, fake: fake, err: err}
}

// wantError fails t unless err is non-nil and says every one of parts.
func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("pulumi up succeeded, want an error saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error does not say %q:\n%v", p, err)
		}
	}
}

func TestUpFollowsTheDeploymentUntilCompleted(t *testing.T) {
	s := declaredECS(t)
	r := upRun{steps: []ecsfake.Step{
		s.step(s.ours("IN_PROGRESS", 0, 2, 0), s.previous("ACTIVE")),
		s.step(s.ours("IN_PROGRESS", 2, 0, 0)), // steady: the bake time starts
		s.step(s.ours("COMPLETED", 2, 0, 0)),
	}}.run(t)
	if r.err != nil {
		t.Fatalf("pulumi up: %v", r.err)
	}
	if n := r.fake.Count("DescribeServices"); n != 3 {
		t.Fatalf("ECS polled %d times, want 3: up must wait through the bake time until COMPLETED", n)
	}
	var asked struct {
		Cluster  string
		Services []string
	}
	if err := json.Unmarshal(r.fake.Calls()[0].Body, &asked); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(asked.Cluster, asked.Services), fmt.Sprint(r.cluster(t).output("arn"),
		[]string{r.service(t).output("name")}); got != want {
		t.Errorf("the watch asked ECS about %s, want the declared cluster and service %s", got, want)
	}
}

func TestUpWithNothingChangedChecksThePrimaryDeployment(t *testing.T) {
	s := declaredECS(t)
	r := upRun{steps: []ecsfake.Step{s.step(s.unchanged())}}.run(t)
	if r.err != nil {
		t.Fatalf("pulumi up: %v", r.err)
	}
	if n := len(r.fake.Calls()); n != 1 {
		t.Errorf("%d ECS calls, want 1 DescribeServices", n)
	}
}

// TestUpFailsOnCircuitBreakerRollback, also without the no-healthy-hosts alarm (minCount 0),
// the other output that waits for the watch: the stack export alone carries the error.
func TestUpFailsOnCircuitBreakerRollback(t *testing.T) {
	s := declaredECS(t)
	for name, config := range map[string]map[string]string{
		"default":    nil,
		"minCount 0": {"minCount": "0", "desiredCount": "1"},
	} {
		t.Run(name, func(t *testing.T) {
			r := upRun{config: config, steps: []ecsfake.Step{
				s.step(s.ours("IN_PROGRESS", 0, 2, 0), s.previous("ACTIVE")),
				s.step(failedWith(s.ours("IN_PROGRESS", 0, 0, 3), "ACTIVE", circuitBreaker), s.rollback(mockRevision-1)),
			}}.run(t)
			wantError(t, r.err,
				fmt.Sprintf("ECS rolled back deployment ecs-svc/2222 (%[1]s:7) of service %[2]s after 3 of its tasks "+
					"failed: the service runs %[1]s:6 again (deployment ecs-svc/3333)", s.family, s.name),
				"ECS says: "+circuitBreaker,
				"`pulumi up --refresh`",
			)
			// The alarm that pages when no task is healthy waits for the watch's result.
			if a := r.find(alarmType, "service-alarms-no-healthy-hosts"); a != nil {
				t.Error("no-healthy-hosts alarm declared although the deployment was rolled back")
			}
		})
	}
}

func TestUpFailsOnAlarmRollbackInTheBakeTime(t *testing.T) {
	s := declaredECS(t)
	reason := "ECS deployment ecs-svc/2222 failed: alarm(s) " + s.family + "-target-5xx in ALARM state."
	r := upRun{steps: []ecsfake.Step{
		s.step(s.ours("IN_PROGRESS", 1, 1, 0), s.previous("ACTIVE")),
		s.step(s.ours("IN_PROGRESS", 2, 0, 0)),
		s.step(s.ours("IN_PROGRESS", 2, 0, 0)),
		s.step(failedWith(s.ours("IN_PROGRESS", 2, 0, 0), "ACTIVE", reason), s.rollback(mockRevision-1)),
	}}.run(t)
	wantError(t, r.err,
		"after all its tasks were running, in the bake time when ECS watches the deployment alarms",
		"ECS says: "+reason,
	)
}

func TestUpFailsOnRollbackThatKeptTheTaskDefinition(t *testing.T) {
	// A Spot switch: forceNewDeployment starts a deployment on the same revision.
	s := declaredECS(t)
	before := s.unchanged()
	before.Status = "ACTIVE"
	r := upRun{config: map[string]string{"spot": "true"}, steps: []ecsfake.Step{
		s.step(s.ours("IN_PROGRESS", 0, 2, 0), before),
		s.step(failedWith(s.ours("IN_PROGRESS", 0, 0, 3), "ACTIVE", circuitBreaker), s.rollback(mockRevision)),
	}}.run(t)
	wantError(t, r.err,
		"The update kept task definition "+s.family+":7 and changed other service settings",
		"ECS restored the previous ones with deployment ecs-svc/3333",
	)
}

func TestUpFailsAsSoonAsAFirstDeploymentFails(t *testing.T) {
	const pull = "CannotPullContainerError: pull image manifest has been retried 7 time(s): not found"
	const event = "(service api-service) has started 2 tasks: (task 9f8e7d6c) (task 5a4b3c2d)."
	s := declaredECS(t)
	failing := s.step(failedWith(s.ours("IN_PROGRESS", 0, 0, 3), "PRIMARY", circuitBreaker))
	failing.Tasks = []ecsfake.Task{{
		TaskArn:           mockARN("ecs", "task/"+mockName("api-cluster")+"/9f8e7d6c"),
		TaskDefinitionArn: s.revision(mockRevision), StartedBy: "ecs-svc/2222", DesiredStatus: "STOPPED",
		StoppedReason: pull, StoppedAt: at(2 * time.Minute),
	}}
	failing.Service.Events = []ecsfake.Event{{CreatedAt: at(90 * time.Second), Message: event}}
	r := upRun{steps: []ecsfake.Step{s.step(s.ours("IN_PROGRESS", 0, 2, 0)), failing}}.run(t)
	wantError(t, r.err,
		"There is no earlier completed deployment to roll back to",
		"stopped task 9f8e7d6c ("+s.family+":7): "+pull,
		"event 2026-01-31T09:01:30Z: "+event,
		"`just redeploy`",
	)
	if n := r.fake.Count("DescribeServices"); n != 2 {
		t.Errorf("ECS polled %d times, want 2: up must fail at the poll where ECS reports FAILED", n)
	}
}

func TestUpFailsOnALateRollbackWithTheWayToRecover(t *testing.T) {
	// A deployment alarm fired late in the bake time of an earlier `pulumi up`'s deployment, once
	// that up had stopped following it; nothing changed since, so this up starts no deployment.
	s := declaredECS(t)
	back := s.rollback(mockRevision - 1)
	back.CreatedAt, back.RolloutState, back.RunningCount = at(-10*time.Minute), "COMPLETED", 2
	r := upRun{steps: []ecsfake.Step{s.step(back)}}.run(t)
	wantError(t, r.err,
		fmt.Sprintf("Service %[2]s runs %[1]s:6, not %[1]s:7 that the stack declares", s.family, s.name),
		"To deploy "+s.family+":7 again, run `pulumi up --refresh`",
	)
}

func TestUpTimeoutNamesTheKey(t *testing.T) {
	s := declaredECS(t)
	r := upRun{config: map[string]string{"deployTimeoutMinutes": "5"}, interval: rollout.PollInterval,
		steps: []ecsfake.Step{s.step(s.ours("IN_PROGRESS", 1, 1, 0))}}.run(t)
	wantError(t, r.err,
		"IN_PROGRESS, running 1/2, pending 1, failed 0 of service "+s.name+" did not finish within 5m0s",
		"deployTimeoutMinutes (5)",
		"pulumi config set deployTimeoutMinutes <minutes, 5 to 120>",
	)
}

// TestPreviewCallsNoECS: a preview loads no AWS configuration and calls no ECS API, whether the
// stack is new (the service's outputs are unknown) or deployed (they are known), so it works
// without credentials and with a profile no configuration file has; `pulumi up` with the same
// settings fails where it loads them.
func TestPreviewCallsNoECS(t *testing.T) {
	s := declaredECS(t)
	unloadable := map[string]string{"aws:profile": "nowhere"}
	for name, r := range map[string]upRun{
		"new stack":      {config: unloadable, preview: true, newStack: true},
		"deployed stack": {config: unloadable, preview: true},
		"up":             {config: unloadable},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			r.steps = []ecsfake.Step{s.step(s.unchanged())}
			res := r.run(t)
			if !r.preview {
				wantError(t, res.err, `load the AWS configuration (aws:profile "nowhere")`)
				return
			}
			if res.err != nil {
				t.Errorf("preview failed: %v", res.err)
			}
			if n := len(res.fake.Calls()); n != 0 {
				t.Errorf("preview made %d ECS calls, want none", n)
			}
		})
	}
}

// TestPreviewShowsTheDeclaredTaskDefinition: with nothing to follow, the preview of a deployed
// stack shows as taskDefinitionArn the task definition `pulumi up` will deploy and follow.
func TestPreviewShowsTheDeclaredTaskDefinition(t *testing.T) {
	t.Parallel()
	run, err := runStack(t, newMockCloud(), asPreviewOfDeployedStack())
	if err != nil {
		t.Fatalf("preview failed: %v", err)
	}
	if got, want := run.outputs["taskDefinitionArn"].Value, run.taskDef(t).output("arn"); got != want {
		t.Errorf("taskDefinitionArn in preview = %v, want the declared %v", got, want)
	}
}
