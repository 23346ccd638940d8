package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// estimateFor checks a stack file as `just check` does and returns its cost estimate.
func estimateFor(t *testing.T, stackFile string) costEstimate {
	t.Helper()
	dir := newCheckProject(t, map[string]string{"Pulumi.estimate.yaml": stackFile})
	settings, err := loadStack(dir, "estimate", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, problems := validateSettings(settings)
	if len(problems) > 0 {
		t.Fatalf("invalid stack file: %v", problems)
	}
	declared, err := declareOffline(settings, dir, cfg.Region)
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return estimateCost(declared, usEast1Prices(), quietMonth())
}

// costProfiles are the stack files the cost table of docs/cost.md prices, by its column names.
func costProfiles(t *testing.T) map[string]string {
	t.Helper()
	dev, err := os.ReadFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"defaults":          "config:\n  aws:region: us-east-1\n",
		"`just check dev`":  string(dev),
		"`just check prod`": productionProfile(t),
	}
}

// handLine is one line of a bill worked out by hand: the arithmetic on the prices of
// infra/pricing.go and the assumptions (730 hours, 1 LCU, 10 GB through NAT, 1 GB of logs per
// stream, 1 GB in ECR and of access logs), and the amount rounded to the cent.
type handLine struct {
	item  string
	usd   float64
	cents int64
}

// TestCostOfProfiles compares the estimate of the default, dev and production profiles with the
// bill worked out by hand.
func TestCostOfProfiles(t *testing.T) {
	t.Parallel()
	// Both profiles with two zones and no domain share the load balancer and monitoring lines.
	shared := []handLine{
		{"Load balancer hours", 1 * 0.0225 * 730, 1643},  // 16.425
		{"Load balancer capacity", 1 * 0.008 * 730, 584}, // 5.84
		{"NAT data processing", 10 * 0.045, 45},
		{"CloudWatch Logs ingestion", 1 * 0.50, 50},
		{"ECR storage", 1 * 0.10, 10},
		// target-5xx reads 3 metrics; unhealthy-hosts, no-healthy-hosts, p99-latency, cpu-high and
		// memory-high 1 each.
		{"CloudWatch alarms", (3 + 5) * 0.10, 80},
		{"Target-tracking alarms", 2 * 2 * 0.10, 40}, // CPU and requests, a scale-out and a scale-in alarm each
		{"CloudWatch dashboard", 1 * 3, 300},
	}
	tests := map[string]struct {
		lines []handLine
		total int64
	}{
		"defaults": {append([]handLine{
			// 2 tasks of 0.25 vCPU and 0.5 GB on arm64.
			{"Fargate compute (arm64)", 2 * (0.25*0.03238 + 0.5*0.00356) * 730, 1442}, // 14.4175
			// 2 load balancer zones and 2 NAT elastic IPs.
			{"Public IPv4 addresses", (2 + 2) * 0.005 * 730, 1460},
			{"NAT gateway hours", 2 * 0.045 * 730, 6570},
		}, shared...), 1442 + 1643 + 584 + 1460 + 6570 + 45 + 50 + 10 + 80 + 40 + 300},
		"`just check dev`": {append([]handLine{
			// minCount 1; natSingle.
			{"Fargate compute (arm64)", 1 * (0.25*0.03238 + 0.5*0.00356) * 730, 721}, // 7.20875
			{"Public IPv4 addresses", (2 + 1) * 0.005 * 730, 1095},
			{"NAT gateway hours", 1 * 0.045 * 730, 3285},
		}, shared...), 721 + 1643 + 584 + 1095 + 3285 + 45 + 50 + 10 + 80 + 40 + 300},
		"`just check prod`": {[]handLine{
			// 3 tasks of 0.5 vCPU and 1 GB, 3 zones, flow logs, access logs, WAF, the alarm topic's key.
			{"Fargate compute (arm64)", 3 * (0.5*0.03238 + 1*0.00356) * 730, 4325}, // 43.2525
			{"Load balancer hours", 1 * 0.0225 * 730, 1643},
			{"Load balancer capacity", 1 * 0.008 * 730, 584},
			{"Public IPv4 addresses", (3 + 3) * 0.005 * 730, 2190},
			{"NAT gateway hours", 3 * 0.045 * 730, 9855},
			{"NAT data processing", 10 * 0.045, 45},
			{"CloudWatch Logs ingestion", (1 + 1) * 0.50, 100},
			{"Access logs in S3", 1 * 0.023, 2},
			{"ECR storage", 1 * 0.10, 10},
			{"WAF web ACL and rules", 5 + 3*1, 800}, // the rate limit and two managed rule groups
			{"KMS keys", 1 * 1, 100},
			{"CloudWatch alarms", (3 + 5) * 0.10, 80},
			{"Target-tracking alarms", 2 * 2 * 0.10, 40},
			{"CloudWatch dashboard", 1 * 3, 300},
		}, 4325 + 1643 + 584 + 2190 + 9855 + 45 + 100 + 2 + 10 + 800 + 100 + 80 + 40 + 300},
	}
	profiles := costProfiles(t)
	for name, tt := range tests {
		est := estimateFor(t, profiles[name])
		got := map[string]int64{}
		for _, l := range est.Lines {
			got[l.Item] = l.Cents
		}
		for _, want := range tt.lines {
			if math.Abs(want.usd*100-float64(want.cents)) > 0.5+1e-9 {
				t.Errorf("%s: %s worked out as %v, which is not %s", name, want.item, want.usd, dollars(want.cents))
			}
			if c, ok := got[want.item]; !ok || c != want.cents {
				t.Errorf("%s: %s = %s, want %s", name, want.item, dollars(c), dollars(want.cents))
			}
			delete(got, want.item)
		}
		for item, c := range got {
			t.Errorf("%s: unexpected line %s %s", name, item, dollars(c))
		}
		if est.Cents() != tt.total {
			t.Errorf("%s: total %s, want %s", name, dollars(est.Cents()), dollars(tt.total))
		}
	}
}

// TestCostPageTables: the cost tables of docs/cost.md show what `just check` computes for the
// profiles and egress modes they name.
func TestCostPageTables(t *testing.T) {
	t.Parallel()
	page := readDoc(t, "cost.md")
	rows := markdownTable(t, page, "| line |")
	header := rows[0]
	estimates := map[string]costEstimate{}
	for name, file := range costProfiles(t) {
		estimates[name] = estimateFor(t, file)
	}
	for col, name := range header[1:] {
		est, ok := estimates[name]
		if !ok {
			t.Fatalf("docs/cost.md: cost table column %q is none of %v", name, sortedKeys(estimates))
		}
		lines := map[string]int64{}
		for _, l := range est.Lines {
			lines[l.Item] = l.Cents
		}
		for _, row := range rows[1:] {
			item, cell := strings.Trim(row[0], "*"), strings.Trim(row[col+1], "*")
			want := "—"
			if c, ok := lines[item]; ok {
				want = dollars(c)
			}
			if item == "total" {
				want = dollars(est.Cents())
			}
			if cell != want {
				t.Errorf("docs/cost.md %s, %s: %s, but just check computes %s", name, item, cell, want)
			}
			delete(lines, item)
		}
		for item := range lines {
			t.Errorf("docs/cost.md %s lacks the line %s", name, item)
		}
	}

	for _, row := range markdownTable(t, page, "| `egress` | arm64 (default) | x86_64 |")[1:] {
		for col, arch := range []string{"arm64", "x86_64"} {
			mode := strings.Trim(strings.Fields(row[0])[0], "`")
			est := estimateFor(t, "config:\n  aws:region: us-east-1\n  egress: "+mode+"\n  architecture: "+arch+"\n")
			if got, want := strings.Trim(row[col+1], "*"), dollars(est.Cents()); got != want {
				t.Errorf("docs/cost.md egress %s on %s: %s, but just check computes %s", mode, arch, got, want)
			}
		}
	}
}

// TestCostPageUnitPrices: the unit price table of docs/cost.md is the price table of
// infra/pricing.go, row for row.
func TestCostPageUnitPrices(t *testing.T) {
	t.Parallel()
	var code [][]string
	table := reflect.ValueOf(usEast1Prices())
	for i := range table.NumField() {
		switch p := table.Field(i).Interface().(type) {
		case price:
			code = append(code, []string{p.Item, p.String(), p.Source})
		case discount:
			code = append(code, []string{p.Item, p.String(), p.Source})
		default:
			t.Fatalf("price table field %s is a %T", table.Type().Field(i).Name, p)
		}
	}
	page := markdownTable(t, readDoc(t, "cost.md"), "| Item | Price | Source |")[1:]
	for _, row := range code {
		if !slices.ContainsFunc(page, func(r []string) bool { return slices.Equal(r, row) }) {
			t.Errorf("docs/cost.md lacks the price row | %s |", strings.Join(row, " | "))
		}
	}
	for _, row := range page {
		if !slices.ContainsFunc(code, func(r []string) bool { return slices.Equal(r, row) }) {
			t.Errorf("docs/cost.md lists a price infra/pricing.go does not have: %s", fmt.Sprint(row))
		}
	}
}

// TestREADMEQuotesTheDevCost: the quick start quotes the dev stack's monthly cost as `just check
// dev` computes it.
func TestREADMEQuotesTheDevCost(t *testing.T) {
	t.Parallel()
	dev := estimateFor(t, costProfiles(t)["`just check dev`"])
	if want := "`just check dev` estimates it at **" + dollars(dev.Cents()) + " a month**"; !strings.Contains(readDoc(t, "../README.md"), want) {
		t.Errorf("README.md does not say %q", want)
	}
}
