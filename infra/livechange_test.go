package main

import (
	"slices"
	"testing"
)

// Settings changed on a live stack: each deploys without an outage, or is refused before anything
// changes (config_test.go holds the refusals).

// TestContainerPortChangeRolls: a new containerPort keeps the target group, and the rules between
// the load balancer and the tasks are per port, so the new port's rules are created beside the old
// ones (deleted only at the end of the update) and the service rolls onto the new port.
func TestContainerPortChangeRolls(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"containerPort": "8081"}))
	albSG := run.named(t, sgType, "web-sg").ID
	taskSG := run.named(t, sgType, "network-task-sg").ID

	t.Run("rules named by port", func(t *testing.T) {
		for _, c := range []struct {
			typ, name, group, peer string
		}{
			{egressRuleType, "web-egress-tasks-8081", albSG, taskSG},
			{ingressRuleType, "web-task-ingress-8081", taskSG, albSG},
		} {
			r := run.named(t, c.typ, c.name)
			if r.num("fromPort") != 8081 || r.num("toPort") != 8081 || r.str("securityGroupId") != c.group ||
				r.str("referencedSecurityGroupId") != c.peer {
				t.Errorf("%s: ports %v-%v on %s from/to %s, want 8081 between %s and %s", c.name, r.num("fromPort"),
					r.num("toPort"), r.str("securityGroupId"), r.str("referencedSecurityGroupId"), c.group, c.peer)
			}
		}
	})
	t.Run("rules of earlier names kept by aliases", func(t *testing.T) {
		for _, c := range []struct{ typ, name, was string }{
			{egressRuleType, "web-egress-tasks-8081", "web-egress-tasks"},
			{ingressRuleType, "web-task-ingress-8081", "web-task-ingress"},
		} {
			r := run.named(t, c.typ, c.name)
			want := string(newURN(testStack, run.project, r.Parent, c.typ, c.was))
			if !slices.Contains(r.Aliases, want) {
				t.Errorf("%s aliases = %v, want %s: a deployed stack would recreate its rule", c.name, r.Aliases, want)
			}
		}
	})
	t.Run("the service waits for the new port's rules", func(t *testing.T) {
		deps := run.service(t).DependsOn
		for _, r := range []*resourceRecord{run.named(t, egressRuleType, "web-egress-tasks-8081"),
			run.named(t, ingressRuleType, "web-task-ingress-8081")} {
			if !slices.Contains(deps, r.URN) {
				t.Errorf("the service does not wait for %s: new tasks could start unreachable", r.Name)
			}
		}
	})
	t.Run("the target group is kept", func(t *testing.T) {
		if tg := run.targetGroup(t); !slices.Contains(tg.IgnoreChanges, "port") {
			t.Errorf("target group ignoreChanges = %v, want port: a new port would replace it", tg.IgnoreChanges)
		}
	})
	t.Run("health checks ask the port each target registered with", func(t *testing.T) {
		if got := run.targetGroup(t).str("healthCheck", "port"); got != "traffic-port" {
			t.Errorf("health check port = %q, want traffic-port", got)
		}
	})
	t.Run("tasks register with the new port", func(t *testing.T) {
		if got := run.service(t).num("loadBalancers", 0, "containerPort"); got != 8081 {
			t.Errorf("service registers tasks on %v, want 8081", got)
		}
	})
}

// TestDomainRedirectWaitsForHTTPSForwardRules: turning domain on moves the forward rules to the
// HTTPS listener (replaced: listenerArn forces it) and makes the HTTP listener a redirect; the
// redirect waits for the new rules, so HTTP never sends clients to an HTTPS listener that has
// nothing to forward yet.
func TestDomainRedirectWaitsForHTTPSForwardRules(t *testing.T) {
	t.Parallel()
	run := runWithDomain(t, map[string]string{"paths": `["/a/*","/b/*","/c/*","/d/*"]`})
	http, https := run.named(t, listenerType, "web-http"), run.named(t, listenerType, "web-https")
	rules := rulesOf(run, https)
	if len(rules) < 2 {
		t.Fatalf("%d forward rules on the HTTPS listener, want one per group of paths", len(rules))
	}
	for _, r := range rules {
		if !slices.Contains(http.DependsOn, r.URN) {
			t.Errorf("the HTTP redirect does not wait for %s", r.Name)
		}
	}
	// The redirect names the load balancer, which waits for its rules from anywhere: HTTP sends
	// clients to 443 only once 443 lets them in.
	for _, name := range []string{"web-ingress-https", "web-ingress-https-ipv6"} {
		if !slices.Contains(run.alb(t).DependsOn, run.named(t, ingressRuleType, name).URN) {
			t.Errorf("the load balancer, and so the redirect, does not wait for %s", name)
		}
	}
}
