package main

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Target tracking: AWS adds tasks when a metric is above its target and removes them when it is
// well below, within minCount..maxCount. Scaling out waits a minute between steps (a new task
// serves within about a minute, so the next step sees its effect); scaling in waits five, so a dip
// between two bursts does not stop tasks that are needed again at once.
const (
	cpuTargetPercent     = 60
	scaleOutCooldownSec  = 60
	scaleInCooldownSec   = 300
	ecsScalableDimension = "ecs:service:DesiredCount"
	ecsServiceNamespace  = "ecs"
)

// Autoscaling lets Application Auto Scaling own the service's task count: a scalable target with
// the count's bounds, and two target-tracking policies, on CPU and on requests per task. The task
// count follows whichever policy asks for more.
type Autoscaling struct {
	pulumi.ResourceState
}

// AutoscalingArgs configures Autoscaling.
type AutoscalingArgs struct {
	// NamePrefix names the policies, e.g. "gin-fargate-dev".
	NamePrefix  string
	ClusterName pulumi.StringInput
	ServiceName pulumi.StringInput
	MinCount    int
	MaxCount    int
	// RequestsPerTarget is the target of requests per task per minute.
	RequestsPerTarget int
	// LoadBalancerARNSuffix and TargetGroupARNSuffix identify the target group's request count.
	LoadBalancerARNSuffix pulumi.StringInput
	TargetGroupARNSuffix  pulumi.StringInput
}

// NewAutoscaling declares the scalable target and its policies.
func NewAutoscaling(ctx *pulumi.Context, name string, args *AutoscalingArgs, opts ...pulumi.ResourceOption) (*Autoscaling, error) {
	a := &Autoscaling{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Autoscaling"), name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)

	// Registering bounds that exclude the current count moves the service into them at once.
	target, err := appautoscaling.NewTarget(ctx, name+"-target", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String(ecsServiceNamespace),
		ScalableDimension: pulumi.String(ecsScalableDimension),
		ResourceId:        pulumi.Sprintf("service/%s/%s", args.ClusterName, args.ServiceName),
		MinCapacity:       pulumi.Int(args.MinCount),
		MaxCapacity:       pulumi.Int(args.MaxCount),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create scalable target: %w", err)
	}
	policy := func(suffix string, tracking *appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs) error {
		tracking.ScaleOutCooldown = pulumi.Int(scaleOutCooldownSec)
		tracking.ScaleInCooldown = pulumi.Int(scaleInCooldownSec)
		_, err := appautoscaling.NewPolicy(ctx, name+"-"+suffix, &appautoscaling.PolicyArgs{
			Name:                                     pulumi.String(args.NamePrefix + "-" + suffix),
			PolicyType:                               pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:                         target.ServiceNamespace,
			ScalableDimension:                        target.ScalableDimension,
			ResourceId:                               target.ResourceId,
			TargetTrackingScalingPolicyConfiguration: tracking,
		}, parent)
		if err != nil {
			return fmt.Errorf("create %s scaling policy: %w", suffix, err)
		}
		return nil
	}
	if err := policy("cpu", &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
		TargetValue: pulumi.Float64(cpuTargetPercent),
		PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
		},
	}); err != nil {
		return nil, err
	}
	// The request policy counts the target group's requests per registered task and minute; its
	// resource label is "<load balancer ARN suffix>/<target group ARN suffix>".
	if err := policy("requests", &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
		TargetValue: pulumi.Float64(float64(args.RequestsPerTarget)),
		PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String("ALBRequestCountPerTarget"),
			ResourceLabel:        pulumi.Sprintf("%s/%s", args.LoadBalancerARNSuffix, args.TargetGroupARNSuffix),
		},
	}); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"resourceId": target.ResourceId}); err != nil {
		return nil, err
	}
	return a, nil
}
