package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// awsxImageType is the awsx component that builds and pushes the image.
const awsxImageType = "awsx:ecr:Image"

// printPlan prints what the stack declares, the choices its settings make, the security waivers
// in force and the estimated monthly cost.
func printPlan(w io.Writer, s *stackSettings, cfg *stackConfig, res declaredStack) {
	region := cfg.Region
	if region == "" {
		region = assumedRegion + " (aws:region is not set: at deploy time the provider takes the region from the " +
			"environment; planned and priced as " + assumedRegion + ")"
	}
	fmt.Fprintf(w, "check: stack %s (%s) of project %s in %s: the settings are valid\n", s.Stack, s.File, s.Project, region)
	printComponents(w, res)
	printChoices(w, cfg, res)

	prices := usEast1Prices()
	waivers := waiversInForce(cfg, securityWaivers(prices))
	fmt.Fprintf(w, "\nsecurity waivers in force: %d (docs/security.md, Security waivers)\n", len(waivers))
	for _, wv := range waivers {
		fmt.Fprintf(w, "  %s: %s\n      to satisfy: %s\n", strings.Join(wv.Controls, ", "), plainText(wv.When), plainText(wv.Satisfy))
	}

	usage := quietMonth()
	est := estimateCost(res, prices, usage)
	fmt.Fprintf(w, "\nestimated monthly cost: %s (us-east-1 list prices from infra/pricing.go, %d hours, %s: minCount, "+
		"the fewest autoscaling keeps)\n", dollars(est.Cents()), usage.Hours, plural(est.Tasks, "task"))
	for _, l := range est.Lines {
		fmt.Fprintf(w, "  %-27s %9s  %s\n", l.Item, dollars(l.Cents), l.Basis)
	}
	if est.Spot.Cents != 0 {
		fmt.Fprintf(w, "  %-27s %9s  %s\n  with Fargate Spot at its best: %s\n", est.Spot.Item, dollars(est.Spot.Cents),
			est.Spot.Basis, dollars(est.Cents()+est.Spot.Cents))
	}
	fmt.Fprintf(w, "  assumed: %d LCU, %d GB a month through NAT or the endpoints, %d GB of logs per log stream, "+
		"%d GB in ECR, %d GB of access logs\n", usage.LCUs, usage.EgressGB, usage.LogGB, usage.ImageGB, usage.AccessLogGB)
	fmt.Fprintf(w, "  not included: data out to the internet (%s), traffic beyond the assumptions, log storage (%s), "+
		"Container Insights metrics, WAF requests (%s), S3, KMS and Secrets Manager requests, the domain's hosted "+
		"zone (%s), free tiers (3 dashboards and 10 alarm metrics per account)\n",
		prices.DataTransferOutGB, prices.LogsStoredGB, prices.WAFMillionRequests, prices.HostedZoneMonth)
}

// printComponents lists the program's components with how many resources each declares.
func printComponents(w io.Writer, res declaredStack) {
	type row struct {
		name, typ string
		count     int
		remote    []string
	}
	var rows []*row
	var root row
	// A component is known by its type and name, which its children's parent URN ends with.
	components := map[string]*row{}
	total := 0
	for _, d := range res {
		if !d.Custom && !d.Remote {
			r := &row{name: d.Name, typ: d.Type[strings.LastIndex(d.Type, ":")+1:]}
			rows = append(rows, r)
			components[d.Type+"::"+d.Name] = r
		}
	}
	for _, d := range res {
		parent := components[string(d.Parent.Type())+"::"+d.Parent.Name()]
		if d.Parent.Type() == resource.RootStackType {
			parent = &root
		}
		switch {
		case parent == nil:
		case d.Remote:
			parent.remote = append(parent.remote, d.Type)
		case d.Custom:
			parent.count++
			total++
		}
	}
	fmt.Fprintf(w, "\ncomponents: %d, declaring %d resources (as a preview of a new stack counts them)\n", len(rows), total)
	for _, r := range rows {
		line := fmt.Sprintf("  %-16s %-14s %3d", r.name, r.typ, r.count)
		if len(r.remote) > 0 {
			line += ", and " + strings.Join(r.remote, ", ") + " (a component of awsx: its resources are not visible offline)"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "  %-31s %3d (the aws provider)\n", "(stack)", root.count)
}

// printChoices prints the decisions the stack's settings make.
func printChoices(w io.Writer, cfg *stackConfig, res declaredStack) {
	var zones []string
	for _, s := range res.all(subnetType) {
		if z := s.str("availabilityZone"); !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	slices.Sort(zones)
	onOff := func(on bool, what string) string {
		if on {
			return "on: " + what
		}
		return "off"
	}
	egress := map[egressMode]string{
		egressNATPerAZ:     fmt.Sprintf("a NAT gateway in each zone (%d)", len(res.all(natType))),
		egressNATSingle:    "one NAT gateway for every zone (an outage of its zone cuts the others' egress)",
		egressPublicIP:     "tasks in the public subnets with a public IP each; inbound still only from the load balancer",
		egressVPCEndpoints: fmt.Sprintf("%d VPC endpoints and no internet for the tasks", len(res.all(endpointType))),
	}[cfg.Egress]
	https := "off: plain HTTP on the load balancer's DNS name (set domain for HTTPS)"
	if cfg.Domain != "" {
		https = "on: https://" + cfg.Domain + " with an ACM certificate; HTTP answers 301 to HTTPS"
	}
	image := "built from this repository"
	if cfg.Image != nil {
		image = "the prebuilt " + cfg.Image.URI
	} else if img := res.first(awsxImageType); img != nil {
		image = fmt.Sprintf("built from this repository for %s, tag %s (or ECR's copy, when it holds that tag)",
			img.str("platform"), img.str("imageTag"))
	}
	choices := [][2]string{
		{"architecture", fmt.Sprintf("%s: the image is built for %s, the tasks run on %s", cfg.Architecture,
			cfg.Architecture.platform(), cfg.Architecture.cpuArchitecture())},
		{"task size", fmt.Sprintf("%d CPU units, %d MiB", cfg.CPU, cfg.Memory)},
		{"tasks", fmt.Sprintf("%d to %d, autoscaled on %d %% CPU and %d requests per task per minute; %d at the first deploy",
			cfg.MinCount, cfg.MaxCount, cpuTargetPercent, cfg.RequestsPerTarget, cfg.DesiredCount)},
		{"zones", fmt.Sprintf("%d: %s", len(zones), strings.Join(zones, ", "))},
		{"egress", fmt.Sprintf("%s: %s", cfg.Egress, egress)},
		{"HTTPS", https},
		{"paths", strings.Join(cfg.Paths, " ")},
		{"image", image},
		{"ipv6", onOff(cfg.IPv6, "dual-stack load balancer")},
		{"containerInsights", onOff(cfg.ContainerInsights, "Container Insights on the cluster")},
		{"spot", onOff(cfg.Spot, "tasks beyond the first on Fargate Spot three times in four")},
		{"waf", onOff(cfg.WAF, "a WAFv2 web ACL on the load balancer")},
		{"accessLogs", onOff(cfg.AccessLogs, "load balancer access logs to S3")},
		{"flowLogs", onOff(cfg.FlowLogs, "VPC flow logs to CloudWatch Logs")},
		{"alarmEmail", onOff(cfg.AlarmEmail != "", "alarms and failed deployments mail "+cfg.AlarmEmail)},
		{"secrets", names(sortedKeys(cfg.Secrets))},
		{"env", names(sortedKeys(cfg.Env))},
		{"logRetentionDays", fmt.Sprint(cfg.LogRetentionDays)},
		{"deletionProtection", onOff(cfg.DeletionProtection, "pulumi destroy cannot delete the load balancer")},
		{"forceDelete", onOff(cfg.ForceDelete, "pulumi destroy deletes the repository with its images")},
	}
	fmt.Fprintln(w, "\nchoices")
	for _, c := range choices {
		fmt.Fprintf(w, "  %-19s %s\n", c[0], c[1])
	}
}

// names lists names after their count, or says none.
func names(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d: %s", len(list), strings.Join(list, ", "))
}
