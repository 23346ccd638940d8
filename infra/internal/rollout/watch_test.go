package rollout_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/smithy-go"

	"github.com/gin-fargate/gin-fargate/infra/internal/ecsfake"
	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
)

const circuitBreaker = "ECS deployment circuit breaker: tasks failed to start."

// exitedTask is a task of deployment id whose app container exited with code 1.
func exitedTask(id string) ecsfake.Task {
	code := int32(1)
	return ecsfake.Task{
		TaskArn:           "arn:aws:ecs:us-east-1:123456789012:task/gin-fargate-dev-cluster/0a1b2c3d",
		TaskDefinitionArn: td(declared), StartedBy: id, DesiredStatus: "STOPPED",
		StoppedReason: "Essential container in task exited", StoppedAt: at(2 * time.Minute),
		Containers: []ecsfake.Container{{Name: "app", ExitCode: &code}},
	}
}

func TestWatchSucceedsWhenTheDeploymentCompletes(t *testing.T) {
	r := run{steps: []ecsfake.Step{
		step(ours("IN_PROGRESS", 0, 2, 0), previous("ACTIVE")),
		step(ours("IN_PROGRESS", 1, 1, 0), previous("ACTIVE")),
		step(ours("IN_PROGRESS", 2, 0, 0)), // steady: the bake time starts
		step(ours("IN_PROGRESS", 2, 0, 0)),
		step(ours("COMPLETED", 2, 0, 0)),
	}}.watch(t)
	if r.err != nil {
		t.Fatalf("watch: %v", r.err)
	}
	if n := r.fake.Count("DescribeServices"); n != 5 {
		t.Errorf("watch polled %d times, want 5: it must wait through the bake time until COMPLETED", n)
	}
}

func TestWatchLogsOneLinePerChange(t *testing.T) {
	r := run{steps: []ecsfake.Step{
		step(ours("IN_PROGRESS", 0, 2, 0)),
		step(ours("IN_PROGRESS", 0, 2, 0)),
		step(ours("IN_PROGRESS", 1, 1, 0)),
		step(ours("IN_PROGRESS", 1, 1, 0)),
		step(ours("COMPLETED", 2, 0, 0)),
	}}.watch(t)
	want := []string{
		"deployment ecs-svc/2222 (gin-fargate-dev:7): IN_PROGRESS, running 0/2, pending 2, failed 0 (0s)",
		"deployment ecs-svc/2222 (gin-fargate-dev:7): IN_PROGRESS, running 1/2, pending 1, failed 0 (20s)",
		"deployment ecs-svc/2222 (gin-fargate-dev:7): COMPLETED, running 2/2, pending 0, failed 0 (40s)",
	}
	if strings.Join(r.logs, "\n") != strings.Join(want, "\n") {
		t.Errorf("progress lines:\n%s\nwant:\n%s", strings.Join(r.logs, "\n"), strings.Join(want, "\n"))
	}
}

func TestWatchPassesWhenNothingChanged(t *testing.T) {
	current := previous("PRIMARY")
	current.TaskDefinition = td(declared)
	r := run{steps: []ecsfake.Step{step(current)}}.watch(t)
	if r.err != nil {
		t.Fatalf("watch: %v", r.err)
	}
	if n := len(r.fake.Calls()); n != 1 {
		t.Errorf("watch made %d calls, want 1 DescribeServices", n)
	}
}

func TestWatchFailsOnCircuitBreakerRollback(t *testing.T) {
	// ECS may roll back with a new deployment of the previous revision, or by resuming the
	// previous deployment (its rolloutState goes from COMPLETED back to IN_PROGRESS).
	resumed := previous("PRIMARY")
	resumed.RolloutState = "IN_PROGRESS"
	for name, target := range map[string]ecsfake.Deployment{
		"new rollback deployment":     rollback(6, "IN_PROGRESS"),
		"previous deployment resumed": resumed,
	} {
		t.Run(name, func(t *testing.T) {
			failing := step(failedWith(ours("IN_PROGRESS", 0, 0, 3), "ACTIVE", circuitBreaker), target)
			failing.Tasks = []ecsfake.Task{exitedTask("ecs-svc/2222")}
			failing.Service.Events = []ecsfake.Event{{
				CreatedAt: at(3 * time.Minute),
				Message:   "(service gin-fargate-dev-service) (deployment ecs-svc/2222) deployment failed: tasks failed to start.",
			}}
			r := run{steps: []ecsfake.Step{
				step(ours("IN_PROGRESS", 0, 2, 0), previous("ACTIVE")),
				step(ours("IN_PROGRESS", 0, 2, 2), previous("ACTIVE")),
				failing,
			}}.watch(t)
			wantError(t, r.err,
				"ECS rolled back deployment ecs-svc/2222 (gin-fargate-dev:7) of service gin-fargate-dev-service after 3 of its tasks failed",
				"the service runs gin-fargate-dev:6 again (deployment "+target.ID+")",
				"ECS says: "+circuitBreaker,
				"stopped task 0a1b2c3d (gin-fargate-dev:7): Essential container in task exited; container app exited with code 1",
				"event 2026-01-31T09:03:00Z: (service gin-fargate-dev-service) (deployment ecs-svc/2222) deployment failed",
				"`just logs 1h`",
				"`aws ecs describe-services --region us-east-1 --cluster gin-fargate-dev-cluster --services gin-fargate-dev-service",
				"`pulumi up --refresh`",
			)
		})
	}
}

func TestWatchFailsOnAlarmRollbackInTheBakeTime(t *testing.T) {
	const reason = "ECS deployment ecs-svc/2222 failed: alarm(s) gin-fargate-dev-target-5xx in ALARM state."
	r := run{steps: []ecsfake.Step{
		step(ours("IN_PROGRESS", 1, 1, 0), previous("ACTIVE")),
		step(ours("IN_PROGRESS", 2, 0, 0)),
		step(ours("IN_PROGRESS", 2, 0, 0)),
		step(failedWith(ours("IN_PROGRESS", 2, 0, 0), "ACTIVE", reason), rollback(6, "IN_PROGRESS")),
	}}.watch(t)
	wantError(t, r.err,
		"ECS rolled back deployment ecs-svc/2222 (gin-fargate-dev:7) of service gin-fargate-dev-service after all its "+
			"tasks were running, in the bake time when ECS watches the deployment alarms: the service runs gin-fargate-dev:6 again",
		"ECS says: "+reason,
	)
}

func TestWatchFailsOnRollbackThatKeptTheTaskDefinition(t *testing.T) {
	// A Spot switch: forceNewDeployment starts a deployment on the same revision.
	before := previous("ACTIVE")
	before.TaskDefinition = td(declared)
	r := run{steps: []ecsfake.Step{
		step(ours("IN_PROGRESS", 0, 2, 0), before),
		step(failedWith(ours("IN_PROGRESS", 0, 0, 3), "ACTIVE", circuitBreaker), rollback(declared, "IN_PROGRESS")),
	}}.watch(t)
	wantError(t, r.err,
		"ECS rolled back deployment ecs-svc/2222 of service gin-fargate-dev-service after 3 of its tasks failed. "+
			"The update kept task definition gin-fargate-dev:7 and changed other service settings",
		"ECS restored the previous ones with deployment ecs-svc/3333",
		"`pulumi up --refresh`",
	)
}

func TestWatchFailsAsSoonAsAFirstDeploymentFails(t *testing.T) {
	const pull = "CannotPullContainerError: pull image manifest has been retried 7 time(s): " +
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/gin-fargate-dev:0f1e2d: not found"
	first := ours("IN_PROGRESS", 0, 2, 0)
	first.CreatedAt = at(40 * time.Second)
	failing := step(failedWith(ours("IN_PROGRESS", 0, 0, 3), "PRIMARY", circuitBreaker))
	failing.Tasks = []ecsfake.Task{{
		TaskArn:           "arn:aws:ecs:us-east-1:123456789012:task/gin-fargate-dev-cluster/9f8e7d6c",
		TaskDefinitionArn: td(declared), StartedBy: "ecs-svc/2222", DesiredStatus: "STOPPED",
		StoppedReason: pull, StoppedAt: at(2 * time.Minute),
		Containers: []ecsfake.Container{{Name: "app", Reason: pull}},
	}}
	failing.Service.Events = []ecsfake.Event{{
		CreatedAt: at(90 * time.Second),
		Message:   "(service gin-fargate-dev-service) has started 2 tasks: (task 9f8e7d6c) (task 5a4b3c2d).",
	}}
	r := run{steps: []ecsfake.Step{
		step(first),
		failing,
		step(failedWith(ours("IN_PROGRESS", 0, 0, 3), "PRIMARY", circuitBreaker)),
	}}.watch(t)
	wantError(t, r.err,
		"ECS marked deployment ecs-svc/2222 (gin-fargate-dev:7) of service gin-fargate-dev-service FAILED after 3 of "+
			"its tasks failed. There is no earlier completed deployment to roll back to",
		"stopped task 9f8e7d6c (gin-fargate-dev:7): "+pull,
		"event 2026-01-31T09:01:30Z: (service gin-fargate-dev-service) has started 2 tasks",
		"`just redeploy`",
	)
	if n := r.fake.Count("DescribeServices"); n != 2 {
		t.Errorf("watch polled %d times, want 2: it must fail at the poll where ECS reports FAILED", n)
	}
}

func TestWatchFailsWhenAnotherDeploymentReplacesIt(t *testing.T) {
	elsewhere := ecsfake.Deployment{
		ID: "ecs-svc/4444", Status: "PRIMARY", TaskDefinition: td(8), DesiredCount: 2, CreatedAt: at(2 * time.Minute),
		RolloutState: "IN_PROGRESS", RolloutStateReason: "ECS deployment ecs-svc/4444 in progress.",
	}
	replaced := ours("IN_PROGRESS", 1, 0, 0)
	replaced.Status = "ACTIVE"
	r := run{steps: []ecsfake.Step{
		step(ours("IN_PROGRESS", 1, 1, 0), previous("ACTIVE")),
		step(elsewhere, replaced, previous("ACTIVE")),
	}}.watch(t)
	wantError(t, r.err,
		"Deployment ecs-svc/2222 (gin-fargate-dev:7) of service gin-fargate-dev-service was replaced before it completed: "+
			"the PRIMARY deployment is now ecs-svc/4444 (gin-fargate-dev:8): IN_PROGRESS, running 0/2, pending 0, failed 0, "+
			"created 2026-01-31T09:02:00Z, which this update did not start.",
	)
}

func TestWatchTimesOutWithTheCurrentState(t *testing.T) {
	r := run{timeout: 5 * time.Minute, steps: []ecsfake.Step{step(ours("IN_PROGRESS", 1, 1, 0))}}.watch(t)
	wantError(t, r.err,
		"Deployment ecs-svc/2222 (gin-fargate-dev:7): IN_PROGRESS, running 1/2, pending 1, failed 0 of service "+
			"gin-fargate-dev-service did not finish within 5m0s.",
	)
	var timeout *rollout.TimeoutError
	if !errors.As(r.err, &timeout) {
		t.Errorf("watch returned a %T, want a *rollout.TimeoutError", r.err)
	}
}

func TestWatchRetriesThrottling(t *testing.T) {
	throttled := ecsfake.Step{Err: ecsfake.Throttling()}
	r := run{steps: []ecsfake.Step{
		throttled, throttled, throttled, throttled,
		step(ours("IN_PROGRESS", 1, 1, 0)),
		throttled,
		step(ours("COMPLETED", 2, 0, 0)),
	}}.watch(t)
	if r.err != nil {
		t.Fatalf("watch: %v", r.err)
	}
}

func TestWatchTimeoutCarriesTheLastError(t *testing.T) {
	r := run{timeout: 2 * time.Minute, steps: []ecsfake.Step{{Err: ecsfake.Throttling()}}}.watch(t)
	var api smithy.APIError
	if !errors.As(r.err, &api) || api.ErrorCode() != "ThrottlingException" {
		t.Fatalf("watch returned %v, want the timeout wrapping the last ThrottlingException", r.err)
	}
}

func TestWatchFailsAtOnceOnAnErrorThatIsNotTransient(t *testing.T) {
	for name, c := range map[string]struct {
		r    run
		want string
	}{
		"unknown cluster": {run{cluster: "other-cluster"}, "ClusterNotFoundException: Cluster not found."},
		"unknown service": {run{service: "other-service"}, "ECS has no service other-service in cluster gin-fargate-dev-cluster"},
	} {
		t.Run(name, func(t *testing.T) {
			c.r.steps = []ecsfake.Step{step(ours("IN_PROGRESS", 0, 2, 0))}
			r := c.r.watch(t)
			wantError(t, r.err, c.want)
			if n := r.fake.Count("DescribeServices"); n != 1 {
				t.Errorf("watch polled %d times, want 1", n)
			}
		})
	}
}

func TestWatchCorrectsForClockSkew(t *testing.T) {
	// The machine runs 2 minutes ahead of AWS, so this update's deployment looks older than the
	// update; by the first poll (after the provider's wait) ECS has already resumed the previous
	// deployment. Without the correction the watch would take that for a late rollback.
	const skew = -2 * time.Minute
	shift := func(d ecsfake.Deployment) ecsfake.Deployment {
		d.CreatedAt = d.CreatedAt.Add(skew)
		return d
	}
	resuming, resumed := previous("PRIMARY"), previous("PRIMARY")
	resuming.RolloutState = "IN_PROGRESS"
	r := run{skew: skew, steps: []ecsfake.Step{
		step(shift(failedWith(ours("IN_PROGRESS", 0, 0, 3), "ACTIVE", circuitBreaker)), shift(resuming)),
		step(shift(resumed)),
	}}.watch(t)
	wantError(t, r.err, "ECS rolled back deployment ecs-svc/2222 (gin-fargate-dev:7)")
}

// lateRollback is the service after a deployment alarm fired late in the bake time of the
// previous `pulumi up`'s deployment, once that up had returned: ECS rolled it back to revision 6.
func lateRollback(state string) []ecsfake.Deployment {
	back := rollback(6, state)
	back.CreatedAt = at(-10 * time.Minute)
	failed := failedWith(ours("IN_PROGRESS", 2, 0, 0), "ACTIVE", "ECS deployment ecs-svc/2222 failed: alarm(s) in ALARM state.")
	failed.CreatedAt = at(-20 * time.Minute)
	if state == "COMPLETED" {
		return []ecsfake.Deployment{back}
	}
	return []ecsfake.Deployment{back, failed}
}

func TestWatchFailsOnALateRollbackWithTheWayToRecover(t *testing.T) {
	r := run{steps: []ecsfake.Step{step(lateRollback("IN_PROGRESS")...), step(lateRollback("COMPLETED")...)}}.watch(t)
	wantError(t, r.err,
		"Service gin-fargate-dev-service runs gin-fargate-dev:6, not gin-fargate-dev:7 that the stack declares "+
			"(deployment ecs-svc/3333, created 2026-01-31T08:50:00Z): ECS rolled gin-fargate-dev:7 back after an earlier `pulumi up` returned",
		"To deploy gin-fargate-dev:7 again, run `pulumi up --refresh`: the refresh reads gin-fargate-dev:6 into the state",
	)
	if n := r.fake.Count("DescribeServices"); n != 2 {
		t.Errorf("watch polled %d times, want 2: it must follow the rollback in progress to its end first", n)
	}
}

func TestWatchRecoversFromALateRollbackWithRefresh(t *testing.T) {
	// A plain `pulumi up` changes nothing, so it starts no deployment and fails again, saying how
	// to recover: the stack must not pass while ECS runs another revision than it declares.
	plain := run{steps: []ecsfake.Step{step(lateRollback("COMPLETED")...)}}.watch(t)
	wantError(t, plain.err, "run `pulumi up --refresh`")

	// `pulumi up --refresh` reads revision 6 into the state, so its update sets revision 7 again
	// and forceNewDeployment starts a deployment, which the watch follows to its end.
	start := at(time.Hour)
	redeploy := ours("IN_PROGRESS", 0, 2, 0)
	redeploy.ID, redeploy.CreatedAt = "ecs-svc/5555", start.Add(5*time.Second)
	completed := redeploy
	completed.RolloutState, completed.RunningCount, completed.PendingCount = "COMPLETED", 2, 0
	draining := lateRollback("COMPLETED")[0]
	draining.Status = "ACTIVE"
	refreshed := run{start: start, steps: []ecsfake.Step{step(redeploy, draining), step(completed)}}.watch(t)
	if refreshed.err != nil {
		t.Fatalf("watch after `pulumi up --refresh`: %v", refreshed.err)
	}
}

func TestWatchFailsWhenItsDeploymentDisappears(t *testing.T) {
	for name, c := range map[string]struct {
		then ecsfake.Step
		want string
	}{
		"rolled back between two polls": {
			step(rollback(6, "IN_PROGRESS")),
			"Deployment ecs-svc/2222 (gin-fargate-dev:7) of service gin-fargate-dev-service is no longer listed before it " +
				"completed: the PRIMARY deployment is now ecs-svc/3333 (gin-fargate-dev:6)",
		},
		"service deleted": {
			step(),
			"Deployment ecs-svc/2222 (gin-fargate-dev:7) of service gin-fargate-dev-service is no longer listed before it " +
				"completed, and the service has no PRIMARY deployment.",
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := run{steps: []ecsfake.Step{step(ours("IN_PROGRESS", 1, 1, 0)), c.then}}.watch(t)
			wantError(t, r.err, c.want)
		})
	}
}

func TestWatchErrorStaysShort(t *testing.T) {
	long := strings.Repeat("a container reason that goes on ", 100)
	failing := step(failedWith(ours("IN_PROGRESS", 0, 0, 3), "ACTIVE", circuitBreaker), rollback(6, "IN_PROGRESS"))
	for i := range 10 {
		task := exitedTask("ecs-svc/2222")
		task.TaskArn += strconv.Itoa(i)
		task.Containers[0].Reason = long
		failing.Tasks = append(failing.Tasks, task)
		failing.Service.Events = append(failing.Service.Events, ecsfake.Event{CreatedAt: at(time.Minute), Message: long})
	}
	r := run{steps: []ecsfake.Step{failing}}.watch(t)
	lines := strings.Split(r.err.Error(), "\n")
	if len(lines) > 12 {
		t.Errorf("error has %d lines, want at most 12 (3 tasks, 3 events):\n%v", len(lines), r.err)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 400 {
			t.Errorf("error line of %d characters, want at most 400: %.80s…", n, l)
		}
	}
}

func TestWatchReportsWhenStoppedTasksCannotBeListed(t *testing.T) {
	failing := step(failedWith(ours("IN_PROGRESS", 0, 0, 3), "ACTIVE", circuitBreaker), rollback(6, "IN_PROGRESS"))
	failing.TasksErr = &ecsfake.APIError{Code: "AccessDeniedException", Message: "not authorized to perform: ecs:ListTasks"}
	r := run{steps: []ecsfake.Step{failing}}.watch(t)
	wantError(t, r.err,
		"ECS rolled back deployment ecs-svc/2222",
		"(stopped tasks unavailable: AccessDeniedException: not authorized to perform: ecs:ListTasks)",
	)
}

func TestWatchStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := run{ctx: ctx, steps: []ecsfake.Step{step(ours("IN_PROGRESS", 0, 2, 0))}}.watch(t)
	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("watch returned %v, want context.Canceled", r.err)
	}
}
