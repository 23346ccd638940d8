package main

import (
	"slices"
	"strings"
	"testing"
)

// TestSecurityPageListsTheWaivers: the security waivers table of docs/security.md has one row per
// waiver of the program, in the same words.
func TestSecurityPageListsTheWaivers(t *testing.T) {
	t.Parallel()
	var page [][3]string
	for _, row := range markdownTable(t, readDoc(t, "security.md"), "| Controls |")[1:] {
		if len(row) != 3 {
			t.Fatalf("waiver row %v has %d cells, want 3", row, len(row))
		}
		page = append(page, [3]string{strings.ReplaceAll(row[0], "`", ""), row[1], row[2]})
	}
	var code [][3]string
	for _, w := range securityWaivers(usEast1Prices()) {
		code = append(code, [3]string{strings.Join(w.Controls, ", "), w.When, w.Satisfy})
	}
	for _, w := range code {
		if !slices.Contains(page, w) {
			t.Errorf("docs/security.md lacks the waiver row | %s | %s | %s |", w[0], w[1], w[2])
		}
	}
	for _, r := range page {
		if !slices.Contains(code, r) {
			t.Errorf("docs/security.md lists a waiver the program does not have: | %s | %s | %s |", r[0], r[1], r[2])
		}
	}
}

// TestWaiversInForce: each profile puts exactly the waivers its settings call for in force.
func TestWaiversInForce(t *testing.T) {
	t.Parallel()
	always := []string{"AVD-AWS-0053", "CKV_AWS_260", "ELB.21", "CKV_AWS_158", "CKV_AWS_332"}
	tests := map[string]struct {
		config map[string]string
		secret []string
		want   []string // the first control of each waiver in force, besides always
	}{
		"defaults": {nil, nil, []string{"ELB.6", "AVD-AWS-0104", "ELB.1", "ELB.5", "ELB.16", "EC2.6", "CloudWatch.16"}},
		"dev": {devStackConfig(t), nil,
			[]string{"ELB.6", "AVD-AWS-0104", "ELB.1", "ELB.5", "ELB.16", "EC2.6", "CloudWatch.16", "ECS.12"}},
		"production profile": {stackFileConfig(t, writeProductionProfile(t)), nil,
			[]string{"AVD-AWS-0104", "aws-lb-listener-configure-secure-tls", "CKV_AWS_145", "CKV_AWS_21", "WAF.11"}},
		"every paid switch, endpoints, a year of logs": {map[string]string{"deletionProtection": "true",
			"egress": "vpcEndpoints", "domain": "api.example.com", "accessLogs": "true", "waf": "true", "flowLogs": "true",
			"logRetentionDays": "365"}, nil,
			[]string{"aws-lb-listener-configure-secure-tls", "CKV_AWS_145", "CKV_AWS_21", "WAF.11"}},
		"secrets": {map[string]string{"secrets": `{"API_TOKEN":"[secret]"}`, "deletionProtection": "true",
			"egress": "vpcEndpoints", "accessLogs": "true", "waf": "true", "flowLogs": "true", "logRetentionDays": "365"},
			[]string{"secrets"}, []string{"ELB.1", "CKV_AWS_145", "CKV_AWS_21", "WAF.11", "CKV_AWS_149", "SecretsManager.1"}},
	}
	for name, tt := range tests {
		cfg, err := parseMap(t, tt.config, tt.secret...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, w := range waiversInForce(cfg, securityWaivers(usEast1Prices())) {
			got = append(got, w.Controls[0])
		}
		want := append(slices.Clone(always), tt.want...)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: waivers in force %v, want %v", name, got, want)
		}
	}
}
