package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const (
	topicType        = "aws:sns/topic:Topic"
	topicPolicyType  = "aws:sns/topicPolicy:TopicPolicy"
	subscriptionType = "aws:sns/topicSubscription:TopicSubscription"
	eventRuleType    = "aws:cloudwatch/eventRule:EventRule"
	eventTargetType  = "aws:cloudwatch/eventTarget:EventTarget"
)

// alarmsByName returns the stack's alarms (those of its two alarm components) by alarm name.
func alarmsByName(run *stackRun) map[string]*resourceRecord {
	out := map[string]*resourceRecord{}
	for _, a := range append(run.in("alarms", alarmType), run.in("service-alarms", alarmType)...) {
		out[a.str("name")] = a
	}
	return out
}

// alarm returns the alarm with a name suffix, failing the test if none.
func alarm(t *testing.T, run *stackRun, suffix string) *resourceRecord {
	t.Helper()
	a, ok := alarmsByName(run)[run.prefix()+"-"+suffix]
	if !ok {
		t.Fatalf("no alarm %s-%s among %v", run.prefix(), suffix, sortedKeys(alarmsByName(run)))
	}
	return a
}

// TestDeploymentAlarms: the service names the 5xx and unhealthy-hosts alarms as deployment alarms
// with rollback, by the names the alarms really have, and is declared after them.
func TestDeploymentAlarms(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	svc := run.service(t)
	enable, _ := svc.boolean("alarms", "enable")
	rollback, _ := svc.boolean("alarms", "rollback")
	if !enable || !rollback {
		t.Errorf("service alarms enable %v rollback %v, want both", enable, rollback)
	}
	names := svc.strs("alarms", "alarmNames")
	if want := []string{run.prefix() + "-target-5xx", run.prefix() + "-unhealthy-hosts"}; !slices.Equal(names, want) {
		t.Errorf("deployment alarms = %v, want %v", names, want)
	}
	declared := alarmsByName(run)
	for _, n := range names {
		a, ok := declared[n]
		if !ok {
			t.Errorf("deployment alarm %s does not exist", n)
			continue
		}
		if !slices.Contains(svc.DependsOn, a.URN) {
			t.Errorf("service does not depend on alarm %s: it could name an alarm that does not exist yet", n)
		}
	}
}

func TestAlarmDefinitions(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	lb, tg := run.alb(t).output("arnSuffix"), run.targetGroup(t).output("arnSuffix")
	cluster, service := run.cluster(t).output("name"), run.service(t).output("name")

	t.Run("5xx rate over the target group's requests", func(t *testing.T) {
		a := alarm(t, run, "target-5xx")
		var returned []string
		for i := range a.prop("metricQueries").ArrayValue() {
			id := a.str("metricQueries", i, "id")
			if v, _ := a.boolean("metricQueries", i, "returnData"); v {
				returned = append(returned, id)
			}
			metric := a.str("metricQueries", i, "metric", "metricName")
			if metric == "" {
				continue
			}
			if ns := a.str("metricQueries", i, "metric", "namespace"); ns != "AWS/ApplicationELB" {
				t.Errorf("query %s namespace %q", id, ns)
			}
			if got := a.str("metricQueries", i, "metric", "dimensions", "LoadBalancer"); got != lb {
				t.Errorf("query %s LoadBalancer = %q, want %q", id, got, lb)
			}
			wantTG := tg
			if metric == "HTTPCode_ELB_5XX_Count" {
				wantTG = "" // the load balancer's own errors have no target group dimension
			}
			if got := a.str("metricQueries", i, "metric", "dimensions", "TargetGroup"); got != wantTG {
				t.Errorf("query %s TargetGroup = %q, want %q", id, got, wantTG)
			}
			if a.str("metricQueries", i, "metric", "stat") != "Sum" || a.num("metricQueries", i, "metric", "period") != 60 {
				t.Errorf("query %s is not a one-minute sum", id)
			}
		}
		if !slices.Equal(returned, []string{"rate"}) {
			t.Errorf("queries returning data = %v, want only the rate", returned)
		}
		var expr string
		for i := range a.prop("metricQueries").ArrayValue() {
			if a.str("metricQueries", i, "id") == "rate" {
				expr = a.str("metricQueries", i, "expression")
			}
		}
		if !strings.Contains(expr, "100 * errors / FILL(requests, 1)") || !strings.Contains(expr, "errors >= 5") {
			t.Errorf("rate expression %q, want a percentage of requests with a floor of 5 errors", expr)
		}
		if a.num("threshold") != 5 || a.str("comparisonOperator") != "GreaterThanThreshold" ||
			a.num("evaluationPeriods") != 3 || a.num("datapointsToAlarm") != 2 {
			t.Errorf("5xx alarm fires at %v %s over %v of %v periods", a.num("threshold"), a.str("comparisonOperator"),
				a.num("datapointsToAlarm"), a.num("evaluationPeriods"))
		}
		if got := a.str("treatMissingData"); got != "notBreaching" {
			t.Errorf("treatMissingData = %q, want notBreaching (the load balancer counts no errors when there are none)", got)
		}
	})

	tests := []struct {
		suffix, namespace, metric, stat string
		dims                            map[string]string
		missing                         string
		compare                         string
		threshold                       float64
	}{
		{"unhealthy-hosts", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum",
			map[string]string{"LoadBalancer": lb, "TargetGroup": tg}, "notBreaching", "GreaterThanOrEqualToThreshold", 1},
		{"no-healthy-hosts", "AWS/ApplicationELB", "HealthyHostCount", "Minimum",
			map[string]string{"LoadBalancer": lb, "TargetGroup": tg}, "breaching", "LessThanThreshold", 1},
		{"p99-latency", "AWS/ApplicationELB", "TargetResponseTime", "",
			map[string]string{"LoadBalancer": lb, "TargetGroup": tg}, "notBreaching", "GreaterThanThreshold", latencyP99Seconds},
		{"cpu-high", "AWS/ECS", "CPUUtilization", "Average",
			map[string]string{"ClusterName": cluster, "ServiceName": service}, "notBreaching", "GreaterThanThreshold", cpuHighPercent},
		{"memory-high", "AWS/ECS", "MemoryUtilization", "Maximum",
			map[string]string{"ClusterName": cluster, "ServiceName": service}, "notBreaching", "GreaterThanThreshold", memoryHighPercent},
	}
	for _, tt := range tests {
		t.Run(tt.suffix, func(t *testing.T) {
			a := alarm(t, run, tt.suffix)
			if a.str("namespace") != tt.namespace || a.str("metricName") != tt.metric || a.str("statistic") != tt.stat {
				t.Errorf("metric %s/%s %s, want %s/%s %s", a.str("namespace"), a.str("metricName"), a.str("statistic"),
					tt.namespace, tt.metric, tt.stat)
			}
			for k, v := range tt.dims {
				if got := a.str("dimensions", k); got != v || v == "" {
					t.Errorf("dimension %s = %q, want %q", k, got, v)
				}
			}
			if got := len(a.prop("dimensions").ObjectValue()); got != len(tt.dims) {
				t.Errorf("%d dimensions, want %d", got, len(tt.dims))
			}
			if got := a.str("treatMissingData"); got != tt.missing {
				t.Errorf("treatMissingData = %q, want %q", got, tt.missing)
			}
			if a.str("comparisonOperator") != tt.compare || a.num("threshold") != tt.threshold {
				t.Errorf("fires when %s %v, want %s %v", a.str("comparisonOperator"), a.num("threshold"), tt.compare, tt.threshold)
			}
			if a.num("period") != 60 || a.num("evaluationPeriods") < a.num("datapointsToAlarm") || a.num("datapointsToAlarm") < 2 {
				t.Errorf("period %v, %v of %v periods", a.num("period"), a.num("datapointsToAlarm"), a.num("evaluationPeriods"))
			}
		})
	}
	t.Run("p99 ignores minutes with too few requests", func(t *testing.T) {
		a := alarm(t, run, "p99-latency")
		if a.str("extendedStatistic") != "p99" || a.str("evaluateLowSampleCountPercentiles") != "ignore" {
			t.Errorf("latency alarm statistic %q low samples %q", a.str("extendedStatistic"), a.str("evaluateLowSampleCountPercentiles"))
		}
	})
}

// TestNoHealthyHostsAlarm: declared once `pulumi up` followed the service's deployment to its end
// (a new stack does not page while its first tasks start; after a rollback it is not declared at
// all, see TestUpFailsOnCircuitBreakerRollback), and only for a stack that must always answer.
func TestNoHealthyHostsAlarm(t *testing.T) {
	t.Parallel()
	full := mustRun(t)
	if a := alarm(t, full, "no-healthy-hosts"); !slices.Contains(a.DependsOn, full.service(t).URN) {
		t.Error("no-healthy-hosts alarm is not declared after the service")
	}
	run := mustRun(t, withConfig(map[string]string{"minCount": "0", "desiredCount": "1"}))
	if _, ok := alarmsByName(run)[run.prefix()+"-no-healthy-hosts"]; ok {
		t.Error("no-healthy-hosts alarm with minCount 0: an idle stack would page forever")
	}
}

func TestAlarmsWithoutEmailNotifyNobody(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	for _, r := range []struct{ typ, name string }{
		{topicType, "alarms-topic"}, {topicPolicyType, "alarms-topic-policy"}, {subscriptionType, "alarms-email"},
		{kmsKeyType, "alarms-key"}, {eventRuleType, "service-alarms-deploy-failed"},
		{eventTargetType, "service-alarms-deploy-failed-mail"},
	} {
		if run.find(r.typ, r.name) != nil {
			t.Errorf("%s %s without alarmEmail", r.typ, r.name)
		}
	}
	for name, a := range alarmsByName(run) {
		for _, k := range []string{"alarmActions", "okActions", "insufficientDataActions"} {
			if v := a.prop(k); v.IsArray() && len(v.ArrayValue()) > 0 {
				t.Errorf("alarm %s has %s without alarmEmail", name, k)
			}
		}
	}
}

func TestAlarmsWithEmail(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"alarmEmail": "ops@example.com"}))
	topic := run.named(t, topicType, "alarms-topic")
	key := run.named(t, kmsKeyType, "alarms-key")
	rule := run.named(t, eventRuleType, "service-alarms-deploy-failed")
	topicArn := topic.output("arn")

	t.Run("topic encrypted with a key CloudWatch may use", func(t *testing.T) {
		if got := topic.str("kmsMasterKeyId"); got != key.output("arn") {
			t.Errorf("topic key = %q, want the stack's key %q (CloudWatch cannot publish with alias/aws/sns)", got, key.output("arn"))
		}
		if v, _ := key.boolean("enableKeyRotation"); !v || key.num("deletionWindowInDays") != 30 || key.str("description") == "" {
			t.Errorf("key rotation %v, deletion window %v, description %q", v, key.num("deletionWindowInDays"), key.str("description"))
		}
		var p policy
		jsonInput(t, key, "policy", &p)
		services := map[string][]string{}
		for _, s := range p.Statement {
			if svc, ok := s.Principal["Service"].(string); ok {
				services[svc] = s.Action
			}
			if s.Principal["AWS"] == "*" || s.Principal["Service"] == "*" {
				t.Errorf("key policy statement %s trusts everyone", s.Sid)
			}
		}
		for _, svc := range []string{"cloudwatch.amazonaws.com", "events.amazonaws.com"} {
			if acts := services[svc]; !slices.Contains(acts, "kms:Decrypt") || !slices.Contains(acts, "kms:GenerateDataKey*") {
				t.Errorf("key lets %s %v, want Decrypt and GenerateDataKey*", svc, acts)
			}
		}
		if st := statement(t, p, "AccountManagesKeyThroughIAM"); st.Principal["AWS"] != "arn:aws:iam::"+testAccount+":root" {
			t.Errorf("key administered by %v, want the account", st.Principal)
		}
	})
	t.Run("email subscription", func(t *testing.T) {
		sub := run.named(t, subscriptionType, "alarms-email")
		if sub.str("topic") != topicArn || sub.str("protocol") != "email" || sub.str("endpoint") != "ops@example.com" {
			t.Errorf("subscription %v, want email to ops@example.com on the topic", sub.Inputs)
		}
	})
	t.Run("alarm and OK actions on every alarm", func(t *testing.T) {
		for name, a := range alarmsByName(run) {
			for _, k := range []string{"alarmActions", "okActions"} {
				if got := a.strs(k); !slices.Equal(got, []string{topicArn}) {
					t.Errorf("alarm %s %s = %v, want the topic", name, k, got)
				}
			}
			if v, set := a.boolean("actionsEnabled"); !set || !v {
				t.Errorf("alarm %s actionsEnabled = %v", name, v)
			}
		}
	})
	t.Run("only this stack's alarms and rule publish", func(t *testing.T) {
		tp := run.named(t, topicPolicyType, "alarms-topic-policy")
		if tp.str("arn") != topicArn {
			t.Errorf("topic policy on %q", tp.str("arn"))
		}
		var p policy
		jsonInput(t, tp, "policy", &p)
		alarms := statement(t, p, "StackAlarmsPublish")
		sources, _ := alarms.Condition["ArnLike"]["aws:SourceArn"].([]any)
		for name, a := range alarmsByName(run) {
			if !slices.Contains(sources, any(a.output("arn"))) {
				t.Errorf("alarm %s (%s) may not publish to the topic", name, a.output("arn"))
			}
		}
		if alarms.Principal["Service"] != "cloudwatch.amazonaws.com" || !slices.Equal(alarms.Action, []string{"sns:Publish"}) ||
			!slices.Equal(alarms.Resource, []string{topicArn}) || alarms.Condition["StringEquals"]["aws:SourceAccount"] != testAccount {
			t.Errorf("alarm statement %+v", alarms)
		}
		events := statement(t, p, "DeploymentFailuresPublish")
		if got, _ := events.Condition["ArnLike"]["aws:SourceArn"].([]any); len(got) != 1 || got[0] != rule.output("arn") {
			t.Errorf("events may publish from %v, want only the rule %s", got, rule.output("arn"))
		}
	})
	t.Run("ECS deployment failures are mailed", func(t *testing.T) {
		var pattern struct {
			Source     []string `json:"source"`
			DetailType []string `json:"detail-type"`
			Resources  []string `json:"resources"`
			Detail     struct {
				EventName []string `json:"eventName"`
			} `json:"detail"`
		}
		if err := json.Unmarshal([]byte(rule.str("eventPattern")), &pattern); err != nil {
			t.Fatalf("event pattern: %v", err)
		}
		svc := run.service(t)
		if !slices.Equal(pattern.Source, []string{"aws.ecs"}) || !slices.Equal(pattern.DetailType, []string{"ECS Deployment State Change"}) ||
			!slices.Equal(pattern.Resources, []string{svc.ID}) || !slices.Equal(pattern.Detail.EventName, []string{"SERVICE_DEPLOYMENT_FAILED"}) {
			t.Errorf("event pattern %+v, want this service's failed deployments", pattern)
		}
		target := run.named(t, eventTargetType, "service-alarms-deploy-failed-mail")
		if target.str("rule") != rule.output("name") || target.str("arn") != topicArn {
			t.Errorf("rule target %v, want the topic", target.Inputs)
		}
		tmpl := target.str("inputTransformer", "inputTemplate")
		var msg string
		if err := json.Unmarshal([]byte(tmpl), &msg); err != nil || !strings.Contains(msg, svc.output("name")) || !strings.Contains(msg, "<reason>") {
			t.Errorf("message template %q, want a JSON string naming the service and the reason", tmpl)
		}
	})
}

// TestMovedAlarmsKeepTheirURNs: the service's alarms and its failure mail moved from the Alarms
// component to ServiceAlarms; each carries an alias to the URN it was deployed under, so an update
// moves it instead of replacing it under a new name.
func TestMovedAlarmsKeepTheirURNs(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"alarmEmail": "ops@example.com"}))
	moved := []struct{ typ, name, old string }{
		{alarmType, "service-alarms-cpu-high", "alarms-cpu-high"},
		{alarmType, "service-alarms-memory-high", "alarms-memory-high"},
		{alarmType, "service-alarms-no-healthy-hosts", "alarms-no-healthy-hosts"},
		{eventRuleType, "service-alarms-deploy-failed", "alarms-deploy-failed"},
		{eventTargetType, "service-alarms-deploy-failed-mail", "alarms-deploy-failed-mail"},
	}
	for _, m := range moved {
		want := "urn:pulumi:" + testStack + "::" + run.project + "::" + run.project + ":index:Alarms$" + m.typ + "::" + m.old
		if got := run.named(t, m.typ, m.name).Aliases; !slices.Equal(got, []string{want}) {
			t.Errorf("%s aliases %v, want its old URN %s", m.name, got, want)
		}
	}
}
