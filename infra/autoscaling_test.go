package main

import (
	"slices"
	"testing"
)

func TestAutoscaling(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{
		"minCount": "3", "desiredCount": "4", "maxCount": "7", "requestsPerTarget": "250",
	}))
	target := run.named(t, scalingTargetType, "scaling-target")
	resourceID := "service/" + run.cluster(t).output("name") + "/" + run.service(t).output("name")
	checks := []struct{ field, got, want string }{
		{"serviceNamespace", target.str("serviceNamespace"), "ecs"},
		{"scalableDimension", target.str("scalableDimension"), "ecs:service:DesiredCount"},
		{"resourceId", target.str("resourceId"), resourceID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("scalable target %s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if target.num("minCapacity") != 3 || target.num("maxCapacity") != 7 {
		t.Errorf("scalable target bounds %v..%v, want minCount..maxCount 3..7", target.num("minCapacity"), target.num("maxCapacity"))
	}

	lb, tg := run.alb(t).output("arnSuffix"), run.targetGroup(t).output("arnSuffix")
	want := map[string]struct {
		target float64
		label  string
	}{
		"ECSServiceAverageCPUUtilization": {60, ""},
		"ALBRequestCountPerTarget":        {250, lb + "/" + tg},
	}
	policies := run.in("scaling", scalingPolicyType)
	if len(policies) != len(want) {
		t.Fatalf("%d scaling policies, want %d", len(policies), len(want))
	}
	seen := map[string]bool{}
	for _, p := range policies {
		const cfg = "targetTrackingScalingPolicyConfiguration"
		metric := p.str(cfg, "predefinedMetricSpecification", "predefinedMetricType")
		w, ok := want[metric]
		if !ok {
			t.Errorf("policy %s tracks %q", p.Name, metric)
			continue
		}
		seen[metric] = true
		if p.str("policyType") != "TargetTrackingScaling" {
			t.Errorf("policy %s type %q", p.Name, p.str("policyType"))
		}
		if p.str("resourceId") != resourceID || p.str("scalableDimension") != target.str("scalableDimension") ||
			p.str("serviceNamespace") != "ecs" {
			t.Errorf("policy %s scales %q %q, want the service's target", p.Name, p.str("resourceId"), p.str("scalableDimension"))
		}
		if got := p.num(cfg, "targetValue"); got != w.target {
			t.Errorf("policy %s target = %v, want %v", metric, got, w.target)
		}
		if got := p.str(cfg, "predefinedMetricSpecification", "resourceLabel"); got != w.label {
			t.Errorf("policy %s resource label = %q, want %q", metric, got, w.label)
		}
		if out, in := p.num(cfg, "scaleOutCooldown"), p.num(cfg, "scaleInCooldown"); out != 60 || in != 300 {
			t.Errorf("policy %s cooldowns out %v in %v, want 60 and 300", metric, out, in)
		}
		if v, _ := p.boolean(cfg, "disableScaleIn"); v {
			t.Errorf("policy %s never scales in", metric)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("policies track %v, want both of %v", sortedKeys(seen), sortedKeys(want))
	}
}

// TestDesiredCountBelongsToTheScaler: desiredCount seeds the first deployment, then `pulumi up`
// ignores it, so a deploy never resets what the scaler chose.
func TestDesiredCountBelongsToTheScaler(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"desiredCount": "3"}))
	svc := run.service(t)
	if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
		t.Errorf("service ignoreChanges = %v, want desiredCount", svc.IgnoreChanges)
	}
	if got := svc.num("desiredCount"); got != 3 {
		t.Errorf("first desiredCount = %v, want the configured 3", got)
	}
	if len(svc.IgnoreChanges) != 1 {
		t.Errorf("service ignores %v; want only desiredCount (anything else would hide a real change)", svc.IgnoreChanges)
	}
}
