package main

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// TestContractRelations: what the deployed stack must hold for the API it runs, each relation
// between a value infra sets and the contract the API is built to.
func TestContractRelations(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	alb := run.alb(t)
	c := run.container(t)
	env := envOf(t, c)

	t.Run("the load balancer closes idle connections before the API does", func(t *testing.T) {
		// Otherwise the load balancer may send a request down a connection the API is closing: a 502.
		if got := time.Duration(alb.num("idleTimeout")) * time.Second; got >= contract.AppIdleTimeout {
			t.Errorf("load balancer idle timeout %v, want below the API's %v", got, contract.AppIdleTimeout)
		}
	})
	t.Run("ECS waits for the API's drain before it kills the container", func(t *testing.T) {
		shutdown, err := time.ParseDuration(env[contract.EnvShutdownTimeout])
		if err != nil {
			t.Fatalf("%s: %v", contract.EnvShutdownTimeout, err)
		}
		stop := time.Duration(c["stopTimeout"].(float64)) * time.Second
		if stop <= shutdown || stop > shutdown+10*time.Second || stop > 120*time.Second {
			t.Errorf("stopTimeout %v with %s %v: want a few seconds more, at most 120s", stop,
				contract.EnvShutdownTimeout, shutdown)
		}
	})
	t.Run("a client cannot forge its address", func(t *testing.T) {
		// Only append makes the load balancer write the address it received the request from
		// after whatever the client sent, so the rightmost untrusted entry is the client.
		if want := contract.ALBXFFMode; want != "append" {
			t.Errorf("the contract's X-Forwarded-For mode is %q, want append", want)
		}
		if got := alb.str("xffHeaderProcessingMode"); got != contract.ALBXFFMode {
			t.Errorf("xffHeaderProcessingMode = %q, want the contract's %q", got, contract.ALBXFFMode)
		}
		vpc := netip.MustParsePrefix(run.vpc(t).str("cidrBlock"))
		var trusted []netip.Prefix
		for _, s := range strings.Split(env[contract.EnvTrustedProxies], ",") {
			p, err := netip.ParsePrefix(s)
			if err != nil || !vpc.Contains(p.Addr()) || p.Bits() < vpc.Bits() {
				t.Fatalf("%s entry %q is not inside the VPC %s: a client there could forge its address", contract.EnvTrustedProxies, s, vpc)
			}
			trusted = append(trusted, p)
		}
		for _, id := range alb.strs("subnets") {
			subnet := netip.MustParsePrefix(run.byID(t, subnetType, id).str("cidrBlock"))
			if !slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(subnet.Addr()) && p.Bits() <= subnet.Bits() }) {
				t.Errorf("%s %v does not cover the load balancer's subnet %s: the API would take the load balancer for the client",
					contract.EnvTrustedProxies, trusted, subnet)
			}
		}
	})
	t.Run("both health checks ask the path the API serves", func(t *testing.T) {
		if got := run.targetGroup(t).str("healthCheck", "path"); got != contract.HealthPath {
			t.Errorf("target group health check path = %q, want %q", got, contract.HealthPath)
		}
		hc, _ := c["healthCheck"].(map[string]any)
		cmd, _ := hc["command"].([]any)
		if want := []string{"CMD", contract.BinaryPath, contract.HealthcheckFlag}; !slices.Equal(toStrings(cmd), want) {
			t.Errorf("container health check = %v, want %v", cmd, want)
		}
	})
	t.Run("answers the stack writes itself are the API's error shape", func(t *testing.T) {
		domain := runWithDomain(t, map[string]string{"waf": "true"})
		for _, b := range []struct{ code, raw string }{
			{contract.CodeNotFound, run.named(t, listenerType, "web-http").str("defaultActions", 0, "fixedResponse", "messageBody")},
			{contract.CodeNotFound, domain.named(t, listenerType, "web-https").str("defaultActions", 0, "fixedResponse", "messageBody")},
			{contract.CodeTooManyRequests, domain.named(t, webACLType, "waf-acl").str("customResponseBodies", 0, "content")},
		} {
			var body contract.ErrorResponse
			dec := json.NewDecoder(strings.NewReader(b.raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil || body.Error.Code != b.code || body.Error.Message == "" || body.Error.RequestID != "" {
				t.Errorf("body %q (%v), want a %s error with a message and no request ID", b.raw, err, b.code)
			}
		}
	})
}
