// Package rollout follows the ECS deployment a `pulumi up` started to its end and fails with the
// cause when ECS rolls it back, marks it FAILED, or another deployment replaces it.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

const (
	// PollInterval is the time between two polls in production: a rollback is reported within
	// seconds, for six DescribeServices calls a minute.
	PollInterval = 10 * time.Second
	// maxBackoff bounds the extra wait after a transient error, which grows with each error in a
	// row (the SDK's exponential backoff with jitter).
	maxBackoff = time.Minute
)

// Clock is the watch's time: SystemClock in production, a virtual clock in tests.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Watch follows the deployment of one ECS service that a `pulumi up` started. Every field is
// required.
type Watch struct {
	ECS *ecs.Client
	// Cluster (a name or an ARN) and Service name the service.
	Cluster, Service string
	// TaskDefinition is the task definition ARN the stack declares for the service.
	TaskDefinition string
	// Started is when this `pulumi up` began, by Clock: the deployments ECS created after it were
	// started by this update.
	Started time.Time
	// Interval is the time between polls (PollInterval in production); Timeout bounds the watch.
	Interval, Timeout time.Duration
	Clock             Clock
	// Log receives one line per change: the followed deployment's state, or a new API error.
	Log func(string)
}

// TimeoutError is the error Run returns when its Timeout passed before ECS finished the
// deployment: it says the deployment's state then, or wraps the last error when ECS never answered.
type TimeoutError struct{ err error }

func (e *TimeoutError) Error() string { return e.err.Error() }

func (e *TimeoutError) Unwrap() error { return e.err }

// follow is the deployment the watch follows and what it saw of it.
type follow struct {
	id string
	// own is true for a deployment this update started; false for the PRIMARY deployment the
	// watch checks when this update started none.
	own            bool
	taskDefinition string
	// allRunning is true once its running count reached its desired count: a failure after that
	// came in the bake time, when ECS watches the deployment alarms.
	allRunning  bool
	failedTasks int32
}

// Run follows the deployment until ECS reports its rolloutState COMPLETED on the stack's task
// definition, and returns nil; otherwise it returns an error saying what happened and why, and
// how to dig further and recover. ECS sets COMPLETED only once the service is steady and the bake
// time, in which the deployment alarms can still fail it, is over; FAILED when the circuit breaker
// or an alarm fails it (docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html).
// Throttling and transient errors are retried with backoff until the timeout, whose error carries
// the last one.
func (w *Watch) Run(ctx context.Context) error {
	begin := w.Clock.Now()
	deadline := begin.Add(w.Timeout)
	backoff := retry.NewExponentialJitterBackoff(maxBackoff)
	var (
		f       follow
		last    *types.Service
		lastErr error
		errs    int
		logged  string
	)
	for {
		svc, skew, err := w.describe(ctx)
		wait := w.Interval
		if err != nil && !transient(err) {
			return fmt.Errorf("follow the deployment of ECS service %s: %w", w.Service, err)
		}
		if err != nil {
			lastErr, errs = err, errs+1
			extra, _ := backoff.BackoffDelay(errs, err) // fails only when the system has no randomness
			wait += extra
			logged = w.logChange(logged, "ECS answered "+apiMessage(err)+"; retrying", begin)
		} else {
			last, errs = svc, 0
			if f.id == "" {
				f = identify(svc, w.Started.Add(skew))
			}
			f.observe(svc)
			logged = w.logChange(logged, f.progress(svc), begin)
			if done, err := w.judge(ctx, svc, &f); done {
				return err
			}
		}
		now := w.Clock.Now()
		if !now.Before(deadline) {
			return &TimeoutError{w.timedOut(ctx, last, &f, lastErr)}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("follow the deployment of ECS service %s: %w", w.Service, ctx.Err())
		case <-w.Clock.After(min(wait, deadline.Sub(now))):
		}
	}
}

// logChange logs line with the time since begin unless it repeats the previous line; it returns
// the line.
func (w *Watch) logChange(previous, line string, begin time.Time) string {
	if line != previous {
		w.Log(fmt.Sprintf("%s (%s)", line, w.Clock.Now().Sub(begin).Round(time.Second)))
	}
	return line
}

// describe reads the service, and how far ECS's clock is ahead of Clock: deployments carry ECS's
// timestamps, Started is ours. The skew comes from the Date header of ECS's answer (parsed by
// the SDK), the one clock the timestamps are sure to share; it has whole seconds and is written
// before the answer travels, so the skew comes out up to a second and a round trip low, which
// moves Started earlier, never later: a deployment of this update is never missed for a skew.
func (w *Watch) describe(ctx context.Context) (*types.Service, time.Duration, error) {
	out, err := w.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster:  aws.String(w.Cluster),
		Services: []string{w.Service},
	}, singleAttempt)
	if err != nil {
		return nil, 0, err
	}
	if len(out.Services) == 0 {
		return nil, 0, fmt.Errorf("ECS has no service %s in cluster %s", w.Service, w.Cluster)
	}
	var skew time.Duration
	if server, ok := awsmiddleware.GetServerTime(out.ResultMetadata); ok {
		skew = server.Sub(w.Clock.Now())
	}
	return &out.Services[0], skew, nil
}

// singleAttempt turns the SDK's own retries off for a call: the watch retries on its Clock, so
// that only its timeout ends a deploy.
func singleAttempt(o *ecs.Options) { o.Retryer = aws.NopRetryer{} }

// transient reports whether the SDK's standard retryer would retry err (throttling, 5xx,
// timeouts, connection errors).
func transient(err error) bool {
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// errorCode is the API error's code and message, without the request ID that changes each call.
func apiMessage(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	return err.Error()
}

// identify picks the deployment to follow: the first one ECS created after the update started
// (a later one is ECS's rollback of it, or a deployment started elsewhere), else the PRIMARY one.
func identify(svc *types.Service, since time.Time) follow {
	var first *types.Deployment
	for i, d := range svc.Deployments {
		if d.CreatedAt != nil && !d.CreatedAt.Before(since) && (first == nil || d.CreatedAt.Before(*first.CreatedAt)) {
			first = &svc.Deployments[i]
		}
	}
	if first != nil {
		return follow{id: aws.ToString(first.Id), own: true}
	}
	if p := primary(svc); p != nil {
		return follow{id: aws.ToString(p.Id)}
	}
	return follow{}
}

// observe records what the followed deployment shows at this poll.
func (f *follow) observe(svc *types.Service) {
	d := find(svc, f.id)
	if d == nil {
		return
	}
	f.taskDefinition = aws.ToString(d.TaskDefinition)
	f.allRunning = f.allRunning || (d.DesiredCount > 0 && d.RunningCount >= d.DesiredCount)
	f.failedTasks = max(f.failedTasks, d.FailedTasks)
}

// progress is the followed deployment's state as one line.
func (f *follow) progress(svc *types.Service) string {
	d := find(svc, f.id)
	if d == nil {
		return fmt.Sprintf("deployment %s: no longer listed", f.id)
	}
	line := "deployment " + describeDeployment(d)
	if !f.own {
		line = "no deployment started by this update; PRIMARY " + line
	}
	return line
}

// judge decides whether the watch is done at this poll, and with which error.
func (w *Watch) judge(ctx context.Context, svc *types.Service, f *follow) (bool, error) {
	d, p := find(svc, f.id), primary(svc)
	switch {
	case d != nil && d.RolloutState == types.DeploymentRolloutStateFailed:
		return true, w.failed(ctx, svc, d, p, f)
	case d == nil || p == nil || aws.ToString(p.Id) != f.id:
		return true, w.replaced(ctx, svc, f, p)
	case d.RolloutState != types.DeploymentRolloutStateCompleted:
		return false, nil
	case aws.ToString(d.TaskDefinition) != w.TaskDefinition:
		return true, w.drifted(ctx, svc, d)
	}
	return true, nil
}

// primary returns the service's PRIMARY deployment, "the most recent deployment of a service"
// (ECS API reference, Deployment.status); nil if none.
func primary(svc *types.Service) *types.Deployment {
	for i, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return &svc.Deployments[i]
		}
	}
	return nil
}

// find returns the deployment with the given ID (nil if ECS no longer lists it).
func find(svc *types.Service, id string) *types.Deployment {
	for i, d := range svc.Deployments {
		if aws.ToString(d.Id) == id {
			return &svc.Deployments[i]
		}
	}
	return nil
}
