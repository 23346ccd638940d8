package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
)

// The custom domain: the hosted zone lookup, the certificate and its DNS validation, the HTTPS
// listener, the redirect on port 80, host and path routing, and the alias records. Each test names
// the Security Hub control and the Checkov/Trivy rule it re-implements.

const (
	testDomain  = "api.example.com"
	testZoneID  = "Z0123456789EXAMPLE"
	getZoneCall = "aws:route53/getZone:getZone"

	certificateType     = "aws:acm/certificate:Certificate"
	certValidationType  = "aws:acm/certificateValidation:CertificateValidation"
	recordType          = "aws:route53/record:Record"
	recommendedTLSGroup = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
)

// elb17Policies is Security Hub ELB.17's current list of recommended TLS security policies.
var elb17Policies = []string{
	"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
}

// domainCloud is a mock whose account holds the public zone example.com.
func domainCloud() *mockCloud {
	return newMockCloud().on(getZoneCall, route53Zones(fakeZone{ID: testZoneID, Name: "example.com"}))
}

// runWithDomain runs the program with domain api.example.com (and extra config) and fails on error.
func runWithDomain(t *testing.T, extra map[string]string, opts ...runOption) *stackRun {
	t.Helper()
	cfg := map[string]string{"domain": testDomain}
	for k, v := range extra {
		cfg[k] = v
	}
	run, err := runStack(t, domainCloud(), append([]runOption{withConfig(cfg)}, opts...)...)
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return run
}

// rulesOf returns the listener rules attached to a listener, by priority.
func rulesOf(run *stackRun, listener *resourceRecord) []*resourceRecord {
	var out []*resourceRecord
	for _, r := range run.all(listenerRuleType) {
		if r.str("listenerArn") == listener.output("arn") {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *resourceRecord) int { return int(a.num("priority") - b.num("priority")) })
	return out
}

// condition returns the values of a rule's condition of one kind (pathPattern, hostHeader) and
// how many conditions of that kind the rule has.
func condition(r *resourceRecord, kind string) ([]string, int) {
	var values []string
	n := 0
	for i := range r.prop("conditions").ArrayValue() {
		if v := r.prop("conditions", i, kind); v.IsObject() {
			n++
			values = append(values, r.strs("conditions", i, kind, "values")...)
		}
	}
	return values, n
}

// assertJSONNotFound checks a listener's single default action is the ALB's fixed JSON 404 (its
// body is the API's error shape: TestContractRelations).
func assertJSONNotFound(t *testing.T, l *resourceRecord) {
	t.Helper()
	if n := len(l.prop("defaultActions").ArrayValue()); n != 1 {
		t.Fatalf("listener %s has %d default actions, want 1", l.Name, n)
	}
	if l.str("defaultActions", 0, "type") != "fixed-response" || l.str("defaultActions", 0, "fixedResponse", "statusCode") != "404" ||
		l.str("defaultActions", 0, "fixedResponse", "contentType") != "application/json" {
		t.Errorf("listener %s default action = %v, want a fixed JSON 404", l.Name, l.prop("defaultActions"))
	}
}

// TestWithoutDomainServesHTTP: no domain means one HTTP listener on 80 that forwards per the rules
// and answers everything else with the JSON 404, no certificate, no DNS records, no port 443 and no
// zone lookup. (ELB.1, ELB.18, CKV_AWS_2 and CKV2_AWS_20 are waived in this mode: docs/configuration.md,
// "Custom domain and HTTPS".)
func TestWithoutDomainServesHTTP(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	http := run.named(t, listenerType, "web-http")
	if http.num("port") != 80 || http.str("protocol") != "HTTP" || http.str("certificateArn") != "" || http.str("sslPolicy") != "" ||
		http.str("loadBalancerArn") != run.alb(t).ID {
		t.Errorf("listener = %v %v cert %q policy %q, want plain HTTP on 80 of the load balancer", http.str("protocol"),
			http.num("port"), http.str("certificateArn"), http.str("sslPolicy"))
	}
	assertJSONNotFound(t, http)
	rules := rulesOf(run, http)
	if len(rules) != 1 {
		t.Fatalf("%d rules on the HTTP listener, want 1", len(rules))
	}
	if paths, _ := condition(rules[0], "pathPattern"); !slices.Equal(paths, []string{"/*"}) {
		t.Errorf("rule paths = %v, want [/*]", paths)
	}
	if hosts, n := condition(rules[0], "hostHeader"); n != 0 {
		t.Errorf("rule has a host condition %v without a domain", hosts)
	}
	if r := rules[0]; r.str("actions", 0, "type") != "forward" || r.str("actions", 0, "targetGroupArn") != run.targetGroup(t).ID {
		t.Errorf("rule actions %v, want forward to the target group", r.prop("actions"))
	}
	for _, r := range []struct{ typ, name string }{
		{listenerType, "web-https"}, {certificateType, "certificate-cert"}, {certValidationType, "certificate-validation"},
		{recordType, "dns-a"},
	} {
		if run.find(r.typ, r.name) != nil {
			t.Errorf("%s %s without a domain", r.typ, r.name)
		}
	}
	for _, r := range run.all(ingressRuleType) {
		if r.num("fromPort") == 443 || r.num("toPort") == 443 {
			if r.str("securityGroupId") == albSG(t, run).ID {
				t.Errorf("load balancer opens 443 without a domain: %s", r.Name)
			}
		}
	}
	if n := len(run.invoked(getZoneCall)); n != 0 {
		t.Errorf("%d hosted zone lookups without a domain", n)
	}
}

// TestDomainCertificate: ACM.2 (RSA 2048), CKV2_AWS_71 (no wildcard), CKV_AWS_234 (certificate
// transparency), ACM.1 (DNS validation so ACM renews it), CKV_AWS_233 (create before destroy):
// one certificate for exactly the domain, its validation CNAME in the zone taken from the
// certificate's validation options, and a validation resource that waits for that record.
func TestDomainCertificate(t *testing.T) {
	t.Parallel()
	run := runWithDomain(t, nil)
	cert := run.named(t, certificateType, "certificate-cert")
	if cert.str("domainName") != testDomain || cert.str("validationMethod") != "DNS" {
		t.Errorf("certificate for %q by %q, want %s by DNS", cert.str("domainName"), cert.str("validationMethod"), testDomain)
	}
	if got := cert.str("keyAlgorithm"); got != "RSA_2048" && got != "EC_prime256v1" {
		t.Errorf("keyAlgorithm = %q, want RSA_2048 or EC_prime256v1", got)
	}
	for _, name := range append([]string{cert.str("domainName")}, cert.strs("subjectAlternativeNames")...) {
		if strings.Contains(name, "*") {
			t.Errorf("certificate covers wildcard %q", name)
		}
	}
	if n := len(cert.strs("subjectAlternativeNames")); n != 0 {
		t.Errorf("certificate has %d other names, want the domain only", n)
	}
	if got := cert.str("options", "certificateTransparencyLoggingPreference"); got != "ENABLED" {
		t.Errorf("certificate transparency logging = %q, want ENABLED", got)
	}
	if cert.DeleteBeforeReplace {
		t.Error("certificate is deleted before its replacement exists")
	}

	validation := run.named(t, certValidationType, "certificate-validation")
	if validation.str("certificateArn") != cert.output("arn") {
		t.Errorf("validation of %q, want the certificate %q", validation.str("certificateArn"), cert.output("arn"))
	}
	record := run.named(t, recordType, "certificate-validation-record")
	dvo := cert.State["domainValidationOptions"].ArrayValue()[0].ObjectValue()
	checks := []struct{ field, got, want string }{
		{"zoneId", record.str("zoneId"), testZoneID},
		{"name", record.str("name"), dvo["resourceRecordName"].StringValue()},
		{"type", record.str("type"), dvo["resourceRecordType"].StringValue()},
		{"records", strings.Join(record.strs("records"), ","), dvo["resourceRecordValue"].StringValue()},
	}
	for _, c := range checks {
		if c.got != c.want || c.want == "" {
			t.Errorf("validation record %s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if got := validation.strs("validationRecordFqdns"); !slices.Equal(got, []string{record.output("fqdn")}) {
		t.Errorf("validation waits for %v, want the validation record %s", got, record.output("fqdn"))
	}
}

// TestValidationOptionFor: the validation record follows the option of the certificate's name.
func TestValidationOptionFor(t *testing.T) {
	t.Parallel()
	dvo := func(domain, record string) acm.CertificateDomainValidationOption {
		return acm.CertificateDomainValidationOption{DomainName: &domain, ResourceRecordName: &record}
	}
	name := func(o acm.CertificateDomainValidationOption) string {
		if o.ResourceRecordName == nil {
			return "(none)"
		}
		return *o.ResourceRecordName
	}
	tests := []struct {
		opts []acm.CertificateDomainValidationOption
		want string
	}{
		{[]acm.CertificateDomainValidationOption{dvo("www.example.com", "_w"), dvo("API.example.com.", "_a")}, "_a"},
		{[]acm.CertificateDomainValidationOption{dvo("www.example.com", "_w")}, "_w"},
		{[]acm.CertificateDomainValidationOption{dvo("www.example.com", "_w"), dvo("web.example.com", "_x")}, "(none)"},
		{nil, "(none)"},
	}
	for _, tt := range tests {
		if got := name(validationOptionFor(tt.opts, testDomain)); got != tt.want {
			t.Errorf("validationOptionFor(%d options) = %s, want %s", len(tt.opts), got, tt.want)
		}
	}
}

// TestDomainHTTPSListener: ELB.18, CKV_AWS_2, AVD-AWS-0054 (HTTPS on 443 with the validated
// certificate), ELB.17, CKV_AWS_103, CKV2_AWS_74, AVD-AWS-0047 (a recommended TLS 1.3 policy).
func TestDomainHTTPSListener(t *testing.T) {
	t.Parallel()
	run := runWithDomain(t, nil)
	https := run.named(t, listenerType, "web-https")
	if https.str("protocol") != "HTTPS" || https.num("port") != 443 {
		t.Errorf("listener %s on %v, want HTTPS on 443", https.str("protocol"), https.num("port"))
	}
	policy := https.str("sslPolicy")
	if policy != recommendedTLSGroup || !slices.Contains(elb17Policies, policy) || !strings.HasPrefix(policy, "ELBSecurityPolicy-TLS13-") {
		t.Errorf("sslPolicy = %q, want %s (on the ELB.17 list, TLS 1.3)", policy, recommendedTLSGroup)
	}
	if https.str("loadBalancerArn") != run.alb(t).ID {
		t.Errorf("HTTPS listener on %q, want the load balancer", https.str("loadBalancerArn"))
	}
	validation := run.named(t, certValidationType, "certificate-validation")
	cert := run.named(t, certificateType, "certificate-cert")
	if got := https.str("certificateArn"); got != validation.output("certificateArn") || got != cert.output("arn") {
		t.Errorf("certificateArn = %q, want the validated certificate %q", got, cert.output("arn"))
	}
	// The ARN must come from the validation resource, so the listener waits for an issued certificate.
	deps := https.PropertyDeps["certificateArn"]
	if !slices.Contains(deps, validation.URN) {
		t.Errorf("certificateArn comes from %v, want the certificate validation %s", deps, validation.URN)
	}
	if slices.Contains(deps, cert.URN) {
		t.Errorf("certificateArn comes from the certificate itself, which is still pending validation")
	}
	assertJSONNotFound(t, https)
}

// TestDomainHTTPRedirect: ELB.1, CKV2_AWS_20, awsguard alb-http-to-https-redirection: the port-80
// listener has exactly one action, a 301 to HTTPS on 443, and forwards nothing.
func TestDomainHTTPRedirect(t *testing.T) {
	t.Parallel()
	run := runWithDomain(t, nil)
	http, https := run.named(t, listenerType, "web-http"), run.named(t, listenerType, "web-https")
	if http.str("protocol") != "HTTP" || http.num("port") != 80 {
		t.Errorf("listener %s on %v, want HTTP on 80", http.str("protocol"), http.num("port"))
	}
	actions := http.prop("defaultActions").ArrayValue()
	if len(actions) != 1 {
		t.Fatalf("HTTP listener has %d default actions, want exactly 1", len(actions))
	}
	if http.str("defaultActions", 0, "type") != "redirect" || http.str("defaultActions", 0, "redirect", "protocol") != "HTTPS" ||
		http.str("defaultActions", 0, "redirect", "port") != "443" || http.str("defaultActions", 0, "redirect", "statusCode") != "HTTP_301" {
		t.Errorf("HTTP default action = %v, want a redirect to HTTPS 443 with HTTP_301", http.prop("defaultActions"))
	}
	for _, k := range []string{"host", "path", "query"} {
		if v := http.str("defaultActions", 0, "redirect", k); v != "" && !strings.HasPrefix(strings.TrimPrefix(v, "/"), "#{") {
			t.Errorf("redirect %s = %q, want the request's own", k, v)
		}
	}
	if !slices.Contains(http.DependsOn, https.URN) {
		t.Error("the redirect does not wait for the HTTPS listener; a stack gaining a domain would redirect to nothing")
	}
	if rules := rulesOf(run, http); len(rules) != 0 {
		t.Errorf("%d rules on the HTTP listener; it must only redirect", len(rules))
	}
	for _, r := range run.in("web", listenerRuleType) {
		if r.str("listenerArn") != https.output("arn") {
			t.Errorf("rule %s is not on the HTTPS listener", r.Name)
		}
	}
}

// TestDomainRouting: the HTTPS listener forwards when the host is the domain and the path is one
// of paths; everything else gets the JSON 404.
func TestDomainRouting(t *testing.T) {
	t.Parallel()
	run := runWithDomain(t, map[string]string{"paths": `["/api/v1/*","/healthz"]`})
	https := run.named(t, listenerType, "web-https")
	rules := rulesOf(run, https)
	if len(rules) != 1 {
		t.Fatalf("%d rules, want 1", len(rules))
	}
	r := rules[0]
	hosts, nHost := condition(r, "hostHeader")
	paths, nPath := condition(r, "pathPattern")
	if nHost != 1 || !slices.Equal(hosts, []string{testDomain}) {
		t.Errorf("host condition = %v (%d conditions), want [%s]", hosts, nHost, testDomain)
	}
	if nPath != 1 || !slices.Equal(paths, []string{"/api/v1/*", "/healthz"}) {
		t.Errorf("path condition = %v (%d conditions), want [/api/v1/* /healthz]", paths, nPath)
	}
	if r.num("priority") != 100 {
		t.Errorf("priority = %v, want 100", r.num("priority"))
	}
	if n := len(r.prop("actions").ArrayValue()); n != 1 || r.str("actions", 0, "type") != "forward" ||
		r.str("actions", 0, "targetGroupArn") != run.targetGroup(t).ID {
		t.Errorf("rule actions = %v, want one forward to the target group", r.prop("actions"))
	}
	svc := run.service(t)
	ready := map[string]bool{}
	for _, urn := range svc.DependsOn {
		ready[urn] = true
	}
	if !ready[https.URN] || !ready[r.URN] {
		t.Errorf("service does not wait for the HTTPS listener and its rule")
	}
}

// TestDomainManyPaths: more paths than fit one rule beside the host: each rule holds the host and
// at most 3 patterns (3 values per condition, 5 in all) and at most 5 wildcards, and the
// priorities follow the order of paths and do not change between deploys.
func TestDomainManyPaths(t *testing.T) {
	t.Parallel()
	paths := []string{"/api/v1/*", "/api/v2/*", "/healthz", "/docs", "/docs/*", "/a/*/*", "/b/*/*", "/c/*", "/d"}
	b, _ := json.Marshal(paths)
	cfg := map[string]string{"paths": string(b)}
	run := runWithDomain(t, cfg)
	rules := rulesOf(run, run.named(t, listenerType, "web-https"))
	var got []string
	priorities := map[string]float64{}
	for i, r := range rules {
		hosts, _ := condition(r, "hostHeader")
		ps, _ := condition(r, "pathPattern")
		if !slices.Equal(hosts, []string{testDomain}) {
			t.Errorf("rule %d hosts = %v, want the domain", i, hosts)
		}
		if problem := ruleLimitProblem(r); problem != "" || len(ps) == 0 {
			t.Errorf("rule %d (%d path values): %s", i, len(ps), problem)
		}
		if r.num("priority") != float64(100+i) {
			t.Errorf("rule %d priority = %v, want %d", i, r.num("priority"), 100+i)
		}
		priorities[r.Name] = r.num("priority")
		got = append(got, ps...)
	}
	if !slices.Equal(got, paths) {
		t.Errorf("rules forward %v, want %v in order", got, paths)
	}
	if len(rules) != 3 {
		t.Errorf("%d rules for %d paths, want 3 (3 paths each, within 5 wildcards)", len(rules), len(paths))
	}
	again := runWithDomain(t, cfg)
	for _, r := range again.in("web", listenerRuleType) {
		if priorities[r.Name] != r.num("priority") {
			t.Errorf("rule %s priority %v on the second deploy, %v on the first", r.Name, r.num("priority"), priorities[r.Name])
		}
	}
}

// TestDomainSecurityGroup: EC2.18, EC2.19, N5: with a domain, 443 (and 80 for the redirect) are
// open to the world on the load balancer over IPv4 and IPv6, and nothing else is.
func TestDomainSecurityGroup(t *testing.T) {
	t.Parallel()
	run := runWithDomain(t, nil)
	lbSG := albSG(t, run)
	open := map[string]bool{}
	for _, r := range run.all(ingressRuleType) {
		if !worldOpen(r) {
			continue
		}
		port := r.num("fromPort")
		if r.str("securityGroupId") != lbSG.ID || r.str("ipProtocol") != "tcp" || port != r.num("toPort") || (port != 80 && port != 443) {
			t.Errorf("rule %s opens %s %v-%v to the world", r.Name, r.str("ipProtocol"), port, r.num("toPort"))
		}
		if r.str("description") == "" {
			t.Errorf("rule %s has no description", r.Name)
		}
		open[fmt.Sprintf("%s%s:%s/%v", r.str("cidrIpv4"), r.str("cidrIpv6"), r.str("ipProtocol"), port)] = true
	}
	for _, want := range []string{"0.0.0.0/0:tcp/443", "::/0:tcp/443", "0.0.0.0/0:tcp/80", "::/0:tcp/80"} {
		if !open[want] {
			t.Errorf("load balancer does not admit %s; open: %v", want, open)
		}
	}
}

// TestDomainDNSRecords: CKV2_AWS_23: A and, when dual-stack, AAAA alias records of the domain
// point at the load balancer and follow its health; IPv4-only gets no AAAA.
func TestDomainDNSRecords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ipv6  string
		types []string
	}{{"true", []string{"A", "AAAA"}}, {"false", []string{"A"}}} {
		t.Run("ipv6="+tt.ipv6, func(t *testing.T) {
			t.Parallel()
			run := runWithDomain(t, map[string]string{"ipv6": tt.ipv6})
			alb := run.alb(t)
			var types []string
			for _, r := range run.in("dns", recordType) {
				types = append(types, r.str("type"))
				if r.str("name") != testDomain || r.str("zoneId") != testZoneID {
					t.Errorf("record %s is %q in zone %q, want %s in %s", r.Name, r.str("name"), r.str("zoneId"), testDomain, testZoneID)
				}
				if n := len(r.prop("aliases").ArrayValue()); n != 1 {
					t.Fatalf("record %s has %d aliases, want 1", r.Name, n)
				}
				evaluate, _ := r.boolean("aliases", 0, "evaluateTargetHealth")
				if r.str("aliases", 0, "name") != alb.output("dnsName") || r.str("aliases", 0, "zoneId") != alb.output("zoneId") || !evaluate {
					t.Errorf("record %s aliases %v, want the load balancer %s in %s evaluating its health",
						r.Name, r.prop("aliases"), alb.output("dnsName"), alb.output("zoneId"))
				}
				if len(r.strs("records")) != 0 || r.num("ttl") != -1 {
					t.Errorf("alias record %s also has plain records or a TTL", r.Name)
				}
			}
			slices.Sort(types)
			if !slices.Equal(types, tt.types) {
				t.Errorf("alias records %v, want %v", types, tt.types)
			}
		})
	}
}

// TestDomainOutputs: the URL is the domain over HTTPS; the load balancer's own name stays an output.
func TestDomainOutputs(t *testing.T) {
	t.Parallel()
	run := runWithDomain(t, nil)
	if got := run.outputs["url"]; !got.Known || got.Value != "https://"+testDomain {
		t.Errorf("url = %+v, want https://%s", got, testDomain)
	}
	if got, want := run.outputs["loadBalancerDnsName"].Value, run.alb(t).output("dnsName"); got != want || want == "" {
		t.Errorf("loadBalancerDnsName = %v, want %s", got, want)
	}
}

// TestDomainPreview: a preview with a domain declares what the deploy declares, with unknown
// validation records and outputs, and without failing on the unknowns.
func TestDomainPreview(t *testing.T) {
	t.Parallel()
	full := runWithDomain(t, map[string]string{"accessLogs": "true", "waf": "true"})
	preview := runWithDomain(t, map[string]string{"accessLogs": "true", "waf": "true"}, asPreview())
	count := func(run *stackRun) map[string]int {
		out := map[string]int{}
		for _, r := range run.records() {
			out[r.Type]++
		}
		return out
	}
	if got, want := count(preview), count(full); !maps.Equal(got, want) {
		t.Errorf("preview declares %v\nup declares %v", got, want)
	}
	if out := preview.outputs["url"]; out.Known {
		t.Errorf("url is known in preview (%v); want unknown until the listener exists", out.Value)
	}
	if n := len(preview.invoked(getZoneCall)); n == 0 {
		t.Error("preview does not look up the hosted zone, so a missing zone would only fail the deploy")
	}
}

// zoneLookups returns the names (or IDs) a run asked Route 53 for, in order.
func zoneLookups(run *stackRun) []string {
	var out []string
	for _, c := range run.invoked(getZoneCall) {
		if id := c.Args["zoneId"]; id.IsString() {
			out = append(out, "id:"+id.StringValue())
			continue
		}
		name := c.Args["name"].StringValue()
		if p := c.Args["privateZone"]; !p.IsBool() || p.BoolValue() {
			name += " (not public only)"
		}
		out = append(out, name)
	}
	return out
}

func TestHostedZoneLookup(t *testing.T) {
	t.Parallel()
	zones := []fakeZone{
		{ID: "ZEXAMPLECOM", Name: "example.com"},
		{ID: "ZEUEXAMPLE", Name: "eu.example.com"},
		{ID: "ZPRIVATE", Name: "internal.example.com", Private: true},
		{ID: "ZOTHER", Name: "example.org"},
	}
	tests := map[string]struct {
		domain, zone string
		wantZone     string
		wantLookups  []string
	}{
		"by id":                         {"api.example.com", "ZEXAMPLECOM", "ZEXAMPLECOM", []string{"id:ZEXAMPLECOM"}},
		"by id at the apex":             {"example.com", "/hostedzone/ZEXAMPLECOM", "ZEXAMPLECOM", []string{"id:ZEXAMPLECOM"}},
		"by name":                       {"api.eu.example.com", "example.com", "ZEXAMPLECOM", []string{"example.com"}},
		"walk up: the domain is a zone": {"eu.example.com", "", "ZEUEXAMPLE", []string{"eu.example.com"}},
		"walk up: nearest parent wins":  {"api.eu.example.com", "", "ZEUEXAMPLE", []string{"api.eu.example.com", "eu.example.com"}},
		"walk up: two levels":           {"a.b.example.com", "", "ZEXAMPLECOM", []string{"a.b.example.com", "b.example.com", "example.com"}},
		"walk up skips private zones":   {"api.internal.example.com", "", "ZEXAMPLECOM", []string{"api.internal.example.com", "internal.example.com", "example.com"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]string{"domain": tt.domain}
			if tt.zone != "" {
				cfg["hostedZone"] = tt.zone
			}
			run, err := runStack(t, newMockCloud().on(getZoneCall, route53Zones(zones...)), withConfig(cfg))
			if err != nil {
				t.Fatalf("program failed: %v", err)
			}
			if got := zoneLookups(run); !slices.Equal(got, tt.wantLookups) {
				t.Errorf("zone lookups %v, want %v", got, tt.wantLookups)
			}
			for _, name := range []string{"certificate-validation-record", "dns-a", "dns-aaaa"} {
				if r := run.named(t, recordType, name); r.str("zoneId") != tt.wantZone {
					t.Errorf("record %s in zone %q, want %q", r.Name, r.str("zoneId"), tt.wantZone)
				}
			}
		})
	}
}

func TestHostedZoneLookupFailures(t *testing.T) {
	t.Parallel()
	zones := route53Zones(
		fakeZone{ID: "ZPRIVATE", Name: "example.com", Private: true},
		fakeZone{ID: "ZOTHER", Name: "example.org"},
	)
	tests := map[string]struct {
		domain, zone string
		lookup       invokeFunc
		wantLookups  []string
		want         []string
	}{
		"no zone for any parent": {"api.eu.example.net", "", zones,
			[]string{"api.eu.example.net", "eu.example.net", "example.net"},
			[]string{"api.eu.example.net", "api.eu.example.net, eu.example.net, example.net", "create a public hosted zone", "set hostedZone"}},
		"only a private zone": {"api.example.com", "", zones,
			[]string{"api.example.com", "example.com"},
			[]string{"no public Route 53 hosted zone", "api.example.com, example.com"}},
		"configured name missing": {"api.example.net", "example.net", zones,
			[]string{"example.net"},
			[]string{"api.example.net", "named example.net (hostedZone)", "create it"}},
		"configured id missing": {"api.example.com", "ZMISSING", zones,
			[]string{"id:ZMISSING"},
			[]string{"ZMISSING (hostedZone)", "api.example.com", "no such zone", "set hostedZone"}},
		"configured id is private": {"api.example.com", "ZPRIVATE", zones,
			[]string{"id:ZPRIVATE"},
			[]string{"ZPRIVATE (example.com) is private", "public zone"}},
		"configured id holds another domain": {"api.example.com", "ZOTHER", zones,
			[]string{"id:ZOTHER"},
			[]string{"ZOTHER is example.org", "does not contain domain api.example.com"}},
		"access denied stops the walk": {"api.eu.example.com", "", invokeFails("reading Route 53 Hosted Zones: operation error " +
			"Route 53: ListHostedZones, https response error StatusCode: 403, AccessDenied: User is not authorized to perform: " +
			"route53:ListHostedZones"),
			[]string{"api.eu.example.com"},
			[]string{"look up hosted zone api.eu.example.com for domain api.eu.example.com", "AccessDenied"}},
		"several zones of one name": {"api.example.com", "", invokeFails("multiple Route 53 Hosted Zones matched; use " +
			"additional constraints to reduce matches to a single Route 53 Hosted Zone"),
			[]string{"api.example.com"},
			[]string{"multiple Route 53 Hosted Zones matched"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]string{"domain": tt.domain}
			if tt.zone != "" {
				cfg["hostedZone"] = tt.zone
			}
			m := newMockCloud().on(getZoneCall, tt.lookup)
			run, err := runStack(t, m, withConfig(cfg))
			if err == nil {
				t.Fatal("program succeeded without the domain's zone")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if got := zoneLookups(run); !slices.Equal(got, tt.wantLookups) {
				t.Errorf("zone lookups %v, want %v", got, tt.wantLookups)
			}
			for _, name := range zoneLookups(run) {
				if !strings.HasPrefix(name, "id:") && !strings.Contains(name, ".") {
					t.Errorf("looked up the top-level domain %q", name)
				}
			}
			for _, r := range run.records() {
				if r.Type != providerType {
					t.Errorf("%s %s declared before the zone lookup failed", r.Type, r.Name)
				}
			}
		})
	}
}

func TestZoneCandidates(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"example.com":        {"example.com"},
		"api.example.com":    {"api.example.com", "example.com"},
		"a.b.c.example.com":  {"a.b.c.example.com", "b.c.example.com", "c.example.com", "example.com"},
		"api.example.co.uk":  {"api.example.co.uk", "example.co.uk", "co.uk"},
		"xn--bcher-kva.test": {"xn--bcher-kva.test"},
	}
	for domain, want := range tests {
		if got := zoneCandidates(domain); !slices.Equal(got, want) {
			t.Errorf("zoneCandidates(%q) = %v, want %v", domain, got, want)
		}
	}
}

func TestZoneNotFound(t *testing.T) {
	t.Parallel()
	notFound := []string{
		"no matching Route 53 Hosted Zone found",
		"invoking aws:route53/getZone:getZone: 1 error occurred:\n\t* no matching Route53Zone found",
		"invoking aws:route53/getZone:getZone: 1 error occurred:\n\t* couldn't find resource",
		"reading Route53 Hosted Zone (Z1): operation error Route 53: GetHostedZone, https response error StatusCode: 404, " +
			"RequestID: 1, NoSuchHostedZone: No hosted zone found with ID: Z1",
	}
	other := []string{
		"AccessDenied: User is not authorized to perform: route53:ListHostedZones",
		"multiple Route 53 Hosted Zones matched; use additional constraints to reduce matches to a single Route 53 Hosted Zone",
		"operation error Route 53: ListHostedZones, exceeded maximum number of attempts, 25, Throttling: Rate exceeded",
	}
	for _, msg := range notFound {
		if !zoneNotFound(errors.New(msg)) {
			t.Errorf("zoneNotFound(%q) = false, want true", msg)
		}
	}
	for _, msg := range other {
		if zoneNotFound(errors.New(msg)) {
			t.Errorf("zoneNotFound(%q) = true, want false", msg)
		}
	}
}
