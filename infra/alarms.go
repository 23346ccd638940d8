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

// Alarms are the load balancer's alarms and, with an alarm email, the encrypted SNS topic every
// alarm of the stack notifies. They exist before the service, which names two of them as its
// deployment alarms: ECS rolls a deployment back when the new tasks raise the error rate or fail
// health checks, not only when they fail to start. ServiceAlarms adds the service's own.
type Alarms struct {
	pulumi.ResourceState

	// Topic receives every alarm's ALARM and OK transitions; nil without an alarm email.
	Topic *sns.Topic
	// ErrorRate and UnhealthyHosts are the service's deployment alarms.
	ErrorRate      *cloudwatch.MetricAlarm
	UnhealthyHosts *cloudwatch.MetricAlarm
	Latency        *cloudwatch.MetricAlarm
	// DeploymentAlarmNames are the alarms ECS watches during a deployment.
	DeploymentAlarmNames pulumi.StringArrayOutput `pulumi:"deploymentAlarmNames"`

	name string
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

// alarmMaker declares one component's alarms with the stack's notification actions: every ALARM
// and every return to OK goes to the topic, so a page is always followed by its all-clear.
type alarmMaker struct {
	parent pulumi.Resource
	// name is the component's logical name, which starts its children's; prefix starts the alarms' names.
	name, prefix string
	// actions notify the topic; nil without an alarm email.
	actions pulumi.Array
}

func newAlarmMaker(parent pulumi.Resource, name, prefix string, topic *sns.Topic) alarmMaker {
	m := alarmMaker{parent: parent, name: name, prefix: prefix}
	if topic != nil {
		m.actions = pulumi.Array{topic.Arn}
	}
	return m
}

func (m alarmMaker) alarm(ctx *pulumi.Context, suffix string, args *cloudwatch.MetricAlarmArgs,
	opts ...pulumi.ResourceOption,
) (*cloudwatch.MetricAlarm, error) {
	args.Name = pulumi.String(alarmName(m.prefix, suffix))
	args.ActionsEnabled = pulumi.Bool(true)
	if m.actions != nil {
		args.AlarmActions = m.actions
		args.OkActions = m.actions
	}
	alarm, err := cloudwatch.NewMetricAlarm(ctx, m.name+"-"+suffix, args, append(opts, pulumi.Parent(m.parent))...)
	if err != nil {
		return nil, fmt.Errorf("create alarm %s: %w", suffix, err)
	}
	return alarm, nil
}

// NewAlarms declares the notification topic (with an email) and the load balancer alarms.
func NewAlarms(ctx *pulumi.Context, name string, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	a := &Alarms{name: name}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Alarms"), name, a, opts...); err != nil {
		return nil, err
	}
	if args.Email != "" {
		topic, err := addTopic(ctx, a, name, args)
		if err != nil {
			return nil, err
		}
		a.Topic = topic
	}
	if err := a.addLoadBalancerAlarms(ctx, newAlarmMaker(a, name, args.NamePrefix, a.Topic), args); err != nil {
		return nil, err
	}
	a.DeploymentAlarmNames = pulumi.StringArray{a.ErrorRate.Name, a.UnhealthyHosts.Name}.ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"deploymentAlarmNames": a.DeploymentAlarmNames}); err != nil {
		return nil, err
	}
	return a, nil
}

// addTopic declares the SNS topic, encrypted with a key of the stack's own, and the email
// subscription (AWS mails a confirmation link first; nothing is delivered until it is followed).
//
// The topic cannot use the AWS-managed key alias/aws/sns: its key policy, which nobody can edit,
// does not let CloudWatch or EventBridge encrypt, so every notification would be dropped and only
// the alarm history would say so. The customer-managed key (about US$1 a month, only with an alarm
// email) lets exactly those two services use it.
func addTopic(ctx *pulumi.Context, a *Alarms, name string, args *AlarmsArgs) (*sns.Topic, error) {
	parent := pulumi.Parent(a)
	keyPolicy, err := topicKeyPolicy(partitionForRegion(args.Region), args.Account)
	if err != nil {
		return nil, fmt.Errorf("encode alarm topic key policy: %w", err)
	}
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the alarm notifications of " + args.NamePrefix),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(keyDeletionDays),
		Policy:               pulumi.String(keyPolicy),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create alarm topic key: %w", err)
	}
	topic, err := sns.NewTopic(ctx, name+"-topic", &sns.TopicArgs{
		DisplayName:    pulumi.String(args.NamePrefix + " alarms"),
		KmsMasterKeyId: key.Arn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create alarm topic: %w", err)
	}
	policy := topic.Arn.ApplyT(func(arn string) (string, error) {
		return topicPolicy(arn, partitionForRegion(args.Region), args.Region, args.Account, args.NamePrefix)
	}).(pulumi.StringOutput)
	if _, err := sns.NewTopicPolicy(ctx, name+"-topic-policy", &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: policy,
	}, parent); err != nil {
		return nil, fmt.Errorf("create alarm topic policy: %w", err)
	}
	if _, err := sns.NewTopicSubscription(ctx, name+"-email", &sns.TopicSubscriptionArgs{
		Topic:    topic.Arn,
		Protocol: pulumi.String("email"),
		Endpoint: pulumi.String(args.Email),
	}, parent); err != nil {
		return nil, fmt.Errorf("create alarm email subscription: %w", err)
	}
	return topic, nil
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
func (a *Alarms) addLoadBalancerAlarms(ctx *pulumi.Context, m alarmMaker, args *AlarmsArgs) error {
	lb := pulumi.StringMap{"LoadBalancer": args.LoadBalancerARNSuffix}
	tg := targetGroupDimensions(args.LoadBalancerARNSuffix, args.TargetGroupARNSuffix)
	var err error

	// Target 5xx (the app's 500s) plus the load balancer's own 5xx (502/503/504: a task that
	// crashes or hangs answers nothing, so the app never counts those), as a share of requests.
	a.ErrorRate, err = m.alarm(ctx, alarmErrorRate, &cloudwatch.MetricAlarmArgs{
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
	a.UnhealthyHosts, err = m.alarm(ctx, alarmUnhealthyHosts, &cloudwatch.MetricAlarmArgs{
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
	a.Latency, err = m.alarm(ctx, alarmLatency, &cloudwatch.MetricAlarmArgs{
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

// targetGroupDimensions are the metric dimensions of the target group's traffic and health.
func targetGroupDimensions(loadBalancer, targetGroup pulumi.StringInput) pulumi.StringMap {
	return pulumi.StringMap{"LoadBalancer": loadBalancer, "TargetGroup": targetGroup}
}

// ServiceAlarms are the service's own alarms, declared once the service exists: CPU and memory
// saturation, no healthy task, and, with an alarm email, ECS's deployment failures by mail, so a
// rollback that happens after `pulumi up` returned (a deployment alarm that fires late, a
// `just redeploy`) is loud too.
type ServiceAlarms struct {
	pulumi.ResourceState

	CPU    *cloudwatch.MetricAlarm
	Memory *cloudwatch.MetricAlarm
	// NoHealthyHosts fires when nothing serves; nil when minCount is 0 (a stack allowed to idle).
	NoHealthyHosts *cloudwatch.MetricAlarm
}

// ServiceAlarmsArgs configures ServiceAlarms.
type ServiceAlarmsArgs struct {
	NamePrefix string
	// Alarms holds the topic to notify. Its component declared these alarms until they moved
	// here; each keeps its URN through an alias, so deployed alarms are not replaced.
	Alarms  *Alarms
	Service *Service
	// LoadBalancerARNSuffix and TargetGroupARNSuffix are the target group's metric dimensions.
	LoadBalancerARNSuffix pulumi.StringInput
	TargetGroupARNSuffix  pulumi.StringInput
	// WatchHealthyHosts adds the alarm for a service with no healthy task (when minCount > 0).
	WatchHealthyHosts bool
}

// NewServiceAlarms declares the service's alarms and, with an alarm email, its failure mail.
func NewServiceAlarms(ctx *pulumi.Context, name string, args *ServiceAlarmsArgs, opts ...pulumi.ResourceOption) (*ServiceAlarms, error) {
	s := &ServiceAlarms{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "ServiceAlarms"), name, s, opts...); err != nil {
		return nil, err
	}
	m := newAlarmMaker(s, name, args.NamePrefix, args.Alarms.Topic)
	movedFrom := func(suffix string) pulumi.ResourceOption {
		return pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(args.Alarms.name + "-" + suffix), Parent: args.Alarms}})
	}
	svc := args.Service
	// A task's CPU or memory utilisation above percent for minutes. treatMissingData notBreaching:
	// ECS publishes these only while tasks run, and no task at all is the NoHealthyHosts alarm's
	// concern, not a saturation. The description is a format of percent and minutes.
	utilisation := func(suffix, metric, stat string, percent, minutes int, description string) (*cloudwatch.MetricAlarm, error) {
		return m.alarm(ctx, suffix, &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.Sprintf(description, percent, minutes),
			Namespace:          pulumi.String("AWS/ECS"),
			MetricName:         pulumi.String(metric),
			Dimensions:         pulumi.StringMap{"ClusterName": svc.ClusterName, "ServiceName": svc.ServiceName},
			Statistic:          pulumi.String(stat),
			Period:             pulumi.Int(alarmPeriodSec),
			ComparisonOperator: pulumi.String("GreaterThanThreshold"),
			Threshold:          pulumi.Float64(float64(percent)),
			EvaluationPeriods:  pulumi.Int(minutes),
			DatapointsToAlarm:  pulumi.Int(minutes),
			TreatMissingData:   pulumi.String("notBreaching"),
		}, movedFrom(suffix))
	}
	var err error
	if s.CPU, err = utilisation(alarmCPU, "CPUUtilization", "Average", cpuHighPercent, 5, "Average CPU above %d%% for "+
		"%d minutes: autoscaling cannot keep up (maxCount reached, or the task size is too small)."); err != nil {
		return nil, err
	}
	if s.Memory, err = utilisation(alarmMemory, "MemoryUtilization", "Maximum", memoryHighPercent, 3, "The busiest task "+
		"used more than %d%% of its memory for %d minutes: it is close to being killed (out of memory)."); err != nil {
		return nil, err
	}
	if args.WatchHealthyHosts {
		// No point at all means no registered target: the service is down, so missing data
		// breaches. Declared once `pulumi up` followed the service's deployment to its end, so a
		// new stack does not page while its first tasks start.
		if s.NoHealthyHosts, err = m.alarm(ctx, alarmNoHealthyHosts, &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String("No task passed the load balancer's health check for 2 minutes: the service is down."),
			Namespace:          pulumi.String("AWS/ApplicationELB"),
			MetricName:         pulumi.String("HealthyHostCount"),
			Dimensions:         targetGroupDimensions(args.LoadBalancerARNSuffix, args.TargetGroupARNSuffix),
			Statistic:          pulumi.String("Minimum"),
			Period:             pulumi.Int(alarmPeriodSec),
			ComparisonOperator: pulumi.String("LessThanThreshold"),
			Threshold:          pulumi.Float64(1),
			EvaluationPeriods:  pulumi.Int(2),
			DatapointsToAlarm:  pulumi.Int(2),
			TreatMissingData:   pulumi.String("breaching"),
		}, svc.afterDeployment(), movedFrom(alarmNoHealthyHosts)); err != nil {
			return nil, err
		}
	}
	if topic := args.Alarms.Topic; topic != nil {
		if err := addDeploymentFailureMail(ctx, s, name, args.NamePrefix, topic, svc, movedFrom); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{}); err != nil {
		return nil, err
	}
	return s, nil
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
func addDeploymentFailureMail(ctx *pulumi.Context, parent pulumi.Resource, name, prefix string, topic *sns.Topic,
	svc *Service, movedFrom func(suffix string) pulumi.ResourceOption,
) error {
	pattern := svc.Service.ID().ToStringOutput().ApplyT(deploymentFailedPattern).(pulumi.StringOutput)
	rule, err := cloudwatch.NewEventRule(ctx, name+"-"+deployFailedRule, &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(alarmName(prefix, deployFailedRule)),
		Description:  pulumi.String("ECS failed and rolled back a deployment of " + prefix),
		EventPattern: pattern,
	}, pulumi.Parent(parent), movedFrom(deployFailedRule))
	if err != nil {
		return fmt.Errorf("create deployment failure rule: %w", err)
	}
	mail := deployFailedRule + "-mail"
	if _, err := cloudwatch.NewEventTarget(ctx, name+"-"+mail, &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  topic.Arn,
		InputTransformer: &cloudwatch.EventTargetInputTransformerArgs{
			InputPaths: pulumi.StringMap{
				"deployment": pulumi.String("$.detail.deploymentId"),
				"reason":     pulumi.String("$.detail.reason"),
				"time":       pulumi.String("$.time"),
			},
			InputTemplate: pulumi.Sprintf(`"ECS rolled back deployment <deployment> of service %s at <time>: <reason>. `+
				`Read the service events (aws ecs describe-services) and the logs (just logs)."`, svc.ServiceName),
		},
	}, pulumi.Parent(parent), movedFrom(mail)); err != nil {
		return fmt.Errorf("create deployment failure mail: %w", err)
	}
	return nil
}
