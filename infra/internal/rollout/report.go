package rollout

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// An error names what happened first, then ECS's reason, the stopped tasks, the service events,
// the commands to dig further and how to recover; these bound its length.
const (
	maxTasks    = 3
	maxEvents   = 3
	maxLineRune = 400
	// logsSince is how far back the suggested `just logs` reads.
	logsSince = "1h"
)

// Recovery advice, by what the stack's state records after the failure.
const (
	// After a rollback, the state still records this update's settings while ECS runs the
	// previous ones: a refresh reads those back, so the update that follows applies the stack's
	// settings again and starts a new deployment.
	recoverRollback = "Fix the cause and run `pulumi up`; to retry this update unchanged, run `pulumi up --refresh` " +
		"(the refresh reads what ECS restored into the state, so the update applies the stack's settings again)."
	recoverNoRollback = "Fix the cause and run `pulumi up`; to retry %s unchanged, run `just redeploy` " +
		"(new tasks on the same task definition), then `pulumi up`."
	recoverReplaced = "Another deployment of this service is running (another `pulumi up`, the console, the CLI or CI): " +
		"let it finish, then run `pulumi up --refresh`."
	recoverDrift = "To deploy %[1]s again, run `pulumi up --refresh`: the refresh reads %[2]s into the state, so the " +
		"update sets the service back to %[1]s and starts a new deployment, which this check follows. " +
		"If %[1]s itself is at fault, fix it first (see the logs)."
	recoverTimeout = "ECS goes on with the deployment: follow it with the commands above, then run `pulumi up` again."
)

// failed is the error for a deployment ECS marked FAILED; p is the service's PRIMARY deployment.
// After a rollback p is the deployment ECS rolled back to: a new one, or the last completed one
// resumed (its rolloutState back to IN_PROGRESS); without a completed deployment to roll back to,
// the failed one stays PRIMARY and "doesn't launch any new tasks" (ECS API reference,
// Deployment.rolloutState; developerguide/deployment-circuit-breaker.html).
func (w *Watch) failed(ctx context.Context, svc *types.Service, d, p *types.Deployment, f *follow) error {
	id, td := aws.ToString(d.Id), familyRevision(d.TaskDefinition)
	phase := ""
	switch {
	case f.allRunning:
		phase = " after all its tasks were running, in the bake time when ECS watches the deployment alarms"
	case f.failedTasks > 0:
		phase = fmt.Sprintf(" after %d of its tasks failed", f.failedTasks)
	}
	var r report
	switch {
	case p == nil || aws.ToString(p.Id) == id:
		r.addf("ECS marked deployment %s (%s) of service %s FAILED%s. There is no earlier completed deployment "+
			"to roll back to, so ECS starts no new tasks.", id, td, w.Service, phase)
	case aws.ToString(p.TaskDefinition) == aws.ToString(d.TaskDefinition):
		r.addf("ECS rolled back deployment %s of service %s%s. The update kept task definition %s and changed other "+
			"service settings (such as the capacity providers or the network configuration); ECS restored the "+
			"previous ones with deployment %s.", id, w.Service, phase, td, aws.ToString(p.Id))
	default:
		r.addf("ECS rolled back deployment %s (%s) of service %s%s: the service runs %s again (deployment %s).",
			id, td, w.Service, phase, familyRevision(p.TaskDefinition), aws.ToString(p.Id))
	}
	r.reason(d)
	// A task an ECS service started has the deployment's ID in startedBy (API reference, Task).
	w.details(ctx, &r, svc, func(t types.Task) bool { return aws.ToString(t.StartedBy) == id })
	if p == nil || aws.ToString(p.Id) == id {
		r.addf(recoverNoRollback, td)
	} else {
		r.add(recoverRollback)
	}
	return r.err()
}

// replaced is the error for a followed deployment that stopped being the PRIMARY one before it
// completed; p is the PRIMARY deployment now.
func (w *Watch) replaced(ctx context.Context, svc *types.Service, f *follow, p *types.Deployment) error {
	var r report
	what := "was replaced"
	if find(svc, f.id) == nil {
		what = "is no longer listed"
	}
	if p == nil {
		r.addf("Deployment %s (%s) of service %s %s before it completed, and the service has no PRIMARY deployment.",
			f.id, familyRevision(&f.taskDefinition), w.Service, what)
	} else {
		r.addf("Deployment %s (%s) of service %s %s before it completed: the PRIMARY deployment is now %s, "+
			"created %s, which this update did not start.", f.id, familyRevision(&f.taskDefinition), w.Service, what,
			describeDeployment(p), stamp(p.CreatedAt))
		r.reason(p)
	}
	w.details(ctx, &r, svc, func(t types.Task) bool { return aws.ToString(t.StartedBy) == f.id })
	r.add(recoverReplaced)
	return r.err()
}

// drifted is the error for a service whose completed PRIMARY deployment d runs another task
// definition than the stack declares: ECS rolled the stack's back after an earlier `pulumi up`
// returned (a deployment alarm late in the bake time), or someone deployed by hand.
func (w *Watch) drifted(ctx context.Context, svc *types.Service, d *types.Deployment) error {
	want, got := familyRevision(&w.TaskDefinition), familyRevision(d.TaskDefinition)
	var r report
	r.addf("Service %s runs %s, not %s that the stack declares (deployment %s, created %s): ECS rolled %s back after "+
		"an earlier `pulumi up` returned (a deployment alarm in the bake time), or the service was deployed outside "+
		"Pulumi.", w.Service, got, want, aws.ToString(d.Id), stamp(d.CreatedAt), want)
	r.reason(d)
	w.details(ctx, &r, svc, func(t types.Task) bool { return aws.ToString(t.TaskDefinitionArn) == w.TaskDefinition })
	r.addf(recoverDrift, want, got)
	return r.err()
}

// timedOut is the error when the watch's timeout passed: the followed deployment's state, or the
// last error when ECS never answered.
func (w *Watch) timedOut(ctx context.Context, svc *types.Service, f *follow, lastErr error) error {
	if svc == nil {
		return fmt.Errorf("no answer from ECS about service %s within %s: %w", w.Service, w.Timeout, lastErr)
	}
	// The last poll judged the followed deployment still running, so ECS lists it.
	d := find(svc, f.id)
	var r report
	r.addf("Deployment %s of service %s did not finish within %s.", describeDeployment(d), w.Service, w.Timeout)
	r.reason(d)
	w.details(ctx, &r, svc, func(t types.Task) bool { return aws.ToString(t.StartedBy) == f.id })
	r.add(recoverTimeout)
	if lastErr != nil {
		return fmt.Errorf("%w\nlast error: %w", r.err(), lastErr)
	}
	return r.err()
}

// describeDeployment is a deployment's ID, task definition, rollout state and task counts.
func describeDeployment(d *types.Deployment) string {
	return fmt.Sprintf("%s (%s): %s, running %d/%d, pending %d, failed %d", aws.ToString(d.Id), familyRevision(d.TaskDefinition),
		d.RolloutState, d.RunningCount, d.DesiredCount, d.PendingCount, d.FailedTasks)
}

// details adds the stopped tasks that keep selects, the latest service events and the commands
// to dig further.
func (w *Watch) details(ctx context.Context, r *report, svc *types.Service, keep func(types.Task) bool) {
	tasks, err := w.stoppedTasks(ctx, keep)
	if err != nil {
		r.addf("(stopped tasks unavailable: %s)", apiMessage(err))
	}
	for _, t := range tasks {
		r.add(taskLine(t))
	}
	for _, e := range svc.Events[:min(maxEvents, len(svc.Events))] {
		r.addf("event %s: %s", stamp(e.CreatedAt), aws.ToString(e.Message))
	}
	region := w.ECS.Options().Region
	r.addf("Dig further: `just logs %s`; `aws ecs describe-services --region %s --cluster %s --services %s "+
		"--query 'services[0].{deployments:deployments,events:events[:10]}'`", logsSince, region, w.Cluster, w.Service)
	if len(tasks) > 0 {
		r.addf("and `aws ecs describe-tasks --region %s --cluster %s --tasks %s`", region, w.Cluster, aws.ToString(tasks[0].TaskArn))
	}
}

// stoppedTasks returns the service's latest stopped tasks that keep selects, newest first. ECS
// lists recently stopped tasks (API reference, ListTasks).
func (w *Watch) stoppedTasks(ctx context.Context, keep func(types.Task) bool) ([]types.Task, error) {
	list, err := w.ECS.ListTasks(ctx, &ecs.ListTasksInput{
		Cluster:       aws.String(w.Cluster),
		ServiceName:   aws.String(w.Service),
		DesiredStatus: types.DesiredStatusStopped,
		MaxResults:    aws.Int32(100), // the most ListTasks returns and DescribeTasks takes
	}, singleAttempt)
	if err != nil || len(list.TaskArns) == 0 {
		return nil, err
	}
	out, err := w.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(w.Cluster), Tasks: list.TaskArns}, singleAttempt)
	if err != nil {
		return nil, err
	}
	tasks := slices.DeleteFunc(out.Tasks, func(t types.Task) bool { return !keep(t) })
	slices.SortFunc(tasks, func(a, b types.Task) int {
		return cmp.Compare(aws.ToTime(b.StoppedAt).UnixNano(), aws.ToTime(a.StoppedAt).UnixNano())
	})
	return tasks[:min(maxTasks, len(tasks))], nil
}

// taskLine is a stopped task's reason and each container's exit code and reason.
func taskLine(t types.Task) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stopped task %s (%s): %s", last(aws.ToString(t.TaskArn), "/"), familyRevision(t.TaskDefinitionArn),
		aws.ToString(t.StoppedReason))
	for _, c := range t.Containers {
		reason := aws.ToString(c.Reason)
		switch {
		case c.ExitCode != nil && reason != "":
			fmt.Fprintf(&b, "; container %s exited with code %d: %s", aws.ToString(c.Name), *c.ExitCode, reason)
		case c.ExitCode != nil:
			fmt.Fprintf(&b, "; container %s exited with code %d", aws.ToString(c.Name), *c.ExitCode)
		case reason != "":
			fmt.Fprintf(&b, "; container %s: %s", aws.ToString(c.Name), reason)
		}
	}
	return b.String()
}

// report collects an error's lines, each clipped to maxLineRune.
type report struct{ lines []string }

func (r *report) add(line string) {
	if runes := []rune(line); len(runes) > maxLineRune {
		line = string(runes[:maxLineRune-1]) + "…"
	}
	r.lines = append(r.lines, line)
}

func (r *report) addf(format string, args ...any) { r.add(fmt.Sprintf(format, args...)) }

// reason adds ECS's rolloutStateReason for d, when it gave one.
func (r *report) reason(d *types.Deployment) {
	if s := aws.ToString(d.RolloutStateReason); s != "" {
		r.addf("ECS says: %s", s)
	}
}

func (r *report) err() error { return errors.New(strings.Join(r.lines, "\n")) }

// name is family:revision of a task definition ARN, the form ECS's console and CLI show.
func familyRevision(arn *string) string {
	return last(aws.ToString(arn), ":task-definition/")
}

// last is what follows the last sep in s (s when it has none).
func last(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// stamp is t in UTC to the second.
func stamp(t *time.Time) string {
	return aws.ToTime(t).UTC().Format(time.RFC3339)
}
