package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// productionProfile returns the Pulumi.prod.yaml example of docs/configuration.md, the block of
// YAML whose first line is "# Pulumi.prod.yaml".
func productionProfile(t *testing.T) string {
	t.Helper()
	_, rest, ok := strings.Cut(readDoc(t, "configuration.md"), "```yaml\n# Pulumi.prod.yaml\n")
	if !ok {
		t.Fatal("docs/configuration.md has no ```yaml block starting with # Pulumi.prod.yaml")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/configuration.md's Pulumi.prod.yaml block is not closed")
	}
	return block
}

// writeProductionProfile writes the production profile of docs/configuration.md to a stack file and returns its path.
func writeProductionProfile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
	if err := os.WriteFile(path, []byte(productionProfile(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestProductionProfile: the production profile docs/configuration.md shows is a stack file the
// CLI loads, the program accepts and deploys, and it closes the waivers it claims to close.
func TestProductionProfile(t *testing.T) {
	t.Parallel()
	cfg := stackFileConfig(t, writeProductionProfile(t))
	proj := loadProject(t)
	declared := map[string]bool{}
	for _, k := range projectKeys(proj) {
		declared[k] = true
	}
	for k := range cfg {
		if name, ok := strings.CutPrefix(k, proj.Name.String()+":"); ok && !declared[name] {
			t.Errorf("the profile sets %s, which Pulumi.yaml does not declare", k)
		}
	}
	c, err := parseMap(t, cfg)
	if err != nil {
		t.Fatalf("the program rejects the profile: %v", err)
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"a domain (ELB.1, ELB.17, ELB.18)", c.Domain != ""},
		{"deletion protection (ELB.6)", c.DeletionProtection},
		{"access logs (ELB.5)", c.AccessLogs},
		{"a WAF web ACL (ELB.16)", c.WAF},
		{"flow logs (EC2.6)", c.FlowLogs},
		{"a year of logs (CloudWatch.16)", c.LogRetentionDays >= 365},
		{"a NAT gateway per zone", c.Egress == egressNATPerAZ},
		{"Container Insights (ECS.12)", c.ContainerInsights},
		{"two tasks or more", c.MinCount >= 2},
		{"alarm notifications", c.AlarmEmail != ""},
		{"no force delete", !c.ForceDelete},
	}
	for _, check := range checks {
		if !check.ok {
			t.Errorf("the production profile lacks %s", check.what)
		}
	}

	run, err := runStack(t, domainCloud(), withConfig(cfg))
	if err != nil {
		t.Fatalf("the program fails on the profile: %v", err)
	}
	for _, r := range []struct{ typ, name string }{
		{certValidationType, "certificate-validation"}, {webACLAssocType, "waf-association"}, {flowLogType, "network-flow-log"},
	} {
		if run.find(r.typ, r.name) == nil {
			t.Errorf("the profile declares no %s %s", r.typ, r.name)
		}
	}
	if got := len(run.in("network", natType)); got != 3 {
		t.Errorf("%d NAT gateways, want one per zone (3)", got)
	}
}
