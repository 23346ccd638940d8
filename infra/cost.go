package main

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// costLine is one line of the monthly estimate: what, the arithmetic, and the amount in cents
// (each line is rounded to the cent, half up, and the total is the sum of the lines).
type costLine struct {
	Item, Basis string
	Cents       int64
}

// costEstimate is a stack's estimated monthly bill.
type costEstimate struct {
	Lines []costLine
	// Spot is what Fargate Spot saves at best, as a negative line; zero Cents without spot.
	Spot costLine
	// Tasks is the task count the estimate prices: minCount, the floor autoscaling keeps, since
	// desiredCount applies to the first deploy only and a quiet month needs no more.
	Tasks int64
}

// Cents is the estimate's total.
func (e costEstimate) Cents() int64 {
	var total int64
	for _, l := range e.Lines {
		total += l.Cents
	}
	return total
}

// Resource types the estimate counts.
const (
	albType           = "aws:lb/loadBalancer:LoadBalancer"
	natType           = "aws:ec2/natGateway:NatGateway"
	eipType           = "aws:ec2/eip:Eip"
	endpointType      = "aws:ec2/vpcEndpoint:VpcEndpoint"
	subnetType        = "aws:ec2/subnet:Subnet"
	flowLogType       = "aws:ec2/flowLog:FlowLog"
	serviceType       = "aws:ecs/service:Service"
	taskDefType       = "aws:ecs/taskDefinition:TaskDefinition"
	scalingTargetType = "aws:appautoscaling/target:Target"
	scalingPolicyType = "aws:appautoscaling/policy:Policy"
	repositoryType    = "aws:ecr/repository:Repository"
	webACLType        = "aws:wafv2/webAcl:WebAcl"
	kmsKeyType        = "aws:kms/key:Key"
	secretType        = "aws:secretsmanager/secret:Secret"
	alarmType         = "aws:cloudwatch/metricAlarm:MetricAlarm"
	dashboardType     = "aws:cloudwatch/dashboard:Dashboard"
)

// targetTrackingAlarms are the alarms AWS creates for each target-tracking policy: scale out and in.
const targetTrackingAlarms = 2

// estimateCost prices what the program declared: every count comes from the declared resources
// and their inputs, every price from p, every usage beyond them from u.
func estimateCost(res declaredStack, p priceTable, u monthlyUsage) costEstimate {
	var e costEstimate
	hours := big.NewRat(u.Hours, 1)
	add := func(item, basis string, amount *big.Rat) {
		e.Lines = append(e.Lines, costLine{Item: item, Basis: basis, Cents: roundCents(amount)})
	}
	times := func(n int64, rs ...*big.Rat) *big.Rat {
		out := big.NewRat(n, 1)
		for _, r := range rs {
			out.Mul(out, r)
		}
		return out
	}

	task := res.first(taskDefType)
	if task != nil {
		e.Tasks = res.first(scalingTargetType).num("minCapacity")
		vcpu, gb, perTask, arch := taskHour(task, p)
		basis := fmt.Sprintf("%s × (%s vCPU × $%s + %s GB × $%s) × %d h", plural(e.Tasks, "task"),
			decimal(vcpu), vcpuPrice(arch, p).USD, decimal(gb), gbPrice(arch, p).USD, u.Hours)
		add("Fargate compute ("+arch+")", basis, times(e.Tasks, perTask, hours))
		e.Spot = spotSaving(res.first(serviceType), e.Tasks, perTask, hours, p)
	}

	albs := res.all(albType)
	if n := int64(len(albs)); n > 0 {
		add("Load balancer hours", fmt.Sprintf("%d × $%s × %d h", n, p.LoadBalancerHour.USD, u.Hours),
			times(n, p.LoadBalancerHour.rat(), hours))
		add("Load balancer capacity", fmt.Sprintf("%d LCU × $%s × %d h", n*u.LCUs, p.LCUHour.USD, u.Hours),
			times(n*u.LCUs, p.LCUHour.rat(), hours))
	}

	var albZones int64
	for _, alb := range albs {
		if !alb.flag("internal") {
			albZones += int64(len(alb.list("subnets")))
		}
	}
	eips := int64(len(res.all(eipType)))
	var taskIPs int64
	if svc := res.first(serviceType); svc != nil && svc.flag("networkConfiguration", "assignPublicIp") {
		taskIPs = e.Tasks
	}
	if n := albZones + eips + taskIPs; n > 0 {
		var parts []string
		for _, part := range []struct {
			n    int64
			what string
		}{{albZones, "load balancer zone"}, {eips, "elastic IP"}, {taskIPs, "task"}} {
			if part.n > 0 {
				parts = append(parts, plural(part.n, part.what))
			}
		}
		add("Public IPv4 addresses", fmt.Sprintf("%d (%s) × $%s × %d h", n, strings.Join(parts, ", "),
			p.PublicIPv4Hour.USD, u.Hours), times(n, p.PublicIPv4Hour.rat(), hours))
	}

	nats := int64(len(res.all(natType)))
	if nats > 0 {
		add("NAT gateway hours", fmt.Sprintf("%d × $%s × %d h", nats, p.NATGatewayHour.USD, u.Hours),
			times(nats, p.NATGatewayHour.rat(), hours))
		add("NAT data processing", fmt.Sprintf("%d GB × $%s", u.EgressGB, p.NATGatewayGB.USD),
			times(u.EgressGB, p.NATGatewayGB.rat()))
	}
	var endpoints, endpointZones int64
	for _, ep := range res.all(endpointType) {
		if ep.str("vpcEndpointType") == "Interface" {
			endpoints++
			endpointZones += int64(len(ep.list("subnetIds")))
		}
	}
	if endpoints > 0 {
		add("Interface endpoints", fmt.Sprintf("%d endpoints in %d zones = %d × $%s × %d h", endpoints,
			endpointZones/endpoints, endpointZones, p.EndpointZoneHour.USD, u.Hours),
			times(endpointZones, p.EndpointZoneHour.rat(), hours))
		if nats == 0 {
			add("Endpoint data processing", fmt.Sprintf("%d GB × $%s", u.EgressGB, p.EndpointGB.USD),
				times(u.EgressGB, p.EndpointGB.rat()))
		}
	}

	if task != nil {
		flowLogs := int64(len(res.all(flowLogType)))
		basis := fmt.Sprintf("%d GB × $%s", u.LogGB, p.LogsIngestedGB.USD)
		if flowLogs > 0 {
			basis = fmt.Sprintf("(%d GB of the app's + %d GB of flow logs) × $%s", u.LogGB, flowLogs*u.LogGB, p.LogsIngestedGB.USD)
		}
		add("CloudWatch Logs ingestion", basis, times((1+flowLogs)*u.LogGB, p.LogsIngestedGB.rat()))
	}
	for _, alb := range albs {
		if alb.flag("accessLogs", "enabled") {
			add("Access logs in S3", fmt.Sprintf("%d GB × $%s", u.AccessLogGB, p.S3StorageGBMonth.USD),
				times(u.AccessLogGB, p.S3StorageGBMonth.rat()))
		}
	}
	if n := int64(len(res.all(repositoryType))); n > 0 {
		add("ECR storage", fmt.Sprintf("%d GB × $%s", n*u.ImageGB, p.ECRStorageGBMonth.USD),
			times(n*u.ImageGB, p.ECRStorageGBMonth.rat()))
	}

	acls := res.all(webACLType)
	var rules int64
	for _, acl := range acls {
		rules += int64(len(acl.list("rules")))
	}
	if n := int64(len(acls)); n > 0 {
		add("WAF web ACL and rules", fmt.Sprintf("%d × $%s + %d rules × $%s", n, p.WebACLMonth.USD, rules, p.WAFRuleMonth.USD),
			new(big.Rat).Add(times(n, p.WebACLMonth.rat()), times(rules, p.WAFRuleMonth.rat())))
	}
	if n := int64(len(res.all(kmsKeyType))); n > 0 {
		add("KMS keys", fmt.Sprintf("%d × $%s", n, p.KMSKeyMonth.USD), times(n, p.KMSKeyMonth.rat()))
	}
	if n := int64(len(res.all(secretType))); n > 0 {
		add("Secrets Manager secrets", fmt.Sprintf("%d × $%s", n, p.SecretMonth.USD), times(n, p.SecretMonth.rat()))
	}

	alarms := res.all(alarmType)
	var metrics int64
	for _, a := range alarms {
		metrics += alarmMetrics(a)
	}
	if n := int64(len(alarms)); n > 0 {
		add("CloudWatch alarms", fmt.Sprintf("%s reading %d metrics × $%s", plural(n, "alarm"), metrics, p.AlarmMetricMonth.USD),
			times(metrics, p.AlarmMetricMonth.rat()))
	}
	var policies int64
	for _, pol := range res.all(scalingPolicyType) {
		if pol.str("policyType") == "TargetTrackingScaling" {
			policies++
		}
	}
	if policies > 0 {
		add("Target-tracking alarms", fmt.Sprintf("%d policies × %d alarms × $%s", policies, targetTrackingAlarms, p.AlarmMetricMonth.USD),
			times(policies*targetTrackingAlarms, p.AlarmMetricMonth.rat()))
	}
	if n := int64(len(res.all(dashboardType))); n > 0 {
		add("CloudWatch dashboard", fmt.Sprintf("%d × $%s", n, p.DashboardMonth.USD), times(n, p.DashboardMonth.rat()))
	}
	return e
}

// taskHour reads a task definition's size and architecture and prices one task for an hour.
func taskHour(task *declared, p priceTable) (vcpu, gb, perHour *big.Rat, arch string) {
	cpu, _ := strconv.ParseInt(task.str("cpu"), 10, 64)
	mib, _ := strconv.ParseInt(task.str("memory"), 10, 64)
	vcpu, gb = big.NewRat(cpu, 1024), big.NewRat(mib, 1024)
	arch = string(archARM64)
	if task.str("runtimePlatform", "cpuArchitecture") == archX8664.cpuArchitecture() {
		arch = string(archX8664)
	}
	perHour = new(big.Rat).Mul(vcpu, vcpuPrice(arch, p).rat())
	return vcpu, gb, perHour.Add(perHour, new(big.Rat).Mul(gb, gbPrice(arch, p).rat())), arch
}

func vcpuPrice(arch string, p priceTable) price {
	if arch == string(archX8664) {
		return p.FargateX86vCPUHour
	}
	return p.FargateARMvCPUHour
}

func gbPrice(arch string, p priceTable) price {
	if arch == string(archX8664) {
		return p.FargateX86GBHour
	}
	return p.FargateARMGBHour
}

// spotSaving is what Fargate Spot saves at best: the service's capacity provider strategy puts
// its base on FARGATE and splits the other tasks by weight, and Spot is at most SpotDiscount off.
func spotSaving(svc *declared, tasks int64, perTask, hours *big.Rat, p priceTable) costLine {
	var base, fargateWeight, spotWeight int64
	if svc != nil {
		for _, s := range svc.list("capacityProviderStrategies") {
			item := declared{Inputs: s.ObjectValue()}
			switch item.str("capacityProvider") {
			case capacityFargate:
				base, fargateWeight = item.num("base"), item.num("weight")
			case capacityFargateSpot:
				spotWeight = item.num("weight")
			}
		}
	}
	if spotWeight == 0 || tasks <= base {
		return costLine{}
	}
	share := big.NewRat((tasks-base)*spotWeight, fargateWeight+spotWeight)
	saving := new(big.Rat).Mul(share, perTask)
	saving.Mul(saving, hours).Mul(saving, p.SpotDiscount.rat())
	return costLine{
		Item: "Fargate Spot, best case",
		Basis: fmt.Sprintf("%s tasks on Spot × $%s × %s h × %s", decimal(share), decimal(perTask),
			decimal(hours), p.SpotDiscount),
		Cents: -roundCents(saving),
	}
}

// alarmMetrics is how many metrics an alarm reads: one, or each metric query that names a metric
// (a metric math alarm), which is what CloudWatch charges for.
func alarmMetrics(a *declared) int64 {
	queries := a.list("metricQueries")
	if len(queries) == 0 {
		return 1
	}
	var n int64
	for _, q := range queries {
		if q.IsObject() && q.ObjectValue()["metric"].IsObject() {
			n++
		}
	}
	return n
}

// roundCents rounds an amount of dollars to the cent, halves up.
func roundCents(usd *big.Rat) int64 {
	cents, _ := strconv.ParseInt(new(big.Rat).Mul(usd, big.NewRat(100, 1)).FloatString(0), 10, 64)
	return cents
}

// dollars formats cents as dollars, e.g. "$16.43".
func dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s$%d.%02d", sign, cents/100, cents%100)
}

// decimal writes an exact number as a decimal without trailing zeros, e.g. 0.25 or 4.
func decimal(r *big.Rat) string {
	return strings.TrimSuffix(strings.TrimRight(r.FloatString(6), "0"), ".")
}

// plural is n and a noun, made plural when n is not one.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

// declaredStack is what one offline run of the program declared.
type declaredStack []declared

// all returns the declared resources of a type, in order.
func (s declaredStack) all(typ string) []*declared {
	var out []*declared
	for i := range s {
		if s[i].Type == typ {
			out = append(out, &s[i])
		}
	}
	return out
}

// first returns the first declared resource of a type, or nil.
func (s declaredStack) first(typ string) *declared {
	if all := s.all(typ); len(all) > 0 {
		return all[0]
	}
	return nil
}

// input is the input at path (object keys), or null when absent.
func (d *declared) input(path ...any) resource.PropertyValue {
	v, ok := resource.PropertyPath(path).Get(resource.NewObjectProperty(d.Inputs))
	if !ok {
		return resource.NewNullProperty()
	}
	return v
}

// str is a string input, "" when absent.
func (d *declared) str(path ...any) string {
	v := d.input(path...)
	if !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// list is an array input, nil when absent.
func (d *declared) list(path ...any) []resource.PropertyValue {
	v := d.input(path...)
	if !v.IsArray() {
		return nil
	}
	return v.ArrayValue()
}

// flag is a boolean input, false when absent.
func (d *declared) flag(path ...any) bool {
	v := d.input(path...)
	return v.IsBool() && v.BoolValue()
}

// num is a numeric input, 0 when absent.
func (d *declared) num(path ...any) int64 {
	if d == nil {
		return 0
	}
	v := d.input(path...)
	if !v.IsNumber() {
		return 0
	}
	return int64(v.NumberValue())
}
