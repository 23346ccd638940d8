package rollout_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/infra/internal/ecsfake"
	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
)

const (
	region      = "us-east-1"
	clusterArn  = "arn:aws:ecs:us-east-1:123456789012:cluster/gin-fargate-dev-cluster"
	clusterName = "gin-fargate-dev-cluster"
	serviceName = "gin-fargate-dev-service"
	// The stack declares revision 7; 6 is the one before it.
	declared = 7
	timeout  = 30 * time.Minute
)

// td is the ARN of revision rev of the stack's task definition family.
func td(rev int) string {
	return "arn:aws:ecs:us-east-1:123456789012:task-definition/gin-fargate-dev:" + strconv.Itoa(rev)
}

// at is the time offset after the `pulumi up` under test started.
func at(offset time.Duration) time.Time {
	return time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC).Add(offset)
}

// previous is the deployment of the previous `pulumi up`, completed on revision 6.
func previous(status string) ecsfake.Deployment {
	return ecsfake.Deployment{
		ID: "ecs-svc/1111", Status: status, TaskDefinition: td(6), DesiredCount: 2, RunningCount: 2,
		CreatedAt: at(-time.Hour), RolloutState: "COMPLETED", RolloutStateReason: "ECS deployment ecs-svc/1111 completed.",
	}
}

// ours is the deployment this update started on the declared revision, 5 s after it began.
func ours(state string, running, pending, failed int32) ecsfake.Deployment {
	return ecsfake.Deployment{
		ID: "ecs-svc/2222", Status: "PRIMARY", TaskDefinition: td(declared), DesiredCount: 2,
		RunningCount: running, PendingCount: pending, FailedTasks: failed, CreatedAt: at(5 * time.Second),
		RolloutState: state, RolloutStateReason: "ECS deployment ecs-svc/2222 in progress.",
	}
}

// failedWith is d marked FAILED by ECS for reason; status is ACTIVE after a rollback.
func failedWith(d ecsfake.Deployment, status, reason string) ecsfake.Deployment {
	d.Status, d.RolloutState, d.RolloutStateReason = status, "FAILED", reason
	return d
}

// rollback is the deployment ECS starts to roll back to revision rev, 3 minutes into the update.
func rollback(rev int, state string) ecsfake.Deployment {
	return ecsfake.Deployment{
		ID: "ecs-svc/3333", Status: "PRIMARY", TaskDefinition: td(rev), DesiredCount: 2, RunningCount: 1,
		CreatedAt: at(3 * time.Minute), RolloutState: state,
		RolloutStateReason: "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1111.",
	}
}

// step is one poll's answer: a service with these deployments.
func step(deployments ...ecsfake.Deployment) ecsfake.Step {
	return ecsfake.Step{Service: ecsfake.Service{ServiceName: serviceName, ClusterArn: clusterArn, Deployments: deployments}}
}

// run is one watch against a fake ECS playing steps, for an update that started at start, with
// ECS's clock skew ahead of the watch's.
type run struct {
	steps   []ecsfake.Step
	start   time.Time
	skew    time.Duration
	timeout time.Duration
	cluster string
	service string
	ctx     context.Context
}

// result is what a run returned, logged and asked ECS.
type result struct {
	err  error
	logs []string
	fake *ecsfake.Server
}

func (r run) watch(t *testing.T) result {
	t.Helper()
	if r.start.IsZero() {
		r.start = at(0)
	}
	clk := ecsfake.NewClock(r.start)
	fake := ecsfake.Start(ecsfake.Scenario{Steps: r.steps, Now: func() time.Time { return clk.Now().Add(r.skew) }})
	t.Cleanup(fake.Close)
	setenv(t, fake.Env())
	client, err := rollout.NewClient(context.Background(), region, "")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	var logs []string
	w := rollout.Watch{
		ECS:            client,
		Cluster:        or(r.cluster, clusterName),
		Service:        or(r.service, serviceName),
		TaskDefinition: td(declared),
		Started:        r.start,
		Interval:       rollout.PollInterval,
		Timeout:        or(r.timeout, timeout),
		Clock:          clk,
		Log:            func(line string) { logs = append(logs, line) },
	}
	err = w.Run(or(r.ctx, context.Background()))
	return result{err: err, logs: logs, fake: fake}
}

func setenv(t *testing.T, env map[string]string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func or[T comparable](v, fallback T) T {
	var zero T
	if v == zero {
		return fallback
	}
	return v
}

// wantError fails t unless err is non-nil and says every one of parts.
func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("watch returned nil, want an error saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error does not say %q:\n%v", p, err)
		}
	}
}
