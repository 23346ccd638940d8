package main

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Alarm names end in these suffixes after the stack's name prefix: deterministic, because the
// service names its deployment alarms and the topic policy names every alarm that may publish.
const (
	alarmErrorRate      = "target-5xx"
	alarmUnhealthyHosts = "unhealthy-hosts"
	alarmNoHealthyHosts = "no-healthy-hosts"
	alarmLatency        = "p99-latency"
	alarmCPU            = "cpu-high"
	alarmMemory         = "memory-high"
	// deployFailedRule names the EventBridge rule that mails ECS's own rollback events.
	deployFailedRule = "deploy-failed"
)

// Thresholds. Every alarm evaluates one-minute periods, the resolution the load balancer and ECS
// publish at.
const (
	alarmPeriodSec = 60
	// The 5xx alarm fires when more than errorRatePercent of the requests fail in 2 of 3 minutes,
	// counting only minutes with at least minErrorsPerMinute errors: a rate follows the traffic
	// (5 errors are an incident at 20 requests a minute and noise at 20,000), and the floor keeps
	// one failed request in a quiet minute from rolling a deployment back.
	errorRatePercent   = 5
	minErrorsPerMinute = 5
	// A target that stays unhealthy for 2 of 3 minutes is more than a task being replaced.
	unhealthyEvaluationPeriods = 3
	unhealthyDatapoints        = 2
	// p99 latency above latencyP99Seconds for 3 of 5 minutes: slow, not merely a slow request.
	latencyP99Seconds = 1.0
	// Autoscaling keeps CPU near cpuTargetPercent; a 5-minute average above cpuHighPercent means
	// it cannot (maxCount reached, or tasks too small).
	cpuHighPercent = 85
	// The busiest task's memory above memoryHighPercent for 3 minutes: it is about to be killed.
	memoryHighPercent = 90
)

// keyDeletionDays is the longest KMS deletion window, the safest (Security Hub KMS.3).
const keyDeletionDays = 30

// Alarms are the stack's CloudWatch alarms and, with an alarm email, the encrypted SNS topic they
// notify. The load balancer alarms exist before the service, which names two of them as its
// deployment alarms: ECS rolls a deployment back when the new tasks raise the error rate or fail
// health checks, not only when they fail to start. WatchService adds the service's own alarms.
type Alarms struct {
	pulumi.ResourceState

	// Topic receives every alarm's ALARM and OK transitions; nil without an alarm email.
	Topic *sns.Topic
	// Key encrypts the topic; nil without an alarm email.
	Key *kms.Key
	// ErrorRate and UnhealthyHosts are the service's deployment alarms.
	ErrorRate      *cloudwatch.MetricAlarm
	UnhealthyHosts *cloudwatch.MetricAlarm
	Latency        *cloudwatch.MetricAlarm
	// NoHealthyHosts fires when nothing serves; nil when minCount is 0 (a stack allowed to idle).
	NoHealthyHosts *cloudwatch.MetricAlarm
	CPU            *cloudwatch.MetricAlarm
	Memory         *cloudwatch.MetricAlarm
	// DeploymentAlarmNames are the alarms ECS watches during a deployment.
	DeploymentAlarmNames pulumi.StringArrayOutput `pulumi:"deploymentAlarmNames"`

	name    string
	args    AlarmsArgs
	actions pulumi.Array
}

// AlarmsArgs configures Alarms.
type AlarmsArgs struct {
	// NamePrefix starts every alarm name, e.g. "gin-fargate-dev".
	NamePrefix string
	Region     string
	Account    string
	// Email, when set, subscribes to the alarm topic; empty means no topic and no alarm actions.
	Email string
	// LoadBalancerARNSuffix and TargetGroupARNSuffix are the load balancer metric dimensions.
	LoadBalancerARNSuffix pulumi.StringInput
	TargetGroupARNSuffix  pulumi.StringInput
	// WatchHealthyHosts adds the alarm for a service with no healthy task (when minCount > 0).
	WatchHealthyHosts bool
}

// alarmName is the full name of one of the stack's alarms.
func alarmName(prefix, suffix string) string { return prefix + "-" + suffix }

// alarmNames are the names of every alarm the stack may declare.
func alarmNames(prefix string) []string {
	suffixes := []string{alarmErrorRate, alarmUnhealthyHosts, alarmNoHealthyHosts, alarmLatency, alarmCPU, alarmMemory}
	names := make([]string, len(suffixes))
	for i, s := range suffixes {
		names[i] = alarmName(prefix, s)
	}
	return names
}

// NewAlarms declares the notification topic (with an email) and the load balancer alarms.
func NewAlarms(ctx *pulumi.Context, name string, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	if args == nil || args.NamePrefix == "" || args.LoadBalancerARNSuffix == nil || args.TargetGroupARNSuffix == nil {
		return nil, fmt.Errorf("create alarms: a name prefix and the load balancer's metric dimensions are required")
	}
	a := &Alarms{name: name, args: *args}
	if err := ctx.RegisterComponentResource("gin-fargate:index:Alarms", name, a, opts...); err != nil {
		return nil, err
	}
	if args.Email != "" {
		if err := a.addTopic(ctx, name); err != nil {
			return nil, err
		}
	}
	if err := a.addLoadBalancerAlarms(ctx); err != nil {
		return nil, err
	}
	a.DeploymentAlarmNames = pulumi.StringArray{a.ErrorRate.Name, a.UnhealthyHosts.Name}.ToStringArrayOutput()
	return a, nil
}

// addTopic declares the SNS topic, encrypted with a key of the stack's own, and the email
// subscription (AWS mails a confirmation link first; nothing is delivered until it is followed).
//
// The topic cannot use the AWS-managed key alias/aws/sns: its key policy, which nobody can edit,
// does not let CloudWatch or EventBridge encrypt, so every notification would be dropped and only
// the alarm history would say so. The customer-managed key (about US$1 a month, only with an alarm
// email) lets exactly those two services use it.
func (a *Alarms) addTopic(ctx *pulumi.Context, name string) error {
	parent := pulumi.Parent(a)
	keyPolicy, err := topicKeyPolicy(partitionForRegion(a.args.Region), a.args.Account)
	if err != nil {
		return fmt.Errorf("encode alarm topic key policy: %w", err)
	}
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the alarm notifications of " + a.args.NamePrefix),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(keyDeletionDays),
		Policy:               pulumi.String(keyPolicy),
	}, parent)
	if err != nil {
		return fmt.Errorf("create alarm topic key: %w", err)
	}
	topic, err := sns.NewTopic(ctx, name+"-topic", &sns.TopicArgs{
		DisplayName:    pulumi.String(a.args.NamePrefix + " alarms"),
		KmsMasterKeyId: key.Arn,
	}, parent)
	if err != nil {
		return fmt.Errorf("create alarm topic: %w", err)
	}
	a.Key, a.Topic = key, topic

	policy := topic.Arn.ApplyT(func(arn string) (string, error) {
		return topicPolicy(arn, partitionForRegion(a.args.Region), a.args.Region, a.args.Account, a.args.NamePrefix)
	}).(pulumi.StringOutput)
	if _, err := sns.NewTopicPolicy(ctx, name+"-topic-policy", &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: policy,
	}, parent); err != nil {
		return fmt.Errorf("create alarm topic policy: %w", err)
	}
	if _, err := sns.NewTopicSubscription(ctx, name+"-email", &sns.TopicSubscriptionArgs{
		Topic:    topic.Arn,
		Protocol: pulumi.String("email"),
		Endpoint: pulumi.String(a.args.Email),
	}, parent); err != nil {
		return fmt.Errorf("create alarm email subscription: %w", err)
	}
	a.actions = pulumi.Array{topic.Arn}
	return nil
}

// topicKeyPolicy lets the account manage the key through IAM (AWS's default key policy statement:
// without it the key could never be changed or deleted again) and lets CloudWatch alarms and
// EventBridge encrypt messages for the topic with it.
func topicKeyPolicy(partition, account string) (string, error) {
	use := func(sid, service string) policyStatement {
		return policyStatement{
			Sid:       sid,
			Effect:    "Allow",
			Principal: map[string]string{"Service": service},
			// The actions SNS's documentation lists for AWS services publishing to an encrypted topic.
			Action:   []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			Resource: []string{"*"},
		}
	}
	return policyJSON(
		policyStatement{
			Sid:       "AccountManagesKeyThroughIAM",
			Effect:    "Allow",
			Principal: map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, account)},
			Action:    []string{"kms:*"},
			Resource:  []string{"*"},
		},
		use("CloudWatchAlarmsEncrypt", "cloudwatch.amazonaws.com"),
		use("EventBridgeEncrypts", "events.amazonaws.com"),
	)
}

// topicPolicy lets exactly this stack's alarms and its deployment-failure rule publish to the topic.
func topicPolicy(topicArn, partition, region, account, prefix string) (string, error) {
	var alarms []string
	for _, n := range alarmNames(prefix) {
		alarms = append(alarms, fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", partition, region, account, n))
	}
	rule := fmt.Sprintf("arn:%s:events:%s:%s:rule/%s", partition, region, account, alarmName(prefix, deployFailedRule))
	publish := func(sid, service string, sources []string) policyStatement {
		return policyStatement{
			Sid:       sid,
			Effect:    "Allow",
			Principal: map[string]string{"Service": service},
			Action:    []string{"sns:Publish"},
			Resource:  []string{topicArn},
			Condition: map[string]map[string]any{
				"StringEquals": {"aws:SourceAccount": account},
				"ArnLike":      {"aws:SourceArn": sources},
			},
		}
	}
	return policyJSON(
		publish("StackAlarmsPublish", "cloudwatch.amazonaws.com", alarms),
		publish("DeploymentFailuresPublish", "events.amazonaws.com", []string{rule}),
	)
}

// newAlarm declares one alarm with the stack's notification actions: every ALARM and every return
// to OK goes to the topic, so a page is always followed by its all-clear.
func (a *Alarms) newAlarm(ctx *pulumi.Context, suffix string, args *cloudwatch.MetricAlarmArgs,
	opts ...pulumi.ResourceOption,
) (*cloudwatch.MetricAlarm, error) {
	args.Name = pulumi.String(alarmName(a.args.NamePrefix, suffix))
	args.ActionsEnabled = pulumi.Bool(true)
	if a.actions != nil {
		args.AlarmActions = a.actions
		args.OkActions = a.actions
	}
	alarm, err := cloudwatch.NewMetricAlarm(ctx, a.name+"-"+suffix, args, append(opts, pulumi.Parent(a))...)
	if err != nil {
		return nil, fmt.Errorf("create alarm %s: %w", suffix, err)
	}
	return alarm, nil
}

// albMetric is a load balancer metric for one alarm query.
func albMetric(name, stat string, dims pulumi.StringMap) *cloudwatch.MetricAlarmMetricQueryMetricArgs {
	return &cloudwatch.MetricAlarmMetricQueryMetricArgs{
		Namespace:  pulumi.String("AWS/ApplicationELB"),
		MetricName: pulumi.String(name),
		Stat:       pulumi.String(stat),
		Period:     pulumi.Int(alarmPeriodSec),
		Dimensions: dims,
	}
}

// addLoadBalancerAlarms declares the alarms on the target group's traffic and health.
//
// treatMissingData is notBreaching for each of them: the load balancer publishes error counts only
// when there are errors, request counts and latency only when there is traffic, and host counts
// only while targets are registered, so a missing point means a quiet minute, not a failure (the
// exception, NoHealthyHosts, comes with the service's alarms).
func (a *Alarms) addLoadBalancerAlarms(ctx *pulumi.Context) error {
	lb := pulumi.StringMap{"LoadBalancer": a.args.LoadBalancerARNSuffix}
	tg := pulumi.StringMap{"LoadBalancer": a.args.LoadBalancerARNSuffix, "TargetGroup": a.args.TargetGroupARNSuffix}
	var err error

	// Target 5xx (the app's 500s) plus the load balancer's own 5xx (502/503/504: a task that
	// crashes or hangs answers nothing, so the app never counts those), as a share of requests.
	a.ErrorRate, err = a.newAlarm(ctx, alarmErrorRate, &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("More than %d%% of requests failed with a 5xx (at least %d a minute) "+
			"in 2 of 3 minutes. Deployment alarm: ECS rolls a deployment back while it fires.",
			errorRatePercent, minErrorsPerMinute),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(errorRatePercent),
		EvaluationPeriods:  pulumi.Int(3),
		DatapointsToAlarm:  pulumi.Int(2),
		TreatMissingData:   pulumi.String("notBreaching"),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			&cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("target5xx"),
				Metric: albMetric("HTTPCode_Target_5XX_Count", "Sum", tg), ReturnData: pulumi.Bool(false)},
			&cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("elb5xx"),
				Metric: albMetric("HTTPCode_ELB_5XX_Count", "Sum", lb), ReturnData: pulumi.Bool(false)},
			&cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("requests"),
				Metric: albMetric("RequestCount", "Sum", tg), ReturnData: pulumi.Bool(false)},
			&cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("errors"),
				Expression: pulumi.String("FILL(target5xx, 0) + FILL(elb5xx, 0)"),
				Label:      pulumi.String("5xx responses"), ReturnData: pulumi.Bool(false)},
			&cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("rate"),
				Expression: pulumi.String(fmt.Sprintf("IF(errors >= %d, 100 * errors / FILL(requests, 1), 0)", minErrorsPerMinute)),
				Label:      pulumi.String("5xx % of requests"), ReturnData: pulumi.Bool(true)},
		},
	})
	if err != nil {
		return err
	}
	a.UnhealthyHosts, err = a.newAlarm(ctx, alarmUnhealthyHosts, &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.String("A task failed the load balancer's health check in 2 of 3 minutes. " +
			"Deployment alarm: ECS rolls a deployment back while it fires."),
		Namespace:          pulumi.String("AWS/ApplicationELB"),
		MetricName:         pulumi.String("UnHealthyHostCount"),
		Dimensions:         tg,
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(alarmPeriodSec),
		ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
		Threshold:          pulumi.Float64(1),
		EvaluationPeriods:  pulumi.Int(unhealthyEvaluationPeriods),
		DatapointsToAlarm:  pulumi.Int(unhealthyDatapoints),
		TreatMissingData:   pulumi.String("notBreaching"),
	})
	if err != nil {
		return err
	}
	a.Latency, err = a.newAlarm(ctx, alarmLatency, &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("p99 response time above %gs in 3 of 5 minutes.", latencyP99Seconds),
		Namespace:        pulumi.String("AWS/ApplicationELB"),
		MetricName:       pulumi.String("TargetResponseTime"),
		Dimensions:       tg,
		// Percentiles over a handful of requests say little: such minutes leave the state as is.
		ExtendedStatistic:                 pulumi.String("p99"),
		EvaluateLowSampleCountPercentiles: pulumi.String("ignore"),
		Period:                            pulumi.Int(alarmPeriodSec),
		ComparisonOperator:                pulumi.String("GreaterThanThreshold"),
		Threshold:                         pulumi.Float64(latencyP99Seconds),
		EvaluationPeriods:                 pulumi.Int(5),
		DatapointsToAlarm:                 pulumi.Int(3),
		TreatMissingData:                  pulumi.String("notBreaching"),
	})
	return err
}

// WatchService declares the service's CPU, memory and no-healthy-hosts alarms and, with an alarm
// email, mails ECS's own deployment failures: a rollback that happens after `pulumi up` returned
// (a deployment alarm that fires late, a `just redeploy`) is then loud too. It completes the
// component.
func (a *Alarms) WatchService(ctx *pulumi.Context, svc *Service) error {
	if svc == nil {
		return fmt.Errorf("create service alarms: a service is required")
	}
	dims := pulumi.StringMap{"ClusterName": svc.ClusterName, "ServiceName": svc.ServiceName}
	var err error
	// treatMissingData notBreaching: ECS publishes these only while tasks run, and no task at all
	// is the NoHealthyHosts alarm's concern, not a saturation.
	a.CPU, err = a.newAlarm(ctx, alarmCPU, &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("Average CPU above %d%% for 5 minutes: autoscaling cannot keep up "+
			"(maxCount reached, or the task size is too small).", cpuHighPercent),
		Namespace:          pulumi.String("AWS/ECS"),
		MetricName:         pulumi.String("CPUUtilization"),
		Dimensions:         dims,
		Statistic:          pulumi.String("Average"),
		Period:             pulumi.Int(alarmPeriodSec),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(cpuHighPercent),
		EvaluationPeriods:  pulumi.Int(5),
		DatapointsToAlarm:  pulumi.Int(5),
		TreatMissingData:   pulumi.String("notBreaching"),
	})
	if err != nil {
		return err
	}
	a.Memory, err = a.newAlarm(ctx, alarmMemory, &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("The busiest task used more than %d%% of its memory for 3 minutes: "+
			"it is close to being killed (out of memory).", memoryHighPercent),
		Namespace:          pulumi.String("AWS/ECS"),
		MetricName:         pulumi.String("MemoryUtilization"),
		Dimensions:         dims,
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(alarmPeriodSec),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(memoryHighPercent),
		EvaluationPeriods:  pulumi.Int(3),
		DatapointsToAlarm:  pulumi.Int(3),
		TreatMissingData:   pulumi.String("notBreaching"),
	})
	if err != nil {
		return err
	}
	if a.args.WatchHealthyHosts {
		// No point at all means no registered target: the service is down, so missing data
		// breaches. Declared once the service is steady, so a new stack does not page while its
		// first tasks start.
		tg := pulumi.StringMap{"LoadBalancer": a.args.LoadBalancerARNSuffix, "TargetGroup": a.args.TargetGroupARNSuffix}
		a.NoHealthyHosts, err = a.newAlarm(ctx, alarmNoHealthyHosts, &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String("No task passed the load balancer's health check for 2 minutes: the service is down."),
			Namespace:          pulumi.String("AWS/ApplicationELB"),
			MetricName:         pulumi.String("HealthyHostCount"),
			Dimensions:         tg,
			Statistic:          pulumi.String("Minimum"),
			Period:             pulumi.Int(alarmPeriodSec),
			ComparisonOperator: pulumi.String("LessThanThreshold"),
			Threshold:          pulumi.Float64(1),
			EvaluationPeriods:  pulumi.Int(2),
			DatapointsToAlarm:  pulumi.Int(2),
			TreatMissingData:   pulumi.String("breaching"),
		}, pulumi.DependsOn([]pulumi.Resource{svc.Service}))
		if err != nil {
			return err
		}
	}
	if a.Topic != nil {
		if err := a.addDeploymentFailureMail(ctx, svc.Service.ID().ToStringOutput(), svc.ServiceName); err != nil {
			return err
		}
	}
	return ctx.RegisterResourceOutputs(a, pulumi.Map{"deploymentAlarmNames": a.DeploymentAlarmNames})
}

// deploymentFailedPattern matches ECS's event for a deployment it failed and rolled back.
func deploymentFailedPattern(serviceArn string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.ecs"},
		"detail-type": []string{"ECS Deployment State Change"},
		"resources":   []string{serviceArn},
		"detail":      map[string]any{"eventName": []string{"SERVICE_DEPLOYMENT_FAILED"}},
	})
	return string(b), err
}

// addDeploymentFailureMail sends ECS's deployment-failure events for the service to the topic, as
// one readable sentence.
func (a *Alarms) addDeploymentFailureMail(ctx *pulumi.Context, serviceArn, serviceName pulumi.StringOutput) error {
	parent := pulumi.Parent(a)
	pattern := serviceArn.ApplyT(deploymentFailedPattern).(pulumi.StringOutput)
	rule, err := cloudwatch.NewEventRule(ctx, a.name+"-"+deployFailedRule, &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(alarmName(a.args.NamePrefix, deployFailedRule)),
		Description:  pulumi.String("ECS failed and rolled back a deployment of " + a.args.NamePrefix),
		EventPattern: pattern,
	}, parent)
	if err != nil {
		return fmt.Errorf("create deployment failure rule: %w", err)
	}
	if _, err := cloudwatch.NewEventTarget(ctx, a.name+"-"+deployFailedRule+"-mail", &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  a.Topic.Arn,
		InputTransformer: &cloudwatch.EventTargetInputTransformerArgs{
			InputPaths: pulumi.StringMap{
				"deployment": pulumi.String("$.detail.deploymentId"),
				"reason":     pulumi.String("$.detail.reason"),
				"time":       pulumi.String("$.time"),
			},
			InputTemplate: pulumi.Sprintf(`"ECS rolled back deployment <deployment> of service %s at <time>: <reason>. `+
				`Read the service events (aws ecs describe-services) and the logs (just logs)."`, serviceName),
		},
	}, parent); err != nil {
		return fmt.Errorf("create deployment failure mail: %w", err)
	}
	return nil
}

// DeploymentAlarmARNs are the ARNs of the service's deployment alarms.
func (a *Alarms) DeploymentAlarmARNs() pulumi.StringArrayOutput {
	return pulumi.StringArray{a.ErrorRate.Arn, a.UnhealthyHosts.Arn}.ToStringArrayOutput()
}

// OtherAlarmARNs are the ARNs of the other alarms declared so far.
func (a *Alarms) OtherAlarmARNs() pulumi.StringArrayOutput {
	var arns pulumi.StringArray
	for _, alarm := range []*cloudwatch.MetricAlarm{a.NoHealthyHosts, a.Latency, a.CPU, a.Memory} {
		if alarm != nil {
			arns = append(arns, alarm.Arn)
		}
	}
	return arns.ToStringArrayOutput()
}
