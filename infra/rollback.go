package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// deploymentWatch is how `pulumi up` follows the service's ECS deployment: the AWS region and
// profile of the stack, when this run of the program started (the deployments ECS creates after
// it are this update's), how often it polls and how long it waits.
type deploymentWatch struct {
	region, profile   string
	started           time.Time
	interval, timeout time.Duration
	clock             rollout.Clock
}

// follow returns the task definition the service runs once ECS finished the deployment this
// update started (or, when it started none, the current one): COMPLETED after the bake time, on
// the task definition the stack declares. The output fails with the watch's error instead (a
// rollback by the circuit breaker or an alarm, a failed first deployment, a deployment replaced
// by another, a rollback after an earlier `pulumi up` returned, the timeout), so the caller must
// export it or make a resource depend on it, or the error is never seen.
//
// The watch starts once the service's update has returned: it reads the service's cluster and
// name, outputs of the update. A preview deploys nothing, so it follows nothing: it loads no AWS
// configuration, calls no ECS API and shows the declared task definition.
func (w deploymentWatch) follow(ctx *pulumi.Context, svc *ecs.Service, taskDefinition pulumi.StringOutput,
) pulumi.StringOutput {
	if ctx.DryRun() {
		return taskDefinition
	}
	log := func(line string) { _ = ctx.Log.Info(line, &pulumi.LogArgs{Resource: svc}) }
	return pulumi.All(svc.Cluster, svc.Name, taskDefinition).ApplyTWithContext(ctx.Context(),
		func(c context.Context, v []any) (string, error) {
			cluster, service, taskDefinition := v[0].(string), v[1].(string), v[2].(string)
			if err := w.run(c, cluster, service, taskDefinition, log); err != nil {
				return "", err
			}
			return taskDefinition, nil
		}).(pulumi.StringOutput)
}

// run follows the deployment of the service to its end; a timeout's error names the key that sets it.
func (w deploymentWatch) run(ctx context.Context, cluster, service, taskDefinition string, log func(string)) error {
	client, err := rollout.NewClient(ctx, w.region, w.profile)
	if err != nil {
		return fmt.Errorf("follow the deployment of ECS service %s: %w", service, err)
	}
	watch := rollout.Watch{
		ECS:            client,
		Cluster:        cluster,
		Service:        service,
		TaskDefinition: taskDefinition,
		Started:        w.started,
		Interval:       w.interval,
		Timeout:        w.timeout,
		Clock:          w.clock,
		Log:            log,
	}
	err = watch.Run(ctx)
	var timedOut *rollout.TimeoutError
	if errors.As(err, &timedOut) {
		return fmt.Errorf("%w\n`pulumi up` follows a deployment for deployTimeoutMinutes (%d); for one that needs "+
			"longer: pulumi config set deployTimeoutMinutes <minutes, %d to %d>", err, int(w.timeout/time.Minute),
			minDeployTimeoutMinutes, maxDeployTimeoutMinutes)
	}
	return err
}
